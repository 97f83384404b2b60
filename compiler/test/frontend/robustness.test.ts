/**
 * Broken input never makes the front end throw: damaged versions of real programs come back
 * as diagnostics (or, when the damage happens to be harmless, as a checked program).
 */
import test from "ava";
import { readFileSync } from "node:fs";
import { v1modelCases } from "../../../testbench/src/conformance.ts";
import { runFrontendOnText } from "../../src/frontend.ts";

const SAMPLE = ["table-entries-range-bmv2", "header-stack-ops-bmv2"];
/** Damage every STEP-th line: enough variety, few enough runs to keep the file fast. */
const STEP = 9;
const cases = v1modelCases().filter((c) => SAMPLE.includes(c.name));

if (cases.length === 0) {
  test.skip("conformance corpus absent: set SLB_CONFORMANCE_DIR to run the robustness tests", () => {});
}

/** A line of code ending a statement or declaration (not in a comment). */
const endsStatement = (line: string): boolean => /;\s*$/.test(line) && !/^\s*(\/\/|\*|\/\*)/.test(line);

for (const c of cases) {
  test(`damaged copies of ${c.name}.p4 are diagnosed, never thrown`, (t) => {
    const lines = readFileSync(c.p4File, "utf8").split("\n");
    let statementsBroken = 0;
    for (let i = 0; i < lines.length; i += STEP) {
      const damaged = [
        lines.filter((_l, j) => j !== i),
        lines.map((l, j) => (j === i ? l.replace(/[A-Za-z_]+/, "zz_undeclared") : l)),
        lines.map((l, j) => (j === i ? l.replace(/;\s*$/, "") : l)),
      ];
      damaged.forEach((text, variant) => {
        const r = runFrontendOnText(c.p4File, text.join("\n"));
        const failed = r.diagnostics.some((d) => d.severity === "error");
        t.is(r.program === undefined, failed, `line ${i + 1}`);
        t.false(r.diagnostics.some((d) => d.message.startsWith("internal compiler error")), `line ${i + 1}`);
        if (variant === 2 && endsStatement(lines[i]!)) {
          statementsBroken++;
          t.true(r.diagnostics.some((d) => d.message.startsWith("syntax error")), `removing the ';' of line ${i + 1} must be a syntax error`);
        }
      });
    }
    t.true(statementsBroken > 0);
  });
}
