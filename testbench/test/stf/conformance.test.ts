import test from "ava";
import { readFileSync } from "node:fs";
import { createSwitch } from "../../../bmv2/src/dataplane/index.ts";
import { v1modelCases } from "../../src/conformance.ts";
import { runStf } from "../../src/stf/index.ts";

// Every p4c test program of the corpus: the real p4c-bm2-ss JSON loaded into our
// switch model, its STF test judged as p4c's bmv2 driver judges it (all pass on real bmv2).
const cases = v1modelCases();

if (cases.length === 0) {
  test.skip("conformance corpus not found (set SLB_CONFORMANCE_DIR); STF conformance not checked", () => {});
}

for (const c of cases) {
  test(`STF ${c.name}`, (t) => {
    const sw = createSwitch();
    sw.loadPipeline(JSON.parse(readFileSync(c.jsonFile, "utf8")) as unknown);
    const result = runStf(readFileSync(c.stfFile, "utf8"), sw);
    t.true(result.packetsSent > 0, "the STF test injects packets");
    t.deepEqual(result.failures, []);
    t.true(result.passed);
    t.is(sw.stats()["internal_errors"], 0);
  });
}
