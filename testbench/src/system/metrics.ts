/**
 * Time series and latency figures for a run: sampled on a timer into a plot timeline, and
 * summarised for the demo's live view and the end-of-run report.
 */
import type { Timeline, TimelineEvent, TimelineSample } from "../plot/timeline.ts";

/** Percentile of an unsorted list (nearest-rank); undefined for an empty list. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export interface MetricsSource {
  answered(): number;
  failovers(): number;
  serversUp(): number;
}

export class RunMetrics {
  private readonly start = performance.now();
  private readonly samples: TimelineSample[] = [];
  private readonly events: TimelineEvent[] = [];
  private readonly latencies: number[] = [];
  /** Latencies since the last sample, for the live view's p50/p99. */
  private recent: number[] = [];
  private recentLast: number[] = [];
  private lastAnswered = 0;
  private lastSampleMs = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly source: MetricsSource) {}

  elapsedMs(): number {
    return performance.now() - this.start;
  }

  latency(ms: number): void {
    this.latencies.push(ms);
    this.recent.push(ms);
  }

  event(label: string): void {
    this.events.push({ tMs: Math.round(this.elapsedMs()), label });
  }

  sample(): TimelineSample {
    const tMs = Math.round(this.elapsedMs());
    const answered = this.source.answered();
    const dt = Math.max(1, tMs - this.lastSampleMs) / 1000;
    const s: TimelineSample = {
      tMs,
      requestsPerSec: Math.round((answered - this.lastAnswered) / dt),
      serversUp: this.source.serversUp(),
      failovers: this.source.failovers(),
    };
    this.samples.push(s);
    this.lastAnswered = answered;
    this.lastSampleMs = tMs;
    this.recentLast = this.recent;
    this.recent = [];
    return s;
  }

  startSampling(everyMs: number, onSample?: (s: TimelineSample) => void): void {
    this.sample();
    this.timer = setInterval(() => onSample?.(this.sample()), everyMs);
  }

  stopSampling(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
  }

  /** p50/p99 of the latencies in the last sampling interval. */
  recentPercentiles(): { readonly p50?: number; readonly p99?: number } {
    return { p50: percentile(this.recentLast, 50), p99: percentile(this.recentLast, 99) };
  }

  overallPercentiles(): { readonly p50?: number; readonly p99?: number; readonly max?: number } {
    return { p50: percentile(this.latencies, 50), p99: percentile(this.latencies, 99), max: percentile(this.latencies, 100) };
  }

  timeline(title: string): Timeline {
    return { title, samples: [...this.samples], events: [...this.events] };
  }
}
