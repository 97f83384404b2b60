/**
 * Side-by-side with the real tools, measured in the same run so the ratio means something on a
 * noisy machine: compile time of the LB program by our compiler and by real p4c-bm2-ss. The
 * switch side (simple_switch_grpc on veths) is `slb net bench` / the namespace scenario with
 * `--target bmv2`, which needs root.
 */
import { compileFile, compileWithRealP4c, realCompilerAvailable } from "../../../compiler/src/index.ts";
import { LB_PROGRAM } from "../system/program.ts";
import { percentile } from "../system/metrics.ts";
import { type BenchOutcome, measured, na } from "./report.ts";

function medianMs(runs: number, work: () => unknown): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    work();
    times.push(performance.now() - started);
  }
  return percentile(times, 50)!;
}

export async function realToolRatios(runs = 5): Promise<BenchOutcome> {
  if (!realCompilerAvailable("bmv2")) return na("real p4c-bm2-ss not installed (not on PATH); no side-by-side ratios");
  const real = compileWithRealP4c(LB_PROGRAM);
  if (!real.ok) return na(`real p4c-bm2-ss rejected ${LB_PROGRAM}: ${real.diagnostics.map((d) => d.message).join("; ")}`);
  const oursMs = medianMs(runs, () => compileFile(LB_PROGRAM));
  const realMs = medianMs(runs, () => compileWithRealP4c(LB_PROGRAM));
  return measured(
    { metric: "session_lb.p4 compile, builtin (median)", value: oursMs, unit: "ms" },
    { metric: "session_lb.p4 compile, real p4c-bm2-ss (median)", value: realMs, unit: "ms" },
    { metric: "real p4c time / builtin time", value: realMs / oursMs, unit: "x" },
  );
}
