/**
 * Runs one scenario on a freshly started system: starts the load, fires the timeline's faults
 * as the load progresses, waits for the load to finish, heals the network, reads every session
 * back and checks the invariants (see ../system/ledger.ts).
 */
import { decodeCookie, serverId, type ServerId } from "../../../runtime/src/wire/session_header.ts";
import type { PortSelector, SystemHandle } from "../system/handle.ts";
import { type AnswerObservation, SessionLedger, type Violation, describeViolation } from "../system/ledger.ts";
import { type LoadRun, startLoad } from "../system/load.ts";
import { RunMetrics } from "../system/metrics.ts";
import type { Timeline } from "../plot/timeline.ts";
import { type FaultAction, type LoadSpec, type PortRef, type Scenario, type ServerRef, describeAction, effectiveLoad } from "./format.ts";

export interface SystemFactoryOptions {
  readonly servers: number;
  readonly replication: "sync" | "async";
  readonly seed: number;
  readonly switches: number;
}
export type SystemFactory = (options: SystemFactoryOptions) => Promise<SystemHandle>;

export interface RunOptions {
  readonly short: boolean;
  readonly seed: number;
  readonly startSystem: SystemFactory;
  readonly log?: (line: string) => void;
  /** Give up on the load if no increment is acknowledged for this long. */
  readonly stallMs?: number;
}

export interface FiredEvent {
  readonly tMs: number;
  readonly description: string;
  readonly afterLoad: boolean;
}

export interface ScenarioResult {
  readonly name: string;
  readonly seed: number;
  readonly load: LoadSpec;
  readonly durationMs: number;
  readonly sent: number;
  readonly answered: number;
  readonly retried: number;
  readonly failovers: number;
  readonly secondaryChanges: number;
  readonly unanswered: number;
  readonly sessions: number;
  readonly lost: number;
  /** Milliseconds from each primary's death (kill or pause) to the first answer by a new primary for one of its sessions. */
  readonly failoverTimesMs: readonly number[];
  readonly latency: { readonly p50?: number; readonly p99?: number; readonly max?: number };
  readonly events: readonly FiredEvent[];
  readonly violations: readonly Violation[];
  /** Invariant failures and unmet expectations, one line each; empty when the run passed. */
  readonly failures: readonly string[];
  readonly timeline: Timeline;
  readonly stats: Record<string, number>;
}

const READBACK_CONCURRENCY = 64;

function refKey(ref: ServerRef): string {
  return ref.kind === "id" ? `id:${ref.id}` : `${ref.role}:${ref.session}`;
}

class EventFirer {
  /** Role references resolved by an earlier event, so "restart primary:0" revives the one killed. */
  private readonly resolved = new Map<string, ServerId>();

  constructor(
    private readonly system: SystemHandle,
    private readonly load: LoadRun,
  ) {}

  private resolve(ref: ServerRef, reuse: boolean): ServerId {
    const key = refKey(ref);
    if (ref.kind === "id") return serverId(ref.id);
    const remembered = this.resolved.get(key);
    if (reuse && remembered !== undefined) return remembered;
    const session = this.load.sessions[ref.session % this.load.sessions.length]!;
    const cookie = decodeCookie(session.client.cookieOf(session.id));
    const picked = ref.role === "primary" ? cookie.primary : cookie.secondary;
    const id = picked >= 1 && picked <= 65534 ? serverId(picked) : this.system.serverIds[ref.role === "primary" ? 0 : 1]!;
    this.resolved.set(key, id);
    return id;
  }

  private port(ref: PortRef, reuse: boolean): PortSelector {
    return ref.kind === "server" ? { kind: "server", id: this.resolve(ref.server, reuse) } : ref;
  }

