import test, { type ExecutionContext } from "ava";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileCommand } from "../../../runtime/src/cli/commands/compile.ts";
import { compileWithRealP4c, parseP4cDiagnostics } from "../../src/real/p4c.ts";
import { findTool } from "../../src/real/find_tool.ts";
import { conformanceDir } from "../../../testbench/src/conformance.ts";

const withTempDir = (body: (t: ExecutionContext, dir: string) => void | Promise<void>) => async (t: ExecutionContext) => {
  const dir = mkdtempSync(join(tmpdir(), "slb-backend-test-"));
  try {
    await body(t, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

test("p4c diagnostics are parsed with file, line and severity", (t) => {
  const out = parseP4cDiagnostics(
    [
      "prog.p4(12): [--Wwarn=unused] warning: 'x' is unused",
      "    bit<8> x;",
      "           ^",
      "prog.p4(20):syntax error, unexpected IDENTIFIER",
      "error: 1 errors encountered, aborting compilation",
    ].join("\n"),
    "prog.p4",
  );
  t.deepEqual(
    out.map((d) => [d.severity, d.loc.file, d.loc.line, d.message]),
    [
      ["warning", "prog.p4", 12, "'x' is unused"],
      ["error", "prog.p4", 20, "syntax error, unexpected IDENTIFIER"],
      ["error", "prog.p4", 0, "1 errors encountered, aborting compilation"],
    ],
  );
});

test("a missing real compiler is a clear 'not installed' error", (t) => {
  const result = compileWithRealP4c("x.p4", { compilerPath: "/nonexistent/p4c-bm2-ss" });
  t.false(result.ok);
  t.regex(result.diagnostics[0]!.message, /not installed/);
  const tofino = compileWithRealP4c("x.p4", { target: "tofino", compilerPath: "/nonexistent/bf-p4c" });
  t.false(tofino.ok);
  t.regex(tofino.diagnostics[0]!.message, /Tofino compiler.*not installed/);
});

test(
  "the real-compiler wrapper passes p4c-bm2-ss its options and reads back JSON and P4Info",
  withTempDir((t, dir) => {
    // A stand-in p4c-bm2-ss: records its arguments and writes fixed outputs where told to.
    const argsFile = join(dir, "args.txt");
    const fake = join(dir, "p4c-bm2-ss");
    writeFileSync(
      fake,
      [
        "#!/bin/sh",
        `printf '%s\\n' "$@" > ${argsFile}`,
        'while [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift;; --p4runtime-files) info="$2"; shift;; esac; shift; done',
        `printf '{"program":"fake"}' > "$out"`,
        `printf 'pkg_info {\\n  arch: "v1model"\\n}\\ntables {\\n  preamble {\\n    id: 33554433\\n    name: "t"\\n  }\\n  size: 16\\n}\\n' > "$info"`,
        "echo 'prog.p4(3): [--Wwarn=unused] warning: unused' >&2",
      ].join("\n"),
    );
    chmodSync(fake, 0o755);
    t.is(findTool(["p4c-bm2-ss"], fake), fake);
    const result = compileWithRealP4c("prog.p4", { compilerPath: fake, includeDirs: ["/inc"], defines: { N: "4" } });
    t.true(result.ok);
    if (!result.ok) return;
    t.deepEqual(result.bmv2Json, { program: "fake" });
    t.deepEqual(result.p4info, { pkg_info: { arch: "v1model" }, tables: [{ preamble: { id: 33554433, name: "t" }, size: 16 }] });
    t.is(result.diagnostics[0]?.severity, "warning");
    const args = readFileSync(argsFile, "utf8").trim().split("\n");
    t.deepEqual(args.slice(0, 3), ["--std", "p4-16", "-o"]);
    t.true(args.includes("--p4runtime-files"));
    t.deepEqual(args.slice(args.indexOf("-I"), args.indexOf("-I") + 2), ["-I", "/inc"]);
    t.deepEqual(args.slice(args.indexOf("-D"), args.indexOf("-D") + 2), ["-D", "N=4"]);
    t.true(args[args.length - 1]!.endsWith("prog.p4"));
  }),
);

const v1 = conformanceDir();
const sample = v1 ? join(v1, "v1model", "default_action-bmv2.p4") : null;

(sample && existsSync(sample) ? test : test.skip)(
  "slb compile writes BMv2 JSON and P4Info with the builtin compiler",
  withTempDir(async (t, dir) => {
    const jsonOut = join(dir, "out.json");
    const p4infoOut = join(dir, "out.p4info.txtpb");
    const code = await compileCommand.run([sample!, "-o", jsonOut, "--p4info", p4infoOut, "--compiler", "builtin"]);
    t.is(code, 0);
    const json = JSON.parse(readFileSync(jsonOut, "utf8"));
    const real = JSON.parse(readFileSync(sample!.replace(/\.p4$/, ".json"), "utf8"));
    t.deepEqual(json.pipelines[0].tables[0].name, real.pipelines[0].tables[0].name);
    t.deepEqual(readFileSync(p4infoOut, "utf8"), readFileSync(sample!.replace(/\.p4$/, ".p4info.txtpb"), "utf8"));
  }),
);

// Serial: it replaces console.error while it runs.
test.serial(
  "slb compile exits 1 on a program with errors, and usage errors throw",
  withTempDir(async (t, dir) => {
    const bad = join(dir, "bad.p4");
    writeFileSync(bad, "this is not P4;\n");
    const errors: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args.join(" "));
    try {
      t.is(await compileCommand.run([bad, "--compiler", "builtin", "-o", join(dir, "o.json")]), 1);
    } finally {
      console.error = original;
    }
    t.true(errors.some((e) => e.includes("bad.p4:1")));
    t.false(existsSync(join(dir, "o.json")));
    await t.throwsAsync(() => compileCommand.run([]));
    await t.throwsAsync(() => compileCommand.run([bad, "--compiler", "gcc"]));
  }),
);

