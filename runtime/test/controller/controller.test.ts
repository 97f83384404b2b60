import test from "ava";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { group, member, tableEntry, type TableEntry } from "../../src/p4rt/entities.ts";
import { LB_NAMES, NEW_SESSION_GROUP } from "../../src/controller/lb_program.ts";
import { nextEvent, primaryIds, startBench } from "./harness.ts";
import { FakeServer } from "./fake_servers.ts";
import { Controller } from "../../src/controller/controller.ts";

test("initial programming: every table filled, membership epoch pushed to every server", async (t) => {
  // No periodic probes: nothing but the start-up sync and the explicit reconcile may write.
  const bench = await startBench([1, 2, 3], { intervalMs: 60_000 });
  try {
    const c = bench.controller();
    await c.start();
    t.true(c.isActive);
    t.deepEqual(primaryIds(await bench.read(LB_NAMES.serverMap)), [1, 2, 3]);
    t.is((await bench.read(LB_NAMES.vip)).length, 1);
    t.is((await bench.read(LB_NAMES.serverSource)).length, 3);
    t.is((await bench.read(LB_NAMES.failoverSelect)).length, 3);
    t.is((await bench.read(LB_NAMES.ipv4Lpm)).length, 4, "three server /32 routes and the client route");
    const [vipGroup] = await bench.readAll(group(LB_NAMES.newSessionSelector, NEW_SESSION_GROUP));
    t.deepEqual(vipGroup?.type === "action_profile_group" ? vipGroup.members!.map((m) => m.memberId).sort() : [], [1, 2, 3]);
    for (const f of bench.fakes.values()) {
      t.is(f.lastMembership()?.epoch, 1);
      t.deepEqual(f.lastMembership()?.servers.map((s) => s.state), ["up", "up", "up"]);
    }
    const before = c.status().updatesWritten;
    const plan = await c.reconcileNow();
    t.is(plan.inserts + plan.modifies + plan.deletes, 0, "nothing to write when nothing changed");
    t.deepEqual(c.status().updatesWritten, before);
  } finally {
    await bench.close();
  }
});

test("a server failing its probes is taken out by a minimal diff and the new epoch is pushed", async (t) => {
  const bench = await startBench([1, 2, 3]);
  try {
    const c = bench.controller();
    await c.start();
    const reprogrammed = nextEvent(c, "reconciled", (e) => e.reason === "server 2 down");
    const down = nextEvent(c, "membership_pushed", (e) => (e.servers as string[]).includes("2:down"));
    bench.fakes.get(2)!.alive = false;
    const r = await reprogrammed;
    const pushed = await down;
    await c.idle();
    t.deepEqual(primaryIds(await bench.read(LB_NAMES.serverMap)), [1, 3]);
    // server_map 2 deleted (its members stay, in no group); VIP group and the failover groups of 1 and 3 modified.
    t.is(r.deletes, 1);
    t.is(r.modifies, 3);
    t.is(r.inserts, 0);
    t.true(Number(pushed.epoch) > 1, "a higher epoch than the start-up one");
    const seen = bench.fakes.get(1)!.memberships.find((m) => m.epoch === pushed.epoch);
    t.deepEqual(seen?.servers.map((s) => `${s.id}:${s.state}`), ["1:up", "2:down", "3:up"]);
    const groupsWith2 = (await bench.readAll(group(LB_NAMES.failoverSelector, 0))).filter((g) => g.type === "action_profile_group" && g.members?.some((m) => m.memberId === 2));
    t.deepEqual(groupsWith2, [], "no group can pick the dead server");

    const back = nextEvent(c, "membership_pushed", (e) => (e.servers as string[]).includes("2:up"));
    bench.fakes.get(2)!.alive = true;
    await back;
    await c.idle();
    const entry = (await bench.read(LB_NAMES.serverMap)).find((e) => e.match?.["meta.primary_id"] === 2n);
    t.truthy(entry, "server 2 is back in server_map");
    t.is(entry?.action?.kind === "action" ? entry.action.action.params?.["generation"] : undefined, 2n, "with a new generation");
  } finally {
    await bench.close();
  }
});

