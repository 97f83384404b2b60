/**
 * Client load: each client holds many sessions and keeps one "incr" outstanding per session
 * until the run's total of acknowledged increments is reached. Every answer goes to the ledger
 * (counter, version, cookies, failover flag) and its latency to the metrics.
 */
import type { LoadClient, SystemHandle } from "./handle.ts";
import type { SessionLedger } from "./ledger.ts";
import type { RunMetrics } from "./metrics.ts";

export interface LoadOptions {
  readonly clients: number;
  readonly sessionsPerClient: number;
  /** Total increments, split evenly over the sessions (rounded up); Infinity runs until stop(). */
  readonly updates: number;
  /** Called after every acknowledged increment with the total so far. */
  readonly onProgress?: (acked: number) => void;
  /** Sessions whose increments went unanswered past the client's deadline. */
  readonly onGiveUp?: (session: bigint, err: unknown) => void;
}

export interface LoadRun {
  readonly clients: readonly LoadClient[];
  /** Sessions in creation order, with the client that owns each. */
  readonly sessions: readonly { readonly client: LoadClient; readonly id: bigint }[];
  /** Resolves when `updates` are acknowledged or every session gave up. */
  readonly done: Promise<void>;
  /** Issued so far (acknowledged, pending or given up). */
  issued(): number;
  stop(): void;
}

export async function startLoad(system: SystemHandle, ledger: SessionLedger, metrics: RunMetrics, options: LoadOptions): Promise<LoadRun> {
  const clients: LoadClient[] = [];
  for (let i = 0; i < options.clients; i++) clients.push(await system.newClient());
  const sessions: { client: LoadClient; id: bigint }[] = [];
  for (let s = 0; s < options.sessionsPerClient; s++) {
    // Interleave clients so "session K" of a scenario is spread over clients.
    for (const client of clients) {
      const id = client.newSession();
      ledger.open(id, client.index);
      sessions.push({ client, id });
    }
  }
  let issued = 0;
  let acked = 0;
  let stopped = false;
  // Each session gets its share, so a session stuck behind a fault must get through it (fail
  // over, find a new secondary) before the run can end: no session sits a fault out.
  const quota = Number.isFinite(options.updates) ? Math.ceil(options.updates / sessions.length) : Number.POSITIVE_INFINITY;
  const drive = async (session: { client: LoadClient; id: bigint }): Promise<void> => {
    for (let done = 0; !stopped && done < quota; done++) {
      issued++;
      const started = performance.now();
      try {
        const answer = await session.client.incr(session.id);
        const latencyMs = performance.now() - started;
        metrics.latency(latencyMs);
        ledger.answer({ sessionId: session.id, client: session.client.index, latencyMs, ...answer });
        acked++;
        options.onProgress?.(acked);
      } catch (err) {
        ledger.unanswered(session.id);
        options.onGiveUp?.(session.id, err);
        return;
      }
    }
  };
  const done = Promise.all(sessions.map(drive)).then(() => undefined);
  return {
    clients,
    sessions,
    done,
    issued: () => issued,
    stop: () => {
      stopped = true;
    },
  };
}
