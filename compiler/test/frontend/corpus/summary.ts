/** Figures over a set of corpus measurements, and their text form. */
import type { P4cCorpusCase } from "../../../../testbench/src/conformance.ts";
import { errorLineRight, type Measurement } from "./measure.ts";

export interface Pair {
  readonly m: Measurement;
  readonly c: P4cCorpusCase;
}

export interface Summary {
  readonly programs: number;
  readonly verdictsAgree: number;
  /** Rejected error programs (p4c rejects them) and how many of those have our first error on p4c's line. */
  readonly errorPrograms: number;
  readonly errorLineRight: number;
  readonly internalErrors: readonly string[];
  /** Programs p4c accepts that we reject, by our first error's message shape. */
  readonly falseRejects: ReadonlyMap<string, readonly string[]>;
  /** Programs p4c rejects that we accept. */
  readonly falseAccepts: readonly string[];
  /** Rejected error programs with our first error on another line. */
  readonly wrongLines: readonly string[];
  readonly msMax: number;
  readonly msMedian: number;
  readonly slowest: readonly string[];
}

export function summarize(pairs: readonly Pair[]): Summary {
  const falseRejects = new Map<string, string[]>();
  const falseAccepts: string[] = [];
  const wrongLines: string[] = [];
  let agree = 0;
  let errorPrograms = 0;
  let lineRight = 0;
  for (const { m, c } of pairs) {
    if (m.actual === c.verdict) agree++;
    else if (c.verdict === "accept") {
      const cause = shape(m.firstError ?? "?");
      falseRejects.set(cause, [...(falseRejects.get(cause) ?? []), m.name]);
    } else falseAccepts.push(`${c.kind}/${m.name}`);
    if (c.kind === "errors" && c.verdict === "reject") {
      errorPrograms++;
      if (errorLineRight(m, c)) lineRight++;
      else if (m.actual === "reject") wrongLines.push(`${m.name}: p4c ${c.firstErrorLine}, ours ${m.firstErrorLine} (${m.firstError})`);
    }
  }
  const times = pairs.map((p) => p.m.ms).sort((a, b) => a - b);
  return {
    programs: pairs.length,
    verdictsAgree: agree,
    errorPrograms,
    errorLineRight: lineRight,
    internalErrors: pairs.filter((p) => p.m.internalError).map((p) => `${p.m.name}: ${p.m.firstError}`),
    falseRejects,
    falseAccepts,
    wrongLines,
    msMax: times[times.length - 1] ?? 0,
    msMedian: times[Math.floor(times.length / 2)] ?? 0,
    slowest: [...pairs].sort((a, b) => b.m.ms - a.m.ms).slice(0, 3).map((p) => `${p.m.name} ${p.m.ms.toFixed(0)} ms`),
  };
}

/** A message with its names and numbers blanked, so that one cause groups its programs. */
function shape(message: string): string {
  return message.replace(/'[^']*'|"[^"]*"|`[^`]*`/g, "_").replace(/\b\d+\b/g, "N").slice(0, 100);
}

const pct = (n: number, d: number): string => (d === 0 ? "-" : `${((100 * n) / d).toFixed(1)}%`);

export function formatSummary(s: Summary, list: boolean): string {
  const lines = [
    `verdicts agree: ${s.verdictsAgree}/${s.programs} (${pct(s.verdictsAgree, s.programs)})`,
    `error line right: ${s.errorLineRight}/${s.errorPrograms} (${pct(s.errorLineRight, s.errorPrograms)})`,
    `internal errors: ${s.internalErrors.length}`,
    `time per program: median ${s.msMedian.toFixed(0)} ms, max ${s.msMax.toFixed(0)} ms (${s.slowest.join(", ")})`,
    `p4c accepts, we reject: ${[...s.falseRejects.values()].reduce((n, v) => n + v.length, 0)}`,
    ...[...s.falseRejects].sort((a, b) => b[1].length - a[1].length).map(([cause, names]) => `  ${names.length} x ${cause}${list ? `  [${names.join(" ")}]` : ""}`),
    `p4c rejects, we accept: ${s.falseAccepts.length}${list ? `  [${s.falseAccepts.join(" ")}]` : ""}`,
    `error on another line: ${s.wrongLines.length}`,
    ...(list ? s.wrongLines.map((w) => `  ${w}`) : []),
    ...(list ? s.internalErrors.map((w) => `  internal: ${w}`) : []),
  ];
  return lines.join("\n");
}
