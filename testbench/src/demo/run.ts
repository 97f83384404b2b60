/**
 * The demo: the whole system under client load for a fixed time, with a primary killed part
 * way, brought back, and another server drained, shown live; then a summary whose last line is
 * `sessions lost: N`. With several switches it also kills the first switch and brings it back
 * (empty), and cuts the second one off from the controller for a while.
 */
import { decodeCookie, serverId, type ServerId } from "../../../runtime/src/wire/session_header.ts";
import type { SystemHandle } from "../system/handle.ts";
import { SessionLedger, describeViolation } from "../system/ledger.ts";
import { startLoad } from "../system/load.ts";
import { RunMetrics } from "../system/metrics.ts";
import type { Timeline } from "../plot/timeline.ts";
import { type DemoSnapshot, LiveView } from "./view.ts";

export interface DemoOptions {
  readonly servers: number;
  readonly durationS: number;
  readonly clients?: number;
  readonly sessionsPerClient?: number;
  readonly startSystem: (servers: number) => Promise<SystemHandle>;
  /** LB switches the system was started with; from 2 on the demo also fails switches. */
  readonly switches?: number;
  readonly out: { write(text: string): unknown; readonly isTTY?: boolean };
  /** Redraw period of the live view. */
  readonly tickMs?: number;
}

export interface DemoSummary {
  readonly sent: number;
  readonly answered: number;
  readonly retried: number;
  readonly failovers: number;
  readonly sessions: number;
  readonly lost: number;
  readonly violations: readonly string[];
  /** Kill of the primary to the first answer from a new primary for one of its sessions. */
  readonly failoverTimeMs: number | undefined;
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
  readonly timeline: Timeline;
}

/** A fault the demo injects at a fraction of its duration; returns what it did, for the event list. */
type DemoStep = { readonly at: number; readonly run: () => Promise<string> };

