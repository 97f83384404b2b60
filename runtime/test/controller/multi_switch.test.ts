/**
 * One controller, several switches: the same LB state on each, identical routing whatever each
 * switch lived through, a switch that is down synced when it returns without writes to the
 * others, every switch's digests feeding one server view, a backup taking over every switch,
 * and several VIPs with their own pools.
 */
import test from "ava";
import { group, member, type Entity } from "../../src/p4rt/entities.ts";
import { LB_NAMES, NEW_SESSION_GROUP } from "../../src/controller/lb_program.ts";
import type { Controller } from "../../src/controller/controller.ts";
import { nextEvent, primaryIds } from "./harness.ts";
import { Fabric } from "./fabric.ts";

/** Group id -> member ids, as the switch holds them. */
function groupsOf(entities: readonly Entity[]): Record<number, number[]> {
  const out: Record<number, number[]> = {};
  for (const e of entities) if (e.type === "action_profile_group") out[e.groupId] = (e.members ?? []).map((m) => m.memberId).sort((a, b) => a - b);
  return out;
}

async function lbState(f: Fabric, i: number): Promise<unknown> {
  return {
    serverMap: primaryIds(await f.read(i, LB_NAMES.serverMap)),
    members: (await f.readAll(i, member(LB_NAMES.failoverSelector, 0))).length,
    newSession: groupsOf(await f.readAll(i, group(LB_NAMES.newSessionSelector, 0))),
    failover: groupsOf(await f.readAll(i, group(LB_NAMES.failoverSelector, 0))),
    generations: Object.fromEntries(
      (await f.read(i, LB_NAMES.serverMap)).map((e) => [String(e.match?.["meta.primary_id"]), e.action?.kind === "action" ? String(e.action.action.params?.["generation"]) : "?"]),
    ),
  };
}

async function settle(c: Controller, kind: Parameters<typeof nextEvent>[1], match: Parameters<typeof nextEvent>[2], act: () => void): Promise<void> {
  const seen = nextEvent(c, kind, match, 10_000);
  act();
  await seen;
  await c.idle();
}

test("every switch gets the same LB state; only the ports of its routes differ", async (t) => {
  const f = await Fabric.start({ switches: 2, servers: [1, 2, 3] });
  try {
    const c = f.controller();
    await c.start();
    await c.idle();
    t.true(c.status().switches.every((s) => s.active && s.role === "primary"));
    t.deepEqual(await lbState(f, 0), await lbState(f, 1));
    t.deepEqual(primaryIds(await f.read(0, LB_NAMES.serverMap)), [1, 2, 3]);
    for (let i = 0; i < 2; i++) {
      const ports = (await f.read(i, LB_NAMES.ipv4Lpm)).map((e) => (e.action?.kind === "action" ? Number(e.action.action.params?.["port"]) : -1)).sort((a, b) => a - b);
      t.deepEqual(ports, [1 + 20 * i, 2 + 20 * i, 3 + 20 * i, 10].sort((a, b) => a - b), `switch ${i} routes to the servers' ports on it`);
    }
    for (const fake of f.fakes.values()) t.is(fake.lastMembership()?.epoch, 1, "one epoch, pushed once, not once per switch");
  } finally {
    await f.close();
  }
});

