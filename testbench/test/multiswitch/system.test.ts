/**
 * The embedded system with two LB switches: the demo with switch faults loses no session, and
 * a switch cut off from the controller keeps its stale tables (the other is reprogrammed) until
 * the management network heals and the controller resyncs it.
 */
import test from "ava";
import { formatSummary, runDemo } from "../../src/demo/run.ts";
import { startEmbeddedSystem, type EmbeddedSystem } from "../../src/system/orchestrator.ts";
import { decodeCookie, serverId, type ServerId } from "../../../runtime/src/wire/session_header.ts";

const SERVER_MAP = "SessionLbIngress.session_select.server_map";

function primariesIn(system: EmbeddedSystem, switchIndex: number): number[] {
  return system
    .switchModel(switchIndex)
    .control.tableEntries(SERVER_MAP)
    .map((e) => Number(e.key[0]?.kind === "exact" ? e.key[0].value : -1))
    .sort((a, b) => a - b);
}

async function waitUntil(what: string, predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test.serial("slb demo --switches 2: a switch killed and restarted, another cut off from the controller, no session lost", async (t) => {
  let output = "";
  const summary = await runDemo({
    servers: 4,
    durationS: 8,
    switches: 2,
    startSystem: (servers) => startEmbeddedSystem({ servers, replication: "sync", seed: 7, switches: 2 }),
    out: { write: (text: string) => (output += text), isTTY: false },
  });
  const lines = formatSummary(summary);
  t.log(lines.join("\n"));
  t.is(lines[lines.length - 1], "sessions lost: 0");
  t.deepEqual(summary.violations, []);
  t.regex(output, /killed switch 0/);
  t.regex(output, /started switch 0/);
  t.regex(output, /cut switch 1 off from the controller/);
  t.regex(output, /healed switch 1/);
  t.is(summary.timeline.events.length, 7, "three server faults and four switch faults");
});

test.serial("a switch cut off from the controller keeps its tables until the network heals, then is resynced", async (t) => {
  const system = await startEmbeddedSystem({ servers: 3, replication: "sync", seed: 3, switches: 2, maxClients: 2 });
  try {
    const controller = system.controllerObject()!;
    t.deepEqual(controller.status().switches.map((s) => s.active), [true, true]);
    t.deepEqual(primariesIn(system, 0), [1, 2, 3]);
    t.deepEqual(primariesIn(system, 1), [1, 2, 3]);
    const client = await system.newClient();
    const session = client.newSession();
    for (let i = 0; i < 5; i++) await client.incr(session);

    system.partitionSwitch(1);
    await waitUntil("the controller to lose switch 1", () => !controller.status().switches[1]!.active);
    const victim: ServerId = serverId(decodeCookie(client.cookieOf(session)).primary);
    await system.killServer(victim);
    await waitUntil(`switch 0 to drop server ${victim}`, () => !primariesIn(system, 0).includes(victim));
    t.true(primariesIn(system, 1).includes(victim), "the cut-off switch still names the dead server: nobody could tell it");
    // The session carries on (through switch 0 when switch 1 cannot place it).
    const answer = await client.incr(session);
    t.is(answer.counter, 6);
    t.not(decodeCookie(answer.cookieReceived).primary, victim);

    system.healSwitch(1);
    await waitUntil("the controller to resync switch 1", () => controller.status().switches[1]!.active);
    await controller.idle();
    t.deepEqual(primariesIn(system, 1), primariesIn(system, 0), "both switches hold the same state again");
    t.false(primariesIn(system, 1).includes(victim));
    t.is((await client.incr(session)).counter, 7);
    await client.close();
  } finally {
    await system.close();
  }
});