export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const view = new LiveView(options.out);
  const system = await options.startSystem(options.servers);
  const metrics: RunMetrics = new RunMetrics({ answered: () => ledger.answered, failovers: () => ledger.failovers, serversUp: () => system.liveServers().length });
  const ledger: SessionLedger = new SessionLedger(
    () => system.liveServers(),
    () => system.serverIds.filter((id) => system.serverState(id) === "draining"),
    () => metrics.elapsedMs(),
  );
  const events: string[] = [];
  const durationMs = options.durationS * 1000;
  let killedAt: number | undefined;
  let killed: ServerId | undefined;
  let failoverTimeMs: number | undefined;
  ledger.listeners.push((a) => {
    if (killed === undefined || killedAt === undefined || failoverTimeMs !== undefined || a.cookieSent === 0) return;
    if (decodeCookie(a.cookieSent).primary === killed && decodeCookie(a.cookieReceived).primary !== killed) {
      failoverTimeMs = Math.round(metrics.elapsedMs() - killedAt);
    }
  });
  try {
    const run = await startLoad(system, ledger, metrics, {
      clients: options.clients ?? 2,
      sessionsPerClient: options.sessionsPerClient ?? 16,
      updates: Number.POSITIVE_INFINITY,
    });
    const primaryOfFirst = (): ServerId => {
      const first = run.sessions[0]!;
      const p = decodeCookie(first.client.cookieOf(first.id)).primary;
      return p >= 1 && p <= 65534 ? serverId(p) : system.serverIds[0]!;
    };
    const steps: DemoStep[] = [
      {
        at: 0.25,
        run: async () => {
          killed = primaryOfFirst();
          killedAt = metrics.elapsedMs();
          await system.killServer(killed);
          return `killed server ${killed} (primary of session 0)`;
        },
      },
      {
        at: 0.5,
        run: async () => {
          await system.restartServer(killed!);
          return `restarted server ${killed} (empty)`;
        },
      },
      {
        at: 0.65,
        run: async () => {
          const target = system.serverIds.find((id) => id !== killed && system.serverState(id) === "running") ?? system.serverIds[0]!;
          await system.drainServer(target);
          return `draining server ${target}`;
        },
      },
      ...((options.switches ?? 1) > 1 ? switchSteps(system) : []),
    ].sort((a, b) => a.at - b.at);
    const snapshot = (): DemoSnapshot => {
      const primaryFor = new Map<number, number>();
      for (const r of ledger.sessions.values()) {
        if (r.cookie === 0) continue;
        const p = decodeCookie(r.cookie).primary;
        primaryFor.set(p, (primaryFor.get(p) ?? 0) + 1);
      }
      const recent = metrics.recentPercentiles();
      const samples = metrics.timeline("").samples;
      return {
        elapsedS: metrics.elapsedMs() / 1000,
        durationS: options.durationS,
        servers: system.serverIds.map((id) => ({ id, state: system.serverState(id), stored: system.serverSessions(id), primaryFor: primaryFor.get(id) ?? 0 })),
        requestsPerSec: samples.length > 0 ? samples[samples.length - 1]!.requestsPerSec : 0,
        answered: ledger.answered,
        failovers: ledger.failovers,
        p50Ms: recent.p50,
        p99Ms: recent.p99,
        controller: system.controllerRunning() ? "running" : "down",
        events,
      };
    };
    metrics.startSampling(options.tickMs ?? 500, () => view.draw(snapshot()));
    for (const step of steps) {
      const due = step.at * durationMs;
      await new Promise((r) => setTimeout(r, Math.max(0, due - metrics.elapsedMs())));
      const text = await step.run();
      metrics.event(text);
      events.push(`${(metrics.elapsedMs() / 1000).toFixed(1)}s ${text}`);
      if (!view.interactive) view.note(`[${(metrics.elapsedMs() / 1000).toFixed(1)}s] ${text}`);
    }
    await new Promise((r) => setTimeout(r, Math.max(0, durationMs - metrics.elapsedMs())));
    run.stop();
    await run.done;
    metrics.stopSampling();
    view.draw(snapshot());
    view.note(`load stopped; reading ${run.sessions.length} sessions back`);
    const queue = [...run.sessions];
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
          try {
            ledger.verify(s.id, (await s.client.read(s.id)).counter);
          } catch {
            ledger.verify(s.id, "unreadable");
          }
        }
      }),
    );
    for (const client of run.clients) await client.close();
    const overall = metrics.overallPercentiles();
    return {
      sent: run.issued(),
      answered: ledger.answered,
      retried: ledger.retried,
      failovers: ledger.failovers,
      sessions: run.sessions.length,
      lost: ledger.lostSessions(),
      violations: ledger.violations.map(describeViolation),
      failoverTimeMs,
      p50Ms: overall.p50,
      p99Ms: overall.p99,
      timeline: metrics.timeline(`slb demo: ${options.servers} servers, ${options.durationS} s`),
    };
  } finally {
    metrics.stopSampling();
    await system.close();
  }
}

/** Switch faults: the first switch dies and returns empty; the second loses its controller for a while. */
function switchSteps(system: SystemHandle): DemoStep[] {
  return [
    {
      at: 0.35,
      run: async () => {
        await system.killSwitch(0);
        return "killed switch 0 (its clients move to switch 1)";
      },
    },
    {
      at: 0.45,
      run: async () => {
        await system.startSwitch(0);
        return "started switch 0 (empty; the controller reprograms it)";
      },
    },
    {
      at: 0.75,
      run: async () => {
        system.partitionSwitch(1);
        return "cut switch 1 off from the controller";
      },
    },
    {
      at: 0.85,
      run: async () => {
        system.healSwitch(1);
        return "healed switch 1's management network (the controller resyncs it)";
      },
    },
  ];
}

export function formatSummary(s: DemoSummary): string[] {
  const ms = (v: number | undefined): string => (v === undefined ? "n/a" : `${v.toFixed(1)} ms`);
  return [
    "summary:",
    `  requests sent:     ${s.sent}`,
    `  answered:          ${s.answered}`,
    `  retried:           ${s.retried}`,
    `  failovers:         ${s.failovers}`,
    `  failover time:     ${s.failoverTimeMs === undefined ? "n/a (no answer from a new primary seen)" : `${s.failoverTimeMs} ms`}`,
    `  latency p50/p99:   ${ms(s.p50Ms)} / ${ms(s.p99Ms)}`,
    `  sessions checked:  ${s.sessions}`,
    ...s.violations.slice(0, 10).map((v) => `  VIOLATION ${v}`),
    `sessions lost: ${s.lost}`,
  ];
}