  /** Applies the action; returns the server that died, when it was a server death, for failover timing. */
  async fire(action: FaultAction): Promise<{ readonly died?: ServerId; readonly text: string }> {
    const s = this.system;
    switch (action.do) {
      case "kill": {
        const id = this.resolve(action.server, false);
        await s.killServer(id);
        return { died: id, text: `kill server ${id}` };
      }
      case "pause": {
        const id = this.resolve(action.server, false);
        await s.pauseServer(id);
        return { died: id, text: `pause server ${id}` };
      }
      case "resume": {
        const id = this.resolve(action.server, true);
        await s.resumeServer(id);
        return { text: `resume server ${id}` };
      }
      case "restart": {
        const id = this.resolve(action.server, true);
        await s.restartServer(id);
        return { text: `restart server ${id}` };
      }
      case "drain": {
        const id = this.resolve(action.server, false);
        await s.drainServer(id);
        return { text: `drain server ${id}` };
      }
      case "loss":
        s.setWireFault(this.port(action.port, false), { lossRate: action.rate, delayMs: 0, blackhole: false });
        return { text: describeAction(action) };
      case "delay":
        s.setWireFault(this.port(action.port, false), { lossRate: 0, delayMs: action.ms, blackhole: false });
        return { text: describeAction(action) };
      case "heal":
        s.setWireFault(this.port(action.port, true), { lossRate: 0, delayMs: 0, blackhole: false });
        return { text: describeAction(action) };
      case "partition": {
        const a = this.resolve(action.a, false);
        const b = this.resolve(action.b, false);
        s.partition(a, b);
        return { text: `partition ${a} / ${b}` };
      }
      case "unpartition": {
        const a = this.resolve(action.a, true);
        const b = this.resolve(action.b, true);
        s.unpartition(a, b);
        return { text: `unpartition ${a} / ${b}` };
      }
      case "controller-kill":
        await s.killController();
        return { text: "kill controller" };
      case "controller-start":
        await s.startController();
        return { text: "start controller" };
      case "switch-restart":
        await s.restartSwitch(action.switch);
        return { text: s.switchCount > 1 ? `restart switch ${action.switch}` : "restart switch" };
      case "switch-kill":
        await s.killSwitch(action.switch);
        return { text: `kill switch ${action.switch}` };
      case "switch-start":
        await s.startSwitch(action.switch);
        return { text: `start switch ${action.switch}` };
      case "switch-partition":
        s.partitionSwitch(action.switch);
        return { text: `partition switch ${action.switch} from the controller` };
      case "switch-heal":
        s.healSwitch(action.switch);
        return { text: `heal switch ${action.switch}'s management network` };
    }
  }
}

function waitFor(predicate: () => boolean, alsoDone: Promise<void>, pollMs = 5): Promise<void> {
  return new Promise((resolve) => {
    let finished = false;
    alsoDone.then(() => (finished = true));
    const check = (): void => {
      if (predicate() || finished) resolve();
      else setTimeout(check, pollMs);
    };
    check();
  });
}

