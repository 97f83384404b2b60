/**
 * The project's own data plane, p4/v1model/session_lb.p4, must pass the front end cleanly.
 */
import test from "ava";
import { fileURLToPath } from "node:url";
import { join, dirname } from "node:path";
import { formatFrontendDiagnostics, runFrontend } from "../../src/frontend.ts";
import { auditAnnotations } from "../../src/check/annotation_audit.ts";

const here = dirname(fileURLToPath(import.meta.url));

const program = join(here, "../../../p4/v1model/session_lb.p4");

test("session_lb.p4 parses and type-checks with no error", (t) => {
  const result = runFrontend(program);
  t.deepEqual(result.diagnostics.filter((d) => d.severity === "error"), [], formatFrontendDiagnostics(result));
  t.truthy(result.program);
  t.deepEqual(auditAnnotations(result.program!.program).slice(0, 5), []);
  const main = result.program!.main;
  t.is(main.type.kind === "NamedTypeRef" ? main.type.name : "", "V1Switch");
});