test("a failure digest triggers an immediate probe: dead -> out at once, alive -> new generation", async (t) => {
  // Probes are rare and need many failures, so only the digest can explain a quick change.
  const bench = await startBench([1, 2, 3], { intervalMs: 60_000, fall: 50 });
  try {
    const c = bench.controller();
    await c.start();
    // Server 2 alive: a request to it goes unanswered past the switch's timeout -> digest -> probe answers -> generation bump.
    bench.sendRequest(2, 1, 0x1111n);
    bench.clockUs += 5_000n;
    const cleared = nextEvent(c, "server_up", (e) => e.server === 2);
    bench.sendRequest(2, 1, 0x1111n);
    const digest = await nextEvent(c, "digest");
    t.is(digest.server, 2);
    await cleared;
    await c.idle();
    const entry2 = (await bench.read(LB_NAMES.serverMap)).find((e) => e.match?.["meta.primary_id"] === 2n);
    t.is(entry2?.action?.kind === "action" ? entry2.action.action.params?.["generation"] : undefined, 2n);

    // Server 3 dead: the digest's probe fails and it is out without waiting for 50 failed probes.
    bench.fakes.get(3)!.alive = false;
    bench.sendRequest(3, 1, 0x2222n);
    bench.clockUs += 5_000n;
    const down = nextEvent(c, "server_down", (e) => e.server === 3);
    bench.sendRequest(3, 1, 0x2222n);
    t.regex(String((await down).reason), /data-plane/);
    await c.idle();
    t.deepEqual(primaryIds(await bench.read(LB_NAMES.serverMap)), [1, 2]);
  } finally {
    await bench.close();
  }
});

test("drain: out of new sessions and server_map, told to servers as draining; undo brings it back", async (t) => {
  const bench = await startBench([1, 2, 3]);
  try {
    const c = bench.controller();
    await c.start();
    const status = await c.drain(2);
    t.is(status.mode, "draining");
    t.deepEqual(primaryIds(await bench.read(LB_NAMES.serverMap)), [1, 3]);
    const [vipGroup] = await bench.readAll(group(LB_NAMES.newSessionSelector, NEW_SESSION_GROUP));
    t.deepEqual(vipGroup?.type === "action_profile_group" ? vipGroup.members!.map((m) => m.memberId).sort() : [], [1, 3]);
    t.is((await bench.read(LB_NAMES.serverSource)).length, 3, "responses from the draining server still get SNAT");
    t.deepEqual(bench.fakes.get(1)!.lastMembership()?.servers.find((s) => s.id === 2)?.state, "draining");
    // Through the switch: a session on 2 (secondary 1) moves to 3, flagged FAILOVER; a session on 1 stays.
    t.deepEqual(bench.routeRequest(2, 1, 0x42n), { port: 3, dst: "10.0.0.3", failover: true });
    t.deepEqual(bench.routeRequest(1, 2, 0x43n), { port: 1, dst: "10.0.0.1", failover: false });
    for (let session = 1n; session <= 20n; session++) t.not(bench.routeRequest(0, 0, session)?.dst, "10.0.0.2", "no new session lands on 2");
    t.is((await c.drain(2, false)).mode, "up");
    t.deepEqual(primaryIds(await bench.read(LB_NAMES.serverMap)), [1, 2, 3]);
  } finally {
    await bench.close();
  }
});

test("a server added at run time is routed at once and takes sessions once its probes pass", async (t) => {
  const bench = await startBench([1, 2]);
  const extra = await FakeServer.start(4);
  try {
    const c = bench.controller();
    await c.start();
    const order: string[] = [];
    c.events.subscribe((e) => {
      if (e.server === 4) order.push(e.kind);
    });
    const up = nextEvent(c, "server_up", (e) => e.server === 4);
    await c.addServer({ ...bench.topology.servers[0]!, id: 4 as never, ip: "10.0.0.4", mac: "02:00:00:00:00:04", switchPort: 4, mgmt: { ip: "127.0.0.1", port: extra.port } });
    t.true((await bench.read(LB_NAMES.ipv4Lpm)).some((e) => (e.match?.["hdr.ipv4.dst_addr"] as { value: bigint }).value === 0x0a000004n));
    await up;
    t.deepEqual(order.slice(0, 2), ["server_added", "server_up"], "added as down, up only after its probes");
    await c.idle();
    t.deepEqual(primaryIds(await bench.read(LB_NAMES.serverMap)), [1, 2, 4]);
    t.is((await bench.read(LB_NAMES.failoverSelect)).length, 3);
    t.deepEqual(extra.lastMembership()?.servers.map((s) => s.id), [1, 2, 4]);
    await c.removeServer(4);
    t.deepEqual(primaryIds(await bench.read(LB_NAMES.serverMap)), [1, 2]);
    t.deepEqual(await bench.readAll(member(LB_NAMES.failoverSelector, 4)), [], "a removed server is picked by no group");
    const [retired] = await bench.readAll(group(LB_NAMES.failoverSelector, 4));
    t.deepEqual(retired?.type === "action_profile_group" ? retired.members!.map((m) => m.memberId).sort() : [], [1, 2], "sessions naming it as secondary can still fail over");
    t.false(c.serverList().some((s) => s.id === 4));
  } finally {
    extra.close();
    await bench.close();
  }
});