export async function runScenario(scenario: Scenario, options: RunOptions): Promise<ScenarioResult> {
  const log = options.log ?? (() => undefined);
  const load = effectiveLoad(scenario, options.short);
  const system = await options.startSystem({ servers: scenario.topology.servers, replication: scenario.topology.replication, seed: options.seed, switches: scenario.topology.switches });
  const metrics: RunMetrics = new RunMetrics({ answered: () => ledger.answered, failovers: () => ledger.failovers, serversUp: () => system.liveServers().length });
  const ledger: SessionLedger = new SessionLedger(
    () => system.liveServers(),
    () => system.serverIds.filter((id) => system.serverState(id) === "draining"),
    () => metrics.elapsedMs(),
  );
  const failoverTimesMs: number[] = [];
  const awaitingFailover = new Map<ServerId, number>();
  ledger.listeners.push((a: AnswerObservation) => {
    if (awaitingFailover.size === 0 || a.cookieSent === 0) return;
    const from = decodeCookie(a.cookieSent).primary as ServerId;
    const since = awaitingFailover.get(from);
    if (since === undefined || decodeCookie(a.cookieReceived).primary === from) return;
    failoverTimesMs.push(Math.round(metrics.elapsedMs() - since));
    awaitingFailover.delete(from);
  });
  const events: FiredEvent[] = [];
  let acked = 0;
  let lastProgressAt = performance.now();
  const giveUps: string[] = [];
  try {
    metrics.startSampling(250);
    const run = await startLoad(system, ledger, metrics, {
      ...load,
      onProgress: (n) => {
        acked = n;
        lastProgressAt = performance.now();
      },
      onGiveUp: (session, err) => giveUps.push(`session ${session.toString(16)}: ${(err as Error).message ?? String(err)}`),
    });
    let loadDone = false;
    const done = run.done.then(() => {
      loadDone = true;
    });
    const stallMs = options.stallMs ?? 15_000;
    const stallWatch = setInterval(() => {
      if (performance.now() - lastProgressAt > stallMs) run.stop();
    }, 250);
    const firer = new EventFirer(system, run);
    /** Servers killed or paused by the timeline, for "afterFailover". */
    const deadPrimaries = new Set<number>();
    try {
      let lastFiredAt = performance.now();
      for (const entry of scenario.timeline) {
        if (entry.trigger.kind === "progress") {
          const threshold = Math.ceil(entry.trigger.fraction * load.updates);
          await waitFor(() => acked >= threshold, done);
        } else if (entry.trigger.kind === "failedOver") {
          await waitFor(() => ![...ledger.sessions.values()].some((r) => r.cookie !== 0 && deadPrimaries.has(decodeCookie(r.cookie).primary)), done);
        } else {
          const due = lastFiredAt + entry.trigger.ms;
          await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
        }
        const fired = await firer.fire(entry.action);
        lastFiredAt = performance.now();
        metrics.event(fired.text);
        if (fired.died !== undefined) {
          awaitingFailover.set(fired.died, metrics.elapsedMs());
          deadPrimaries.add(fired.died);
        }
        events.push({ tMs: Math.round(metrics.elapsedMs()), description: fired.text, afterLoad: loadDone });
        log(`${(metrics.elapsedMs() / 1000).toFixed(2)}s  ${fired.text}  (${acked}/${load.updates} acknowledged)`);
      }
      await done;
    } finally {
      clearInterval(stallWatch);
      run.stop();
    }
    metrics.stopSampling();
    system.healNetwork();
    log(`load finished: ${ledger.answered} answered; reading ${run.sessions.length} sessions back`);
    const queue = [...run.sessions];
    await Promise.all(
      Array.from({ length: READBACK_CONCURRENCY }, async () => {
        for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
          try {
            ledger.verify(s.id, (await s.client.read(s.id)).counter);
          } catch {
            ledger.verify(s.id, "unreadable");
          }
        }
      }),
    );
    const failures = ledger.violations.map(describeViolation);
    if (scenario.expect.failovers && ledger.failovers === 0) failures.push("expected sessions to fail over to new primaries, saw none");
    if (scenario.expect.secondaryChanges && ledger.secondaryChanges === 0) failures.push("expected sessions to move to new secondaries, saw none");
    if (ledger.answered < load.updates) failures.push(`load incomplete: ${ledger.answered}/${load.updates} increments acknowledged`);
    failures.push(...giveUps.slice(0, 5).map((g) => `gave up on ${g}`));
    for (const client of run.clients) await client.close();
    return {
      name: scenario.name,
      seed: options.seed,
      load,
      durationMs: Math.round(metrics.elapsedMs()),
      sent: run.issued(),
      answered: ledger.answered,
      retried: ledger.retried,
      failovers: ledger.failovers,
      secondaryChanges: ledger.secondaryChanges,
      unanswered: giveUps.length,
      sessions: run.sessions.length,
      lost: ledger.lostSessions(),
      failoverTimesMs,
      latency: metrics.overallPercentiles(),
      events,
      violations: ledger.violations,
      failures,
      timeline: metrics.timeline(`${scenario.name} (seed ${options.seed})`),
      stats: system.stats(),
    };
  } finally {
    metrics.stopSampling();
    await system.close();
  }
}

export function formatResult(r: ScenarioResult): string {
  const lat = (v: number | undefined): string => (v === undefined ? "n/a" : `${v.toFixed(1)} ms`);
  const lines = [
    `scenario ${r.name} (seed ${r.seed}): ${r.failures.length === 0 ? "PASS" : "FAIL"} in ${(r.durationMs / 1000).toFixed(1)} s`,
    `  sessions ${r.sessions}, sent ${r.sent}, answered ${r.answered}, retried ${r.retried}, failovers ${r.failovers}, new secondaries ${r.secondaryChanges}, unanswered ${r.unanswered}`,
    `  latency p50 ${lat(r.latency.p50)}, p99 ${lat(r.latency.p99)}, max ${lat(r.latency.max)}`,
    `  failover time: ${r.failoverTimesMs.length === 0 ? "n/a" : r.failoverTimesMs.map((t) => `${t} ms`).join(", ")}`,
    ...r.events.map((e) => `  ${(e.tMs / 1000).toFixed(2)}s ${e.description}${e.afterLoad ? " (after the load finished)" : ""}`),
    ...r.failures.slice(0, 20).map((f) => `  FAIL ${f}`),
  ];
  if (r.failures.length > 20) lines.push(`  ... and ${r.failures.length - 20} more`);
  lines.push(`sessions lost: ${r.lost}`);
  return lines.join("\n");
}
