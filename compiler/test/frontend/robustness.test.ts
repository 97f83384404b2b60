/**
 * Broken input never makes the front end throw: damaged and truncated versions of real programs,
 * and every program in bad/, come back as rendered diagnostics (or, when the damage happens to be
 * harmless, as a checked program).
 */
import test, { type ExecutionContext } from "ava";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { v1modelCases } from "../../../testbench/src/conformance.ts";
import { formatDiagnostic } from "../../src/diagnostics/format.ts";
import { runFrontend, runFrontendOnText, type FrontendResult } from "../../src/frontend.ts";

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

/** Every diagnostic renders as `file:line:col: severity: message`, the source line, and a caret. */
function assertRendered(t: ExecutionContext, r: FrontendResult, label: string): void {
  for (const d of r.diagnostics) {
    const text = formatDiagnostic(d, (name) => r.sources.get(name));
    const lines = text.split("\n");
    t.regex(lines[0]!, /^.+:\d+:\d+: (error|warning): \S/, label);
    t.is(lines.length, 3, `${label}: ${lines[0]}`);
    t.regex(lines[2] ?? "", /^[ \t]*\^$/, label);
  }
}

const badDir = join(dirname(fileURLToPath(import.meta.url)), "bad");

test("every bad program is diagnosed with a rendered error, never an exception or internal error", (t) => {
  const files = readdirSync(badDir).filter((f) => f.endsWith(".p4"));
  t.true(files.length >= 65);
  for (const f of files) {
    const r = runFrontend(join(badDir, f));
    t.true(r.diagnostics.some((d) => d.severity === "error"), f);
    t.false(r.diagnostics.some((d) => d.message.startsWith("internal compiler error")), f);
    assertRendered(t, r, f);
  }
});

/** Cut points: every line end, plus a few cuts inside lines (mid-token, mid-string, mid-comment). */
function cutPoints(text: string): number[] {
  const cuts = new Set<number>();
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) cuts.add(i);
  const step = Math.max(1, Math.floor(text.length / 25));
  for (let i = 0; i < text.length; i += step) cuts.add(i);
  return [...cuts].sort((a, b) => a - b);
}

const ownPrograms = ["../../../p4/v1model/session_lb.p4", "../../../p4/tna/session_lb.p4"]
  .map((p) => fileURLToPath(new URL(p, import.meta.url)));
const PREFIX_SAMPLE = ["table-entries-range-bmv2", "header-stack-ops-bmv2"];
const prefixPrograms = [...ownPrograms, ...v1modelCases().filter((c) => PREFIX_SAMPLE.includes(c.name)).map((c) => c.p4File)];

for (const file of prefixPrograms) {
  test(`every truncated prefix of ${file.split("/").slice(-3).join("/")} is diagnosed, never thrown`, (t) => {
    const text = readFileSync(file, "utf8");
    const cuts = cutPoints(text);
    for (const cut of cuts) {
      const r = runFrontendOnText(file, text.slice(0, cut));
      const failed = r.diagnostics.some((d) => d.severity === "error");
      t.is(r.program === undefined, failed, `cut at ${cut}`);
      t.false(r.diagnostics.some((d) => d.message.startsWith("internal compiler error")), `cut at ${cut}`);
      assertRendered(t, r, `cut at ${cut}`);
    }
    t.true(cuts.length > 10);
  });
}
