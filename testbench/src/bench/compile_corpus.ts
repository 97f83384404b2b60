/**
 * Compile time of every conformance program with our compiler (median of a few runs each), and
 * of the TNA program through our front end, so a slow construct in one program shows up.
 */
import { compileFile } from "../../../compiler/src/index.ts";
import { runFrontend } from "../../../compiler/src/frontend.ts";
import { v1modelCases } from "../conformance.ts";
import { percentile } from "../system/metrics.ts";
import { type BenchOutcome, measured, na } from "./report.ts";
import { join } from "node:path";
import { packageRoot } from "../../../bmv2/src/package_root.ts";

const TNA_PROGRAM = join(packageRoot(import.meta.url), "p4/tna/session_lb.p4");

function medianMs(runs: number, work: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    work();
    times.push(performance.now() - started);
  }
  return percentile(times, 50)!;
}

export async function compileCorpusTime(runs = 3): Promise<BenchOutcome> {
  const cases = v1modelCases();
  if (cases.length === 0) return na("the conformance corpus is not present ($SLB_CONFORMANCE_DIR or ../shared/conformance)");
  const medians = cases.map((c) => ({ name: c.name, ms: medianMs(runs, () => void compileFile(c.p4File)) }));
  const slowest = medians.reduce((a, b) => (b.ms > a.ms ? b : a));
  return measured(
    { metric: `conformance programs compile, median of medians (${cases.length})`, value: percentile(medians.map((m) => m.ms), 50)!, unit: "ms" },
    { metric: `slowest: ${slowest.name}`, value: slowest.ms, unit: "ms" },
    { metric: "TNA session_lb.p4 front end (median)", value: medianMs(runs, () => void runFrontend(TNA_PROGRAM, {})), unit: "ms" },
  );
}
