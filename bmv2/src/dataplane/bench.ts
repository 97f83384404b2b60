import type { PortNumber, SwitchModel } from "./api.ts";

/**
 * Drives a switch's inject() in a tight loop, for benchmarks (never for
 * tests: timings are not asserted). Frames are cycled; a warm-up pass lets
 * the JIT settle before the clock starts.
 */
export interface InjectRate {
  readonly packets: number;
  readonly framesOut: number;
  readonly seconds: number;
  readonly packetsPerSecond: number;
}

export function measureInjectRate(
  sw: SwitchModel,
  ingressPort: PortNumber,
  frames: readonly Uint8Array[],
  count: number,
  warmup = Math.min(count, 10_000),
): InjectRate {
  if (frames.length === 0) throw new Error("measureInjectRate needs at least one frame");
  let framesOut = 0;
  const stop = sw.onEgress(() => {
    framesOut++;
  });
  try {
    for (let i = 0; i < warmup; i++) sw.inject(ingressPort, frames[i % frames.length]!);
    framesOut = 0;
    const start = process.hrtime.bigint();
    for (let i = 0; i < count; i++) sw.inject(ingressPort, frames[i % frames.length]!);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    return { packets: count, framesOut, seconds, packetsPerSecond: seconds > 0 ? count / seconds : Infinity };
  } finally {
    stop();
  }
}
