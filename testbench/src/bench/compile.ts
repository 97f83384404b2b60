/** Compile time of the LB program with our compiler (fresh compiles, not the cached one). */
import { LB_PROGRAM, compileP4 } from "../system/program.ts";
import { percentile } from "../system/metrics.ts";
import { type BenchOutcome, measured } from "./report.ts";

export async function compileTime(runs = 5): Promise<BenchOutcome> {
  const times: number[] = [];
  let jsonBytes = 0;
  for (let i = 0; i < runs; i++) {
    const program = await compileP4(LB_PROGRAM);
    times.push(program.compileMs);
    jsonBytes = program.bmv2Json.length;
  }
  return measured(
    { metric: "session_lb.p4 compile (median)", value: percentile(times, 50)!, unit: "ms", detail: { runs: times } },
    { metric: "first compile (cold)", value: times[0]!, unit: "ms" },
    { metric: "BMv2 JSON size", value: jsonBytes / 1024, unit: "KiB" },
  );
}
