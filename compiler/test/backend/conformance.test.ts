import test from "ava";
import { v1modelCases } from "../../../testbench/src/conformance.ts";
import { knownP4InfoGaps, knownStructureGaps } from "./conformance_baseline.ts";
import { type CaseOutcome, evaluateCase } from "./evaluate.ts";

// Every program of the p4c conformance corpus compiled by OUR compiler: its output compared
// with the real p4c-bm2-ss output, and its STF test run on our switch model with OUR JSON.
// Each program gets a test; the known differences from p4c are listed with their reasons.
const cases = v1modelCases();

if (cases.length === 0) {
  test.skip("conformance corpus not found (set SLB_CONFORMANCE_DIR); builtin compiler not checked against p4c", () => {});
}

/** Each program is compiled and run once; the per-program tests and the summary share the outcome. */
const outcomes = new Map<string, CaseOutcome>();
const outcomeOf = (c: (typeof cases)[number]): CaseOutcome => {
  let o = outcomes.get(c.name);
  if (!o) outcomes.set(c.name, (o = evaluateCase(c)));
  return o;
};

for (const c of cases) {
  test(`builtin compiler: ${c.name}`, (t) => {
    const o = outcomeOf(c);
    t.deepEqual(o.compileErrors, []);
    t.deepEqual(o.stfFailures, []);
    t.true(o.stfPassed);
    const structureGap = knownStructureGaps.get(c.name);
    if (structureGap === undefined) t.deepEqual(o.structureDiffs, []);
    else if (o.structureDiffs.length === 0) t.log(`${c.name} now matches p4c's structure: remove it from knownStructureGaps`);
    const p4infoGap = knownP4InfoGaps.get(c.name);
    if (p4infoGap === undefined) t.true(o.p4infoIdentical, "P4Info text identical to real p4c's");
    else if (o.p4infoIdentical) t.log(`${c.name} now has p4c's P4Info text: remove it from knownP4InfoGaps`);
  });
}

if (cases.length > 0) {
  test("builtin compiler: conformance summary", (t) => {
    const all = cases.map(outcomeOf);
    for (const o of all) {
      if (!o.compiled) t.log(`${o.name}: does not compile: ${o.compileErrors.join("; ")}`);
      else if (!o.stfPassed) t.log(`${o.name}: STF with our JSON fails: ${o.stfFailures.slice(0, 2).join("; ")}`);
      if (o.structureDiffs.length > 0) t.log(`${o.name}: differs from p4c: ${o.structureDiffs.slice(0, 2).join("; ")}`);
    }
    const compiled = all.filter((o) => o.compiled).length;
    const same = all.filter((o) => o.compiled && o.structureDiffs.length === 0).length;
    const stf = all.filter((o) => o.stfPassed).length;
    const identical = all.filter((o) => o.p4infoIdentical).length;
    t.log(
      `compiled ${compiled}/${cases.length}, structure equal to p4c ${same}/${cases.length}, P4Info text identical ${identical}/${cases.length}, STF pass with our JSON ${stf}/${cases.length}`,
    );
    t.is(stf, cases.length, "every program passes its STF test with our JSON");
    t.true(same >= cases.length - knownStructureGaps.size, "no structure regression beyond the known gaps");
    t.true(identical >= cases.length - knownP4InfoGaps.size, "no P4Info regression beyond the known gaps");
  });
}
