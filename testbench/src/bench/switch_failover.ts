/**
 * Switch failover time: two LB switches under client load; kill one (alternating), and time
 * from the kill to the first answer each client gets after it. Clients behind the surviving
 * switch answer at once; clients behind the dead one wait for their host to give up on that
 * first hop and for their retransmission through the other switch. The figure is the slowest
 * client's wait (per run), i.e. the longest a client goes unanswered because a switch died.
 * The dead switch comes back (empty) and is reprogrammed by the controller before the other
 * one is killed.
 */
import { SessionLedger } from "../system/ledger.ts";
import { startLoad } from "../system/load.ts";
import { RunMetrics, percentile } from "../system/metrics.ts";
import { startEmbeddedSystem } from "../system/orchestrator.ts";
import { type BenchOutcome, measured } from "./report.ts";

const CLIENTS = 4;
const ANSWER_TIMEOUT_MS = 10_000;

async function waitUntil(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

export async function switchFailoverTimes(runs = 6, seed = 1): Promise<BenchOutcome> {
  const system = await startEmbeddedSystem({ servers: 4, replication: "sync", seed, switches: 2 });
  const ledger = new SessionLedger(() => system.liveServers());
  const metrics = new RunMetrics({ answered: () => ledger.answered, failovers: () => ledger.failovers, serversUp: () => system.liveServers().length });
  /** Per client, resolves at its first answer after the current kill. */
  let waiting: Map<number, (at: number) => void> = new Map();
  ledger.listeners.push((a) => {
    const resolve = waiting.get(a.client);
    if (!resolve) return;
    waiting.delete(a.client);
    resolve(performance.now());
  });
  const slowest: number[] = [];
  /** Runs where some client got no answer within ANSWER_TIMEOUT_MS. */
  let stalled = 0;
  let lost = 0;
  try {
    const load = await startLoad(system, ledger, metrics, { clients: CLIENTS, sessionsPerClient: 8, updates: Number.POSITIVE_INFINITY });
    await new Promise((r) => setTimeout(r, 500));
    for (let i = 0; i < runs; i++) {
      const victim = i % 2;
      const next = new Map<number, (at: number) => void>();
      const answers = load.clients.map(
        (c) =>
          new Promise<number>((resolve) => {
            next.set(c.index, resolve);
            setTimeout(() => resolve(Number.NaN), ANSWER_TIMEOUT_MS).unref();
          }),
      );
      const killedAt = performance.now();
      waiting = next;
      await system.killSwitch(victim);
      const waits = (await Promise.all(answers)).map((at) => at - killedAt);
      waiting = new Map();
      if (waits.every((w) => !Number.isNaN(w))) slowest.push(Math.max(...waits));
      else stalled++;
      await system.startSwitch(victim);
      // The other one dies only once this one is reprogrammed (else no switch could serve).
      await waitUntil(() => system.controllerObject()?.status().switches[victim]?.active === true, ANSWER_TIMEOUT_MS);
      await new Promise((r) => setTimeout(r, 300));
    }
    load.stop();
    await load.done;
    for (const s of load.sessions) {
      try {
        ledger.verify(s.id, (await s.client.read(s.id)).counter);
      } catch {
        ledger.verify(s.id, "unreadable");
      }
    }
    lost = ledger.lostSessions();
    for (const client of load.clients) await client.close();
  } finally {
    await system.close();
  }
  return measured(
    { metric: "switch death to every client answered p50", value: percentile(slowest, 50) ?? Number.NaN, unit: "ms", detail: { runs: slowest.map((t) => Math.round(t)) } },
    { metric: "switch death to every client answered max", value: percentile(slowest, 100) ?? Number.NaN, unit: "ms" },
    { metric: "runs measured", value: slowest.length, unit: `of ${runs}`, detail: { clientUnansweredOver10s: stalled } },
    { metric: "sessions lost", value: lost, unit: "sessions" },
  );
}
