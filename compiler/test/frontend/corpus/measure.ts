/**
 * One program of p4c-corpus through our compiler, judged against the real p4c's verdict:
 * what the compiler said, where its first error is, whether it hit an internal error, how long
 * it took. Shared by the corpus test and the corpus report.
 */
import { compileFile } from "../../../src/index.ts";
import type { P4cCorpusCase } from "../../../../testbench/src/conformance.ts";

export interface Measurement {
  readonly name: string;
  readonly kind: P4cCorpusCase["kind"];
  readonly expected: P4cCorpusCase["verdict"];
  readonly actual: "accept" | "reject";
  /**
   * Line of our first message (warnings included, as p4c's reference output that the corpus
   * takes its line from), when we rejected.
   */
  readonly firstErrorLine?: number;
  /** Our first error's message (what made us reject). */
  readonly firstError?: string;
  readonly internalError: boolean;
  readonly ms: number;
  readonly heldOut: boolean;
}

/** A diagnostic that says the compiler itself failed, not the program. */
export function isInternal(message: string): boolean {
  return /internal/i.test(message) && /compiler|not resolved|internal:/i.test(message);
}

export function measure(c: P4cCorpusCase): Measurement {
  const start = performance.now();
  const result = compileFile(c.p4File);
  const ms = performance.now() - start;
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  const first = result.diagnostics[0];
  return {
    name: c.name,
    kind: c.kind,
    expected: c.verdict,
    actual: result.ok ? "accept" : "reject",
    ...(first && !result.ok ? { firstErrorLine: first.loc.line, firstError: (errors[0] ?? first).message.split("\n")[0]! } : {}),
    internalError: errors.some((d) => isInternal(d.message)),
    ms,
    heldOut: isHeldOut(c.name),
  };
}

/**
 * The third of the corpus kept out of development, to check that the figures hold on programs
 * nobody tuned the compiler on. Chosen by a fixed hash of the name so that the split never moves.
 */
export function isHeldOut(name: string): boolean {
  let h = 0x811c9dc5;
  for (const ch of `slb-holdout:${name}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h % 3 === 0;
}

/** The error line counts as right when p4c's reference names no line or ours is on it. */
export function errorLineRight(m: Measurement, c: P4cCorpusCase): boolean {
  return m.actual === "reject" && (c.firstErrorLine === undefined || m.firstErrorLine === c.firstErrorLine);
}