test("the same session id and cookie go to the same server on every switch, whatever each switch lived through", async (t) => {
  const f = await Fabric.start({ switches: 2, servers: [1, 2, 3, 4, 5] });
  try {
    const c = f.controller();
    await c.start();
    await c.idle();
    // Switch s2 goes away; s1 lives through server 2 dying and coming back.
    await f.stopSwitch(1);
    await settle(c, "reconciled", (e) => e.reason === "server 2 down", () => (f.fakes.get(2)!.alive = false));
    await settle(c, "reconciled", (e) => e.reason === "server 2 up", () => (f.fakes.get(2)!.alive = true));
    const s1Writes = c.status().switches[0]!.updatesWritten;
    // s2 comes back empty: the controller syncs it, and writes nothing to s1 for that.
    await settle(c, "reconciled", (e) => e.switch === "s2", () => void f.startSwitch(1));
    t.deepEqual(c.status().switches[0]!.updatesWritten, s1Writes, "s1 untouched by s2's sync");
    t.true(c.status().switches[1]!.active);
    // Both now go through server 4 dying: failover groups without it.
    await settle(c, "reconciled", (e) => e.reason === "server 4 down" && e.switch === "s2", () => (f.fakes.get(4)!.alive = false));
    await c.idle();
    t.deepEqual(await lbState(f, 0), await lbState(f, 1));

    const servers = [1, 2, 3, 4, 5];
    const picked = new Set<string>();
    let failovers = 0;
    for (let n = 0; n < 1500; n++) {
      const session = 0x1000_0000_0000n + BigInt(n) * 7919n;
      const primary = n % 3 === 0 ? 0 : servers[n % 5]!;
      const secondary = primary === 0 ? 0 : servers[(n + 1 + (n % 4)) % 5]!;
      if (primary !== 0 && primary === secondary) continue;
      const a = f.route(0, primary, secondary, session);
      const b = f.route(1, primary, secondary, session);
      t.deepEqual(a && { dst: a.dst, failover: a.failover }, b && { dst: b.dst, failover: b.failover }, `session ${session} cookie ${primary}/${secondary}`);
      if (a) picked.add(a.dst);
      if (a?.failover) failovers++;
    }
    t.deepEqual([...picked].sort(), ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.5"], "spread over every live server, never the dead one");
    t.true(failovers > 100, "sessions of the dead primary failed over the same way on both");
  } finally {
    await f.close();
  }
});

test("a switch that is down when the controller starts is synced when it comes up", async (t) => {
  const f = await Fabric.start({ switches: 2, servers: [1, 2] });
  try {
    await f.stopSwitch(1);
    const c = f.controller();
    await c.start(1_000);
    await c.idle();
    t.true(c.isActive, "active on the switch it reached");
    t.deepEqual(c.status().switches.map((s) => s.active), [true, false]);
    await settle(c, "reconciled", (e) => e.switch === "s2", () => void f.startSwitch(1));
    t.deepEqual(await lbState(f, 1), await lbState(f, 0));
  } finally {
    await f.close();
  }
});

test("a controller that reaches no switch fails to start, naming each", async (t) => {
  const f = await Fabric.start({ switches: 2, servers: [1] });
  try {
    await f.stopSwitch(0);
    await f.stopSwitch(1);
    const c = f.controller();
    await t.throwsAsync(() => c.start(500), { message: /no switch reachable: s1: .*; s2: / });
  } finally {
    await f.close();
  }
});

test("a down mark on any switch feeds the one server view: the server leaves every switch", async (t) => {
  // Probes alone would take long to notice (fall 100): the digest decides.
  const f = await Fabric.start({ switches: 2, servers: [1, 2, 3], health: { intervalMs: 200, fall: 100 } });
  try {
    const c = f.controller();
    await c.start();
    await c.idle();
    f.fakes.get(3)!.alive = false;
    const down = nextEvent(c, "server_down", (e) => e.server === 3, 5_000);
    const digest = nextEvent(c, "digest", (e) => e.server === 3, 5_000);
    f.route(1, 3, 1, 0x4242n);
    f.advanceClock(1, 5_000n);
    f.route(1, 3, 1, 0x4242n);
    t.is((await digest).switch, "s2", "the digest came from the switch that saw the silence");
    t.regex(String((await down).reason), /data-plane/);
    await c.idle();
    t.deepEqual(primaryIds(await f.read(0, LB_NAMES.serverMap)), [1, 2], "s1 too, though its data plane saw nothing");
    t.deepEqual(primaryIds(await f.read(1, LB_NAMES.serverMap)), [1, 2]);
  } finally {
    await f.close();
  }
});

test("a backup controller takes over every switch", async (t) => {
  const f = await Fabric.start({ switches: 3, servers: [1, 2] });
  try {
    const primary = f.controller(20n);
    const backup = f.controller(10n);
    await primary.start();
    await backup.start();
    await primary.idle();
    t.true(primary.isActive);
    t.false(backup.isActive);
    t.deepEqual(backup.status().switches.map((s) => s.role), ["backup", "backup", "backup"]);
    const synced = ["s1", "s2", "s3"].map((name) => nextEvent(backup, "reconciled", (e) => e.switch === name, 10_000));
    primary.stop();
    const plans = await Promise.all(synced);
    t.true(backup.isActive);
    t.deepEqual(backup.status().switches.map((s) => s.active), [true, true, true]);
    t.is(plans.reduce((n, e) => n + Number(e.inserts) + Number(e.modifies) + Number(e.deletes), 0), 0, "every switch was as the backup wants it");
    await settle(backup, "reconciled", (e) => e.reason === "server 1 down" && e.switch === "s3", () => (f.fakes.get(1)!.alive = false));
    await backup.idle();
    for (let i = 0; i < 3; i++) t.deepEqual(primaryIds(await f.read(i, LB_NAMES.serverMap)), [2], `switch ${i} reprogrammed by the backup`);
  } finally {
    await f.close();
  }
});

test("several VIPs: each has its own pool for new sessions, failover, SNAT and membership", async (t) => {
  const f = await Fabric.start({
    switches: 2,
    servers: [1, 2, 3, 4, 5],
    vips: [
      { name: "web", ip: "10.0.0.100", servers: [1, 2, 3] },
      { name: "api", ip: "10.0.0.101", servers: [4, 5] },
    ],
  });
  try {
    const c = f.controller();
    await c.start();
    await c.idle();
    t.deepEqual(groupsOf(await f.readAll(0, group(LB_NAMES.newSessionSelector, 0))), { [NEW_SESSION_GROUP]: [1, 2, 3], [NEW_SESSION_GROUP + 1]: [4, 5] });
    for (let n = 0; n < 200; n++) {
      const web = f.route(n % 2, 0, 0, BigInt(n + 1), "10.0.0.100");
      const api = f.route(n % 2, 0, 0, BigInt(n + 1), "10.0.0.101");
      t.true(["10.0.0.1", "10.0.0.2", "10.0.0.3"].includes(web?.dst ?? ""), `web session ${n} went to ${web?.dst}`);
      t.true(["10.0.0.4", "10.0.0.5"].includes(api?.dst ?? ""), `api session ${n} went to ${api?.dst}`);
    }
    t.is(f.respond(0, 4, 4), "10.0.0.101", "an api server's answer leaves as the api VIP");
    t.is(f.respond(1, 2, 22), "10.0.0.100", "a web server's answer leaves as the web VIP");
    t.deepEqual(f.fakes.get(4)!.lastMembership()?.servers.map((s) => s.id), [4, 5], "a server is told its own pool");
    t.deepEqual(f.fakes.get(1)!.lastMembership()?.servers.map((s) => s.id), [1, 2, 3]);
    t.is(f.fakes.get(4)!.lastMembership()?.epoch, f.fakes.get(1)!.lastMembership()?.epoch, "one epoch for all pools");

    await settle(c, "reconciled", (e) => e.reason === "server 1 down" && e.switch === "s2", () => (f.fakes.get(1)!.alive = false));
    await c.idle();
    for (let n = 0; n < 100; n++) {
      const r = f.route(n % 2, 1, 2, BigInt(1000 + n), "10.0.0.100");
      t.like(r, { dst: "10.0.0.3", failover: true }, "a web session whose primary died stays in the web pool, never on its secondary");
    }
  } finally {
    await f.close();
  }
});