test("a restarted controller keeps the pipeline, rewrites nothing, and remembers drains in its state file", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "slb-ctl-state-"));
  const stateFile = join(dir, "state.json");
  const bench = await startBench([1, 2, 3]);
  try {
    const first = bench.controller(10n, {}, { stateFile });
    await first.start();
    await first.drain(3);
    t.deepEqual(JSON.parse(readFileSync(stateFile, "utf8")), { drained: [3], retired: [] });
    first.stop();
    const second = bench.controller(10n, {}, { stateFile });
    const kept = nextEvent(second, "pipeline_kept");
    const reconciled = nextEvent(second, "reconciled");
    await second.start();
    await kept;
    const r = await reconciled;
    t.is(r.reason, "start-up");
    t.is(Number(r.inserts) + Number(r.modifies) + Number(r.deletes), 0, "adopted state equals the switch's");
    t.deepEqual(primaryIds(await bench.read(LB_NAMES.serverMap)), [1, 2]);
    t.is(second.serverList().find((s) => s.id === 3)?.mode, "draining", "the drain survived the restart");
  } finally {
    await bench.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a backup controller stays passive and takes over when the primary dies", async (t) => {
  const bench = await startBench([1, 2]);
  try {
    const primary = bench.controller(20n);
    const backup = bench.controller(10n);
    await primary.start();
    await backup.start();
    t.true(primary.isActive);
    t.false(backup.isActive);
    t.is(backup.status().role, "backup");
    t.is(backup.status().updatesWritten.inserts, 0);
    const takeover = nextEvent(backup, "reconciled");
    primary.stop();
    const r = await takeover;
    t.true(backup.isActive);
    t.is(Number(r.inserts) + Number(r.modifies) + Number(r.deletes), 0, "the backup found the switch as it wants it");
    const down = nextEvent(backup, "server_down", (e) => e.server === 1);
    bench.fakes.get(1)!.alive = false;
    await down;
    await backup.idle();
    t.deepEqual(primaryIds(await bench.read(LB_NAMES.serverMap)), [2], "the new primary reprograms the switch");
  } finally {
    await bench.close();
  }
});

test("after the switch restarts, the controller reloads the pipeline and reprograms it", async (t) => {
  const bench = await startBench([1, 2], { intervalMs: 60_000 });
  try {
    const c = bench.controller();
    await c.start();
    const port = bench.switchServer.port;
    const reloaded = nextEvent(c, "pipeline_loaded");
    const reprogrammed = nextEvent(c, "reconciled");
    const restarted = await bench.restartSwitch(port);
    await reloaded;
    const r = await reprogrammed;
    t.true(Number(r.inserts) > 0, "the empty switch got its entries back");
    await c.idle();
    t.deepEqual(primaryIds((await restarted.readAll(tableEntry(LB_NAMES.serverMap))) as TableEntry[]), [1, 2]);
  } finally {
    await bench.close();
  }
});

test("a controller stopped while its start-up probe round is in flight starts no probing and writes nothing afterwards", async (t) => {
  const bench = await startBench([1, 2]);
  try {
    let probes = 0;
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const c = new Controller({
      topology: bench.topology,
      pipeline: bench.pipeline,
      electionId: 10n,
      prober: async () => {
        probes++;
        await held;
        return { ok: true, rttMs: 1, epoch: 0 };
      },
    });
    const started = c.start();
    while (probes === 0) await new Promise((r) => setTimeout(r, 5));
    c.stop();
    release();
    await started;
    const atStop = probes;
    await new Promise((r) => setTimeout(r, 5 * bench.topology.health.intervalMs));
    t.is(probes, atStop, "no probe after stop");
    t.false(c.isActive);
    t.deepEqual(await bench.read(LB_NAMES.serverMap), [], "nothing written after stop");
  } finally {
    await bench.close();
  }
});
