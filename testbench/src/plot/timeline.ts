/**
 * The time series a run records for plotting and for the demo's live view: one sample per tick
 * (requests answered per second, servers up, failovers so far) plus labelled events (faults).
 */
export interface TimelineSample {
  /** Milliseconds since the run started. */
  readonly tMs: number;
  readonly requestsPerSec: number;
  readonly serversUp: number;
  /** Cumulative count of answers the switch re-routed (FAILOVER flag). */
  readonly failovers: number;
}

export interface TimelineEvent {
  readonly tMs: number;
  readonly label: string;
}

export interface Timeline {
  readonly title: string;
  readonly samples: readonly TimelineSample[];
  readonly events: readonly TimelineEvent[];
}
