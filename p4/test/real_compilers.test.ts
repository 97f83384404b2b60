/**
 * Where the real compilers are installed, they must accept the programs too: p4c-bm2-ss the
 * v1model program (with the same control-plane names as our compiler gives), bf-p4c the TNA
 * program. Skipped, with the reason, where they are absent.
 */
import test from "ava";
import { compileWithRealP4c, realCompilerAvailable } from "../../compiler/src/index.ts";
import { compileV1model, TNA_PROGRAM, V1MODEL_PROGRAM } from "./programs.ts";

const ours = await compileV1model();

type Named = { preamble: { name: string } };
function controlPlaneNames(p4info: object): string[] {
  const info = p4info as Record<string, Named[] | undefined>;
  return ["tables", "actions", "action_profiles", "counters", "registers", "digests"]
    .flatMap((kind) => (info[kind] ?? []).map((e) => `${kind}:${e.preamble.name}`))
    .sort();
}

if (!realCompilerAvailable("bmv2")) {
  test.skip("real p4c compiles the v1model program [p4c-bm2-ss is not installed]", () => {});
} else {
  test("real p4c compiles the v1model program with the control-plane names our compiler gives", (t) => {
    const result = compileWithRealP4c(V1MODEL_PROGRAM, { target: "bmv2" });
    if (!result.ok) return t.fail(result.diagnostics.map((d) => `${d.loc.file}:${d.loc.line}: ${d.message}`).join("\n"));
    t.true(ours.ok, ours.ok ? "" : ours.reason);
    if (ours.ok) t.deepEqual(controlPlaneNames(result.p4info), controlPlaneNames(ours.value.p4info));
  });
}

if (!realCompilerAvailable("tofino")) {
  test.skip("bf-p4c compiles the TNA program [bf-p4c is not installed]", () => {});
} else {
  test("bf-p4c compiles the TNA program", (t) => {
    const result = compileWithRealP4c(TNA_PROGRAM, { target: "tofino" });
    t.true(result.ok, result.ok ? "" : result.diagnostics.map((d) => `${d.loc.file}:${d.loc.line}: ${d.message}`).join("\n"));
  });
}
