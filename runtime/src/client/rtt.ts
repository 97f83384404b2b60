/**
 * The retransmission timer of the client library (after RFC 6298): a smoothed round-trip time
 * and its variation, learned from answers to first transmissions only (an answer to a
 * retransmitted request could belong to any attempt, so it says nothing reliable: Karn's rule).
 * Under load the answers slow down and the timer follows them, so a slow answer is waited for
 * instead of multiplied by retransmissions that would only slow everything further.
 */
export class RetransmitTimer {
  private smoothed: number | undefined;
  private variation = 0;
  /** A wait that had to be backed off to get an answer: kept for the next request until a clean sample arrives. */
  private backedOff: number | undefined;

  constructor(
    /** Never wait less than this for a first answer (also the starting value). */
    private readonly minMs: number,
    /** Never wait more than this for one attempt. */
    private readonly maxMs: number,
  ) {}

  /** A first transmission answered after `ms`. */
  sample(ms: number): void {
    this.backedOff = undefined;
    if (this.smoothed === undefined) {
      this.smoothed = ms;
      this.variation = ms / 2;
      return;
    }
    this.variation = 0.75 * this.variation + 0.25 * Math.abs(this.smoothed - ms);
    this.smoothed = 0.875 * this.smoothed + 0.125 * ms;
  }

  /**
   * A request was answered only after retransmissions, the last attempt having waited `ms`.
   * Its round trip is unknown, but waiting less than that again would likely only repeat the
   * retransmissions (when answers are slower than the estimate, no first attempt would ever be
   * answered in time to correct it).
   */
  answeredAfterBackoff(ms: number): void {
    this.backedOff = Math.max(this.backedOff ?? 0, ms);
  }

  /** How long the first attempt of the next request waits before retransmitting. */
  firstTimeoutMs(): number {
    const learned = this.smoothed === undefined ? this.minMs : this.smoothed + 4 * this.variation;
    const estimate = Math.max(learned, this.backedOff ?? 0);
    return Math.min(this.maxMs, Math.max(this.minMs, estimate));
  }

  get smoothedMs(): number | undefined {
    return this.smoothed;
  }
}

/**
 * Spreads a wait over [ms, ms * (1 + spread)), so that requests delayed together (a failover,
 * a burst of "unavailable") do not retransmit together.
 */
export function withJitter(ms: number, spread: number, random: () => number = Math.random): number {
  return ms * (1 + spread * random());
}
