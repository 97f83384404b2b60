/**
 * Backup-controller takeover time under client load: again and again, start a backup next to
 * the primary, kill the primary, and time the kill to the backup's start-up reconcile (promoted
 * by the switch, switch state read and adopted, difference written).
 */
import { SessionLedger } from "../system/ledger.ts";
import { startLoad } from "../system/load.ts";
import { RunMetrics, percentile } from "../system/metrics.ts";
import { startEmbeddedSystem } from "../system/orchestrator.ts";
import { type Takeover, measureTakeover } from "../system/takeover.ts";
import { type BenchOutcome, measured } from "./report.ts";

export async function controllerTakeoverTimes(runs = 6, seed = 1): Promise<BenchOutcome> {
  const system = await startEmbeddedSystem({ servers: 4, replication: "sync", seed });
  const ledger = new SessionLedger(() => system.liveServers());
  const metrics = new RunMetrics({ answered: () => ledger.answered, failovers: () => ledger.failovers, serversUp: () => system.liveServers().length });
  const takeovers: Takeover[] = [];
  try {
    const load = await startLoad(system, ledger, metrics, { clients: 2, sessionsPerClient: 16, updates: Number.POSITIVE_INFINITY });
    await new Promise((r) => setTimeout(r, 500));
    for (let i = 0; i < runs; i++) {
      takeovers.push(await measureTakeover(system));
      await new Promise((r) => setTimeout(r, 300));
    }
    load.stop();
    await load.done;
    for (const s of load.sessions) ledger.verify(s.id, (await s.client.read(s.id)).counter);
    for (const client of load.clients) await client.close();
  } finally {
    await system.close();
  }
  const reconciled = takeovers.map((t) => t.takeoverMs);
  return measured(
    { metric: "takeover p50 (kill to reconciled)", value: percentile(reconciled, 50) ?? Number.NaN, unit: "ms", detail: { runs: reconciled.map((ms) => Math.round(ms)) } },
    { metric: "takeover max", value: percentile(reconciled, 100) ?? Number.NaN, unit: "ms" },
    { metric: "promotion p50 (kill to arbitration)", value: percentile(takeovers.map((t) => t.promotedMs), 50) ?? Number.NaN, unit: "ms" },
    { metric: "writes by the new primary", value: takeovers.reduce((sum, t) => sum + t.writes, 0), unit: "updates" },
    { metric: "sessions lost", value: ledger.lostSessions(), unit: `of ${ledger.sessions.size}` },
  );
}
