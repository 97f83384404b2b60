/**
 * Failover time distribution: on one running system under client load, kill the primary of a
 * session again and again (bringing it back in between) and time each death to the first
 * answer a new primary gives for one of the dead server's sessions.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { renderTimelineSvg } from "../plot/svg.ts";
import { decodeCookie, serverId, type ServerId } from "../../../runtime/src/wire/session_header.ts";
import { SessionLedger } from "../system/ledger.ts";
import { startLoad } from "../system/load.ts";
import { RunMetrics, percentile } from "../system/metrics.ts";
import { startEmbeddedSystem } from "../system/orchestrator.ts";
import { type BenchOutcome, measured } from "./report.ts";

/** `plotFile`: where to write the run's timeline as SVG (requests/s, servers up, each kill). */
export async function failoverTimes(runs = 8, seed = 1, plotFile?: string): Promise<BenchOutcome> {
  const system = await startEmbeddedSystem({ servers: 4, replication: "sync", seed });
  const ledger = new SessionLedger(() => system.liveServers());
  const metrics = new RunMetrics({ answered: () => ledger.answered, failovers: () => ledger.failovers, serversUp: () => system.liveServers().length });
  let waiting: { server: ServerId; since: number; resolve: (ms: number) => void } | undefined;
  ledger.listeners.push((a) => {
    if (!waiting || a.cookieSent === 0) return;
    if (decodeCookie(a.cookieSent).primary === waiting.server && decodeCookie(a.cookieReceived).primary !== waiting.server) {
      waiting.resolve(performance.now() - waiting.since);
      waiting = undefined;
    }
  });
  const times: number[] = [];
  try {
    metrics.startSampling(250);
    const load = await startLoad(system, ledger, metrics, { clients: 2, sessionsPerClient: 16, updates: Number.POSITIVE_INFINITY });
    await new Promise((r) => setTimeout(r, 500));
    for (let i = 0; i < runs; i++) {
      const session = load.sessions[i % load.sessions.length]!;
      const primary = decodeCookie(session.client.cookieOf(session.id)).primary;
      const victim = primary >= 1 && primary <= system.serverIds.length ? serverId(primary) : system.serverIds[i % system.serverIds.length]!;
      const measuredMs = new Promise<number>((resolve) => {
        waiting = { server: victim, since: performance.now(), resolve };
      });
      await system.killServer(victim);
      metrics.event(`kill server ${victim}`);
      const timeout = new Promise<number>((resolve) => setTimeout(() => resolve(Number.NaN), 10_000));
      const ms = await Promise.race([measuredMs, timeout]);
      waiting = undefined;
      if (!Number.isNaN(ms)) times.push(ms);
      await system.restartServer(victim);
      // Let the controller bring it back before the next death.
      await new Promise((r) => setTimeout(r, 800));
    }
    load.stop();
    await load.done;
    for (const client of load.clients) await client.close();
    metrics.stopSampling();
    if (plotFile) {
      mkdirSync(dirname(plotFile), { recursive: true });
      writeFileSync(plotFile, renderTimelineSvg(metrics.timeline(`failover benchmark: ${runs} primary deaths`)));
    }
  } finally {
    metrics.stopSampling();
    await system.close();
  }
  return measured(
    { metric: "failover time p50", value: percentile(times, 50) ?? Number.NaN, unit: "ms", detail: { runs: times.map((t) => Math.round(t)) } },
    { metric: "failover time p90", value: percentile(times, 90) ?? Number.NaN, unit: "ms" },
    { metric: "failover time max", value: percentile(times, 100) ?? Number.NaN, unit: "ms" },
    { metric: "runs measured", value: times.length, unit: `of ${runs}` },
  );
}
