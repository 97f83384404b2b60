/**
 * Bad programs: each file in bad/ starts with one or more `// expect: LINE:COL: error: MESSAGE`
 * lines; the front end must report exactly those errors, in that order, naming that file.
 */
import test from "ava";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { formatFrontendDiagnostics, runFrontend } from "../../src/frontend.ts";
import { formatDiagnosticHeadline } from "../../src/diagnostics/format.ts";

const badDir = join(dirname(fileURLToPath(import.meta.url)), "bad");

for (const name of readdirSync(badDir).filter((f) => f.endsWith(".p4")).sort()) {
  test(`rejects ${name}`, (t) => {
    const file = join(badDir, name);
    const expected = readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l.startsWith("// expect: "))
      .map((l) => `${file}:${l.slice("// expect: ".length)}`);
    t.true(expected.length > 0, "test file declares its expected errors");
    const result = runFrontend(file);
    t.is(result.program, undefined);
    const errors = result.diagnostics.filter((d) => d.severity === "error").map(formatDiagnosticHeadline);
    t.deepEqual(errors, expected, formatFrontendDiagnostics(result));
  });
}

test("a rejected program's diagnostics render with the source line and a caret", (t) => {
  const result = runFrontend(join(badDir, "undeclared_name.p4"));
  const text = formatFrontendDiagnostics(result);
  const lines = text.split("\n");
  t.true(lines[0]!.endsWith("undeclared_name.p4:13:15: error: undeclared name 'z'"));
  t.is(lines[1], "        m.x = z;");
  t.is(lines[2], "              ^");
});
