/**
 * Active health checking of the session servers over the management protocol: one probe per
 * server per interval, a server goes down after `fall` consecutive failures and comes up after
 * `rise` consecutive successes (so one lost datagram never flaps the pool).
 *
 * A busy server answers slowly, not never: each server's probe timeout stretches to a few times
 * the slowest of its recent answers (never below the configured timeout, never past ten times
 * it), so a server whose answers slow down under load is waited for instead of declared dead,
 * while a dead one still fails within the cap.
 *
 * The monitor only decides; the controller acts on its changes. A server starts in the state
 * the caller adopts (from the switch, on a restart) so that starting a controller does not
 * disturb traffic while the first probes are in flight.
 */
import type { HealthConfig, ServerConfig, ServerId } from "./config.ts";

export type Health = "up" | "down";

export interface ProbeOutcome {
  readonly ok: boolean;
  readonly rttMs: number;
  /** Membership epoch the server reports holding (probe_ack), when it answered. */
  readonly epoch?: number;
  readonly error?: string;
}

export type Prober = (server: ServerConfig, timeoutMs: number) => Promise<ProbeOutcome>;

export interface HealthChange {
  readonly id: ServerId;
  readonly from: Health;
  readonly to: Health;
  readonly reason: string;
}

interface Tracked {
  server: ServerConfig;
  health: Health;
  successes: number;
  failures: number;
  inFlight: Promise<ProbeOutcome> | undefined;
  lastRttMs: number | undefined;
  lastError: string | undefined;
  /** Round trips of the latest answered probes, newest last. */
  recentRttsMs: number[];
}

/** Answered probes remembered per server, and how many times the slowest of them a probe may take. */
const RTT_WINDOW = 8;
const SLOW_ANSWER_FACTOR = 3;
const MAX_TIMEOUT_FACTOR = 10;

export interface HealthListener {
  change(change: HealthChange): void;
  probe(server: ServerConfig, outcome: ProbeOutcome): void;
}

export class HealthMonitor {
  private readonly tracked = new Map<ServerId, Tracked>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: HealthConfig,
    private readonly prober: Prober,
    private readonly listener: HealthListener,
  ) {}

  add(server: ServerConfig, initial: Health): void {
    this.tracked.set(server.id, { server, health: initial, successes: 0, failures: 0, inFlight: undefined, lastRttMs: undefined, lastError: undefined, recentRttsMs: [] });
  }

  remove(id: ServerId): void {
    this.tracked.delete(id);
  }

  health(id: ServerId): Health | undefined {
    return this.tracked.get(id)?.health;
  }

  snapshot(id: ServerId): { readonly health: Health; readonly lastRttMs?: number; readonly lastError?: string } | undefined {
    const t = this.tracked.get(id);
    if (!t) return undefined;
    return { health: t.health, ...(t.lastRttMs !== undefined ? { lastRttMs: t.lastRttMs } : {}), ...(t.lastError ? { lastError: t.lastError } : {}) };
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.probeAll(), this.config.intervalMs);
    this.probeAll();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Probes every server once (servers with a probe still in flight are skipped). */
  probeAll(): void {
    for (const id of this.tracked.keys()) void this.probe(id);
  }

  /**
   * Probes one server now. With `decisive`, the outcome alone decides (used when the data plane
   * already reported the server failing: a failed probe confirms it at once, a good one clears it).
   */
  async probe(id: ServerId, decisive = false): Promise<ProbeOutcome | undefined> {
    const t = this.tracked.get(id);
    if (!t) return undefined;
    if (t.inFlight && !decisive) return t.inFlight;
    const pending = this.prober(t.server, this.timeoutFor(id) ?? this.config.timeoutMs);
    t.inFlight = pending;
    const outcome = await pending;
    if (t.inFlight === pending) t.inFlight = undefined;
    if (this.tracked.get(id) !== t) return outcome;
    this.listener.probe(t.server, outcome);
    this.record(t, outcome, decisive);
    return outcome;
  }

  /** The probe timeout for this server now (see the file comment). */
  timeoutFor(id: ServerId): number | undefined {
    const t = this.tracked.get(id);
    if (!t) return undefined;
    const slowest = Math.max(0, ...t.recentRttsMs);
    return Math.min(this.config.timeoutMs * MAX_TIMEOUT_FACTOR, Math.max(this.config.timeoutMs, Math.ceil(slowest * SLOW_ANSWER_FACTOR)));
  }

  private record(t: Tracked, outcome: ProbeOutcome, decisive: boolean): void {
    t.lastError = outcome.error;
    if (outcome.ok) {
      t.lastRttMs = outcome.rttMs;
      t.recentRttsMs.push(outcome.rttMs);
      if (t.recentRttsMs.length > RTT_WINDOW) t.recentRttsMs.shift();
      t.failures = 0;
      t.successes++;
      if (t.health === "down" && (decisive || t.successes >= this.config.rise)) this.set(t, "up", decisive ? "probe answered after a data-plane report" : `${t.successes} probes answered`);
    } else {
      t.successes = 0;
      t.failures++;
      if (t.health === "up" && (decisive || t.failures >= this.config.fall)) {
        this.set(t, "down", decisive ? `data-plane report confirmed by a failed probe (${outcome.error ?? "no answer"})` : `${t.failures} probes failed (${outcome.error ?? "no answer"})`);
      }
    }
  }

  private set(t: Tracked, to: Health, reason: string): void {
    const from = t.health;
    t.health = to;
    this.listener.change({ id: t.server.id, from, to, reason });
  }
}
