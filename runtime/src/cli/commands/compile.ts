import { readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { compileFileWith, realCompilerAvailable, type CompileResult, type CompilerChoice } from "../../../../compiler/src/index.ts";
import { formatDiagnostics } from "../../../../compiler/src/diagnostics/format.ts";
import { type Command, UsageError } from "../command.ts";

const help = `usage: slb compile <file.p4> [options]

Compiles a P4_16 program to BMv2 JSON and P4Info (protobuf text format).

options:
  -o, --output <file>       BMv2 JSON output (default: <file>.json beside the source)
  --p4info <file>           P4Info text output (default: <file>.p4info.txtpb)
  -I <dir>                  add an #include search directory (repeatable)
  -D NAME[=VALUE]           define a preprocessor macro (repeatable)
  --compiler builtin|p4c|auto
                            builtin (default for v1model): our compiler; p4c (default for tna):
                            the real p4c-bm2-ss / bf-p4c found on PATH (or given by
                            --compiler-path); auto: p4c when installed, else builtin
  --compiler-path <file>    the real compiler executable
  --arch v1model|tna        v1model (bmv2, default) or tna (Tofino, real compiler only)

Diagnostics go to stderr; the exit status is 1 when compilation fails.

example:
  slb compile p4/v1model/session_lb.p4 -o build/session_lb.json --p4info build/session_lb.p4info.txtpb`;

interface CompileArgs {
  file: string;
  output: string | null;
  p4info: string | null;
  includeDirs: string[];
  defines: Record<string, string>;
  /** Undefined: the architecture's default (ours for v1model; only the real compiler builds TNA). */
  compiler: CompilerChoice | "auto" | undefined;
  compilerPath: string | undefined;
  arch: "v1model" | "tna";
}

function parseCompileArgs(args: readonly string[]): CompileArgs {
  const parsed: CompileArgs = { file: "", output: null, p4info: null, includeDirs: [], defines: {}, compiler: undefined, compilerPath: undefined, arch: "v1model" };
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = (name: string): string => {
      const eq = arg.indexOf("=");
      if (arg.startsWith("--") && eq >= 0) return arg.slice(eq + 1);
      if (!arg.startsWith("--") && arg.length > 2) return arg.slice(2);
      const v = args[++i];
      if (v === undefined) throw new UsageError(`option ${name} needs a value`);
      return v;
    };
    const name = arg.startsWith("--") ? arg.split("=")[0]! : arg.slice(0, 2);
    switch (name) {
      case "-o":
      case "--output":
        parsed.output = value(name);
        break;
      case "--p4info":
        parsed.p4info = value(name);
        break;
      case "-I":
        parsed.includeDirs.push(value(name));
        break;
      case "-D": {
        const def = value(name);
        const eq = def.indexOf("=");
        if (eq >= 0) parsed.defines[def.slice(0, eq)] = def.slice(eq + 1);
        else parsed.defines[def] = "1";
        break;
      }
      case "--compiler": {
        const c = value(name);
        if (c !== "builtin" && c !== "p4c" && c !== "auto") throw new UsageError(`--compiler must be builtin, p4c or auto, got '${c}'`);
        parsed.compiler = c;
        break;
      }
      case "--compiler-path":
        parsed.compilerPath = value(name);
        break;
      case "--arch": {
        const a = value(name);
        if (a !== "v1model" && a !== "tna") throw new UsageError(`--arch must be v1model or tna, got '${a}'`);
        parsed.arch = a;
        break;
      }
      default:
        if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg}`);
        files.push(arg);
    }
  }
  if (files.length !== 1) throw new UsageError(files.length === 0 ? "no P4 file given" : "give exactly one P4 file");
  parsed.file = files[0]!;
  return parsed;
}

export const compileCommand: Command = {
  help,
  async run(args) {
    const a = parseCompileArgs(args);
    const target = a.arch === "tna" ? "tofino" : "bmv2";
    // TNA needs the Tofino compiler: it is asked for even when absent, so the error says so.
    const compiler: CompilerChoice =
      a.compiler === undefined
        ? target === "tofino" ? "p4c" : "builtin"
        : a.compiler === "auto"
          ? target === "tofino" || realCompilerAvailable(target, a.compilerPath) ? "p4c" : "builtin"
          : a.compiler;
    const result: CompileResult = compileFileWith(compiler, a.file, {
      includeDirs: a.includeDirs,
      defines: a.defines,
      target,
      ...(a.compilerPath ? { compilerPath: a.compilerPath } : {}),
    });
    const rendered = formatDiagnostics(result.diagnostics, (name) => {
      try {
        return readFileSync(name, "utf8");
      } catch {
        return undefined;
      }
    });
    if (rendered !== "") console.error(rendered);
    if (!result.ok) {
      console.error(`slb compile: ${basename(a.file)} failed (${compiler} compiler)`);
      return 1;
    }
    const stem = a.file.replace(/\.p4$/, "");
    const jsonOut = a.output ?? `${stem}.json`;
    const p4infoOut = a.p4info ?? `${stem}.p4info.txtpb`;
    if (target === "bmv2") writeFileSync(jsonOut, JSON.stringify(result.bmv2Json, null, 2) + "\n");
    writeFileSync(p4infoOut, result.p4infoText);
    const tofinoDir = target === "tofino" ? (result.bmv2Json as { outputDir?: string }).outputDir : undefined;
    console.error(`slb compile: ${compiler} compiler wrote ${target === "bmv2" ? `${jsonOut} and ` : ""}${p4infoOut}${tofinoDir ? ` (Tofino build in ${tofinoDir})` : ""}`);
    return 0;
  },
};
