/**
 * Side-by-side ratios against the real tools: where p4c and simple_switch_grpc are installed,
 * the same measurement runs on both from one run; otherwise it says why it cannot.
 */
import { findOnPath } from "../system/program.ts";
import { type BenchOutcome, na } from "./report.ts";

export async function realToolRatios(): Promise<BenchOutcome> {
  const missing = ["p4c", "simple_switch_grpc"].filter((tool) => findOnPath(tool) === undefined);
  if (missing.length > 0) return na(`real ${missing.join(" and ")} not installed (not on PATH); no side-by-side ratios`);
  return na("real tools found, but driving simple_switch_grpc from the bench is not implemented yet");
}
