import { readFileSync } from "node:fs";
import { createSwitch } from "../../../../bmv2/src/dataplane/index.ts";
import { compileFileWith, parseP4InfoText, type CompilerChoice } from "../../../../compiler/src/index.ts";
import { formatDiagnostics } from "../../../../compiler/src/diagnostics/format.ts";
import { bmv2StfUnavailable, runStfOnBmv2 } from "../../../../testbench/src/stf/bmv2.ts";
import { runStf, type StfResult } from "../../../../testbench/src/stf/index.ts";
import { type Command, optionString, parseArgs, UsageError } from "../command.ts";

const help = `usage: slb stf <test.stf> (--p4 <prog.p4> | --json <prog.json> --p4info <prog.p4info.txtpb>) [options]

Runs an STF packet test (p4c's format: packet / expect / add / setdefault / mirroring_add /
mc_* lines) on a P4 program and judges it as p4c's bmv2 test driver does: on every port the
packets that came out must match that port's expect lines, in order and in number.

options:
  --p4 <file>               compile this P4_16 program first
  --compiler builtin|p4c    with --p4: our compiler (default) or the real p4c-bm2-ss
  --json <file>             an already compiled program (BMv2 JSON) ...
  --p4info <file>           ... and its P4Info text; must describe the same program
  --target model|bmv2       model: our switch model, in process (default);
                            bmv2: the real simple_switch (and simple_switch_CLI) from PATH

Exit status: 0 when the test passes, 1 when it fails (each mismatch is listed: port, packet,
first differing nibble), 2 on bad arguments or input.

example:
  slb stf my_prog.stf --p4 my_prog.p4 --target bmv2`;

type Target = "model" | "bmv2";

/** Bad input named for the user (a file that is missing or not what it claims to be). */
class InputError extends Error {
  override readonly name = "InputError";
}

function readInput(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new InputError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String(e)}`);
  }
}

/** The program's BMv2 JSON: compiled from --p4, or read from --json and checked against --p4info. */
function loadProgram(p4: string | undefined, jsonFile: string | undefined, p4infoFile: string | undefined, compiler: CompilerChoice): unknown {
  if (p4 !== undefined) {
    readInput(p4, "P4 program");
    const result = compileFileWith(compiler, p4);
    if (!result.ok) {
      const rendered = formatDiagnostics(result.diagnostics, (name) => {
        try {
          return readFileSync(name, "utf8");
        } catch {
          return undefined;
        }
      });
      throw new InputError(`${p4} does not compile (${compiler} compiler):\n${rendered}`);
    }
    return result.bmv2Json;
  }
  let json: unknown;
  try {
    json = JSON.parse(readInput(jsonFile!, "BMv2 JSON"));
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${jsonFile} is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const jsonTables = new Set(
    ((json as { pipelines?: { tables?: { name?: string }[] }[] }).pipelines ?? []).flatMap((p) => (p.tables ?? []).map((t) => t.name)),
  );
  let p4info: { tables?: { preamble?: { name?: string } }[] };
  try {
    p4info = parseP4InfoText(readInput(p4infoFile!, "P4Info")) as typeof p4info;
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${p4infoFile} is not P4Info text: ${e instanceof Error ? e.message : String(e)}`);
  }
  const foreign = (p4info.tables ?? []).map((t) => t.preamble?.name ?? "").filter((name) => !jsonTables.has(name));
  if (foreign.length > 0) throw new InputError(`${p4infoFile} does not describe ${jsonFile}: its tables ${foreign.join(", ")} are not in the JSON`);
  return json;
}

async function runOn(target: Target, stfText: string, json: unknown): Promise<StfResult> {
  if (target === "bmv2") {
    const missing = bmv2StfUnavailable();
    if (missing) throw new InputError(`--target bmv2 needs the real bmv2: ${missing}`);
    return runStfOnBmv2(stfText, json);
  }
  const sw = createSwitch();
  try {
    sw.loadPipeline(json);
  } catch (e) {
    throw new InputError(`our switch model cannot load the program: ${e instanceof Error ? e.message : String(e)}`);
  }
  return runStf(stfText, sw);
}

export const stfCommand: Command = {
  help,
  async run(args) {
    const parsed = parseArgs(args, { values: ["p4", "json", "p4info", "target", "compiler"] });
    if (parsed.positional.length !== 1) throw new UsageError(parsed.positional.length === 0 ? "no STF file given" : "give exactly one STF file");
    const stfFile = parsed.positional[0]!;
    const p4 = parsed.options.get("p4");
    const json = parsed.options.get("json");
    const p4info = parsed.options.get("p4info");
    if (p4 !== undefined && (json !== undefined || p4info !== undefined)) throw new UsageError("give either --p4 or --json with --p4info, not both");
    if (p4 === undefined && (json === undefined || p4info === undefined)) throw new UsageError("give the program: --p4 <file>, or --json <file> and --p4info <file>");
    const target = optionString(parsed, "target", "model");
    if (target !== "model" && target !== "bmv2") throw new UsageError(`--target must be model or bmv2, got '${target}'`);
    const compiler = optionString(parsed, "compiler", "builtin");
    if (compiler !== "builtin" && compiler !== "p4c") throw new UsageError(`--compiler must be builtin or p4c, got '${compiler}'`);
    try {
      const stfText = readInput(stfFile, "STF test");
      const program = loadProgram(p4 as string | undefined, json as string | undefined, p4info as string | undefined, compiler);
      const result = await runOn(target, stfText, program);
      const counts = `${result.packetsSent} packet(s) sent, ${result.packetsReceived} received`;
      if (result.passed) {
        console.log(`PASS ${stfFile} on ${target}: ${counts}`);
        return 0;
      }
      console.log(`FAIL ${stfFile} on ${target}: ${counts}`);
      for (const f of result.failures) console.log(`  ${f}`);
      return 1;
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      console.error(`slb stf: ${e.message}`);
      return 2;
    }
  },
};
