/**
 * The controller under traffic: a restart and a backup's takeover lose no request. Traffic keeps
 * flowing while no controller runs (the switch holds the state), the controller that comes in
 * reads the switch and rewrites nothing it did not have to, and every increment issued is
 * answered and found in the sessions' counters afterwards. The takeover time is logged, not
 * asserted (it is measured by the `controller takeover` benchmark).
 */
import test from "ava";
import { decodeCookie, serverId } from "../../../runtime/src/wire/session_header.ts";
import { SessionLedger } from "../../src/system/ledger.ts";
import { type LoadRun, startLoad } from "../../src/system/load.ts";
import { RunMetrics } from "../../src/system/metrics.ts";
import { type EmbeddedSystem, startEmbeddedSystem } from "../../src/system/orchestrator.ts";
import { measureTakeover } from "../../src/system/takeover.ts";

interface Loaded {
  readonly system: EmbeddedSystem;
  readonly ledger: SessionLedger;
  readonly run: LoadRun;
  readonly giveUps: string[];
}

async function loaded(seed: number): Promise<Loaded> {
  const system = await startEmbeddedSystem({ servers: 4, replication: "sync", seed });
  const ledger: SessionLedger = new SessionLedger(() => system.liveServers());
  const metrics = new RunMetrics({ answered: () => ledger.answered, failovers: () => ledger.failovers, serversUp: () => system.liveServers().length });
  const giveUps: string[] = [];
  const run = await startLoad(system, ledger, metrics, {
    clients: 2,
    sessionsPerClient: 12,
    updates: Number.POSITIVE_INFINITY,
    onGiveUp: (session, err) => giveUps.push(`${session.toString(16)}: ${String(err)}`),
  });
  return { system, ledger, run, giveUps };
}

async function answeredAtLeast(ledger: SessionLedger, count: number, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (ledger.answered < count) {
    if (performance.now() > deadline) throw new Error(`only ${ledger.answered} of ${count} answers within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Stops the load and checks every issued increment was answered and is in the counters. */
async function finish(t: import("ava").ExecutionContext, { system, ledger, run, giveUps }: Loaded): Promise<void> {
  run.stop();
  await run.done;
  for (const s of run.sessions) ledger.verify(s.id, (await s.client.read(s.id)).counter);
  t.deepEqual(giveUps, [], "no request given up");
  t.is(ledger.answered, run.issued(), "every request issued was answered");
  t.is(ledger.lostSessions(), 0);
  t.deepEqual(ledger.violations, []);
  for (const client of run.clients) await client.close();
  await system.close();
}

test("a controller restart under traffic loses no request, and the restarted controller wipes nothing", async (t) => {
  const load = await loaded(21);
  try {
    await answeredAtLeast(load.ledger, 150);
    await load.system.killController();
    const atKill = load.ledger.answered;
    await answeredAtLeast(load.ledger, atKill + 150);
    t.false(load.system.controllerRunning());
    t.log(`${load.ledger.answered - atKill} answers while no controller ran`);
    await load.system.startController();
    const written = load.system.controllerObject()!.status().updatesWritten;
    t.is(written.inserts + written.deletes, 0, `the restarted controller reconciled without rebuilding (wrote ${JSON.stringify(written)})`);
    await answeredAtLeast(load.ledger, load.ledger.answered + 150);
    await finish(t, load);
  } finally {
    await load.system.close();
  }
});

test("a backup controller takes over under traffic: nothing lost, it rewrites nothing, and it handles the next failure", async (t) => {
  const load = await loaded(22);
  try {
    await answeredAtLeast(load.ledger, 150);
    const takeover = await measureTakeover(load.system);
    t.log(`takeover: promoted after ${takeover.promotedMs.toFixed(0)} ms, reconciled after ${takeover.takeoverMs.toFixed(0)} ms, ${takeover.writes} writes`);
    const controller = load.system.controllerObject()!;
    t.true(controller.isActive, "the backup is the primary now");
    t.is(takeover.writes, 0, "it found the switch as it wants it");
    t.true(takeover.promotedMs <= takeover.takeoverMs);

    // The new primary acts on a failure: a primary dies, the controller takes it out.
    const first = load.run.sessions[0]!;
    const victim = serverId(decodeCookie(first.client.cookieOf(first.id)).primary);
    await load.system.killServer(victim);
    const deadline = performance.now() + 15_000;
    while (controller.serverList().find((s) => Number(s.id) === Number(victim))?.mode !== "down") {
      if (performance.now() > deadline) throw new Error(`the new primary never took server ${victim} out`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await answeredAtLeast(load.ledger, load.ledger.answered + 150);
    t.true(load.ledger.failovers > 0, "the dead server's sessions failed over");
    await finish(t, load);
  } finally {
    await load.system.close();
  }
});
