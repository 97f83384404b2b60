/**
 * Side-by-side with the real tools, measured in the same run so the ratio means something on a
 * noisy machine: compile time of the LB program by our compiler and by real p4c-bm2-ss. The
 * switch side (simple_switch_grpc on veths) is `slb net bench` / the namespace scenario with
 * `--target bmv2`, which needs root.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileFile, compileWithRealP4c, realCompilerAvailable } from "../../../compiler/src/index.ts";
import { SLB_BIN } from "../realnet/processes.ts";
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
  const cliMs = slbCompileProcessMs(runs);
  return measured(
    { metric: "session_lb.p4 compile, builtin in process (median)", value: oursMs, unit: "ms" },
    { metric: "session_lb.p4 compile, `slb compile` whole process (median)", value: cliMs, unit: "ms" },
    { metric: "session_lb.p4 compile, real p4c-bm2-ss whole process (median)", value: realMs, unit: "ms" },
    { metric: "real p4c process / slb compile process", value: realMs / cliMs, unit: "x" },
  );
}

/** What a user waits for: `slb compile` as a new process, Node's start and module loading included. */
function slbCompileProcessMs(runs: number): number {
  const dir = mkdtempSync(join(tmpdir(), "slb-bench-compile-"));
  try {
    const args = [SLB_BIN, "compile", LB_PROGRAM, "--compiler", "builtin", "-o", join(dir, "lb.json"), "--p4info", join(dir, "lb.p4info.txtpb")];
    return medianMs(runs, () => {
      const run = spawnSync(process.execPath, args, { stdio: "ignore" });
      if (run.status !== 0) throw new Error(`slb compile exited with ${run.status ?? run.signal}`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
