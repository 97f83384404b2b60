import test from "ava";
import { v1modelCases } from "../../../testbench/src/conformance.ts";
import { p4infoIdentical, stfPassing, structureEqual } from "./conformance_baseline.ts";
import { evaluateCase } from "./evaluate.ts";

// Every program of the p4c conformance corpus compiled by OUR compiler: its output compared
// with the real p4c-bm2-ss output, and its STF test run on our switch model with OUR JSON.
// Programs in the baseline get a test each; the rest are reported by the summary.
const cases = v1modelCases();

if (cases.length === 0) {
  test.skip("conformance corpus not found (set SLB_CONFORMANCE_DIR); builtin compiler not checked against p4c", () => {});
}

for (const c of cases.filter((x) => stfPassing.includes(x.name) || structureEqual.includes(x.name) || p4infoIdentical.includes(x.name))) {
  test(`builtin compiler: ${c.name}`, (t) => {
    const o = evaluateCase(c);
    t.deepEqual(o.compileErrors, []);
    if (stfPassing.includes(c.name)) {
      t.deepEqual(o.stfFailures, []);
      t.true(o.stfPassed);
    }
    if (structureEqual.includes(c.name)) t.deepEqual(o.structureDiffs, []);
    if (p4infoIdentical.includes(c.name)) t.true(o.p4infoIdentical, "P4Info text identical to real p4c's");
  });
}

if (cases.length > 0) {
  test("builtin compiler: conformance summary (programs outside the baseline are reported here)", (t) => {
    const outcomes = cases.map(evaluateCase);
    for (const o of outcomes) {
      if (!o.compiled) t.log(`${o.name}: does not compile: ${o.compileErrors.join("; ")}`);
      else if (!o.stfPassed) t.log(`${o.name}: STF with our JSON fails: ${o.stfFailures.slice(0, 2).join("; ")}`);
      if (o.structureDiffs.length > 0) t.log(`${o.name}: differs from p4c: ${o.structureDiffs.slice(0, 2).join("; ")}`);
    }
    const compiled = outcomes.filter((o) => o.compiled).length;
    const same = outcomes.filter((o) => o.compiled && o.structureDiffs.length === 0).length;
    const stf = outcomes.filter((o) => o.stfPassed).length;
    const identical = outcomes.filter((o) => o.p4infoIdentical).length;
    t.log(
      `compiled ${compiled}/${cases.length}, structure equal to p4c ${same}/${cases.length}, P4Info text identical ${identical}/${cases.length}, STF pass with our JSON ${stf}/${cases.length}`,
    );
    t.true(stf >= stfPassing.length, "no regression below the baseline");
    t.true(same >= structureEqual.length, "no regression below the baseline");
    t.true(identical >= p4infoIdentical.length, "no regression below the baseline");
  });
}
