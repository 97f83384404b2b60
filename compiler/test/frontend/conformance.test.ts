/**
 * Every v1model program of the conformance corpus (real p4c test programs) must preprocess,
 * parse and type-check with no error, and come out fully annotated for the back end.
 */
import test from "ava";
import { v1modelCases } from "../../../testbench/src/conformance.ts";
import { formatFrontendDiagnostics, runFrontend } from "../../src/frontend.ts";
import { auditAnnotations } from "../../src/check/annotation_audit.ts";

const cases = v1modelCases();

if (cases.length === 0) {
  test.skip("conformance corpus absent: set SLB_CONFORMANCE_DIR to run the front-end corpus tests", () => {});
} else {
  test("the corpus lists the 90 v1model programs", (t) => {
    t.is(cases.length, 90);
  });
  for (const c of cases) {
    test(`accepts ${c.name}.p4`, (t) => {
      const result = runFrontend(c.p4File);
      const errors = result.diagnostics.filter((d) => d.severity === "error");
      t.is(errors.length, 0, formatFrontendDiagnostics(result));
      t.truthy(result.program);
      const missing = auditAnnotations(result.program!.program);
      t.deepEqual(missing.slice(0, 5), [], `${missing.length} nodes lack checker annotations`);
      t.is(result.program!.main.name, "main");
    });
  }
}
