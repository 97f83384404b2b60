import test from "ava";
import { P4Schema } from "../../src/p4rt/p4info.ts";
import type { Entity, TableEntry, Update } from "../../src/p4rt/entities.ts";
import { decodeEntity, encodeEntity } from "../../src/p4rt/codec.ts";
import { decodeMessage, encodeMessage } from "../../../bmv2/src/p4runtime/proto.ts";
import { parseTopology, type ServerConfig } from "../../src/controller/config.ts";
import { desiredLbState, LB_NAMES, timeUnitsPerUs, type ServerView } from "../../src/controller/lb_program.ts";
import { planReconcile } from "../../src/controller/reconcile.ts";
import { lbP4Info } from "./lb_p4info_fixture.ts";

const schema = new P4Schema(lbP4Info());

const topology = parseTopology(
  {
    switch: { address: "127.0.0.1:1" },
    pipeline: { json: "x.json", p4info: "x.txtpb" },
    vip: { ip: "10.0.0.100", port: 7700, mac: "02:00:00:00:00:64" },
    servers: [1, 2, 3].map((i) => ({ id: i, ip: `10.0.0.${i}`, mac: `02:00:00:00:00:0${i}`, switchPort: i, mgmt: `127.0.0.1:${9100 + i}` })),
    routes: [{ prefix: "10.0.1.0/24", switchPort: 10, mac: "02:00:00:00:01:00" }],
  },
  "/tmp",
);

const views = (modes: Record<number, ServerView["mode"]>, generation = 1): ServerView[] =>
  topology.servers.map((s: ServerConfig) => ({ config: s, mode: modes[s.id] ?? "up", generation }));

/** What the switch would hand back after applying these updates: entities through the wire. */
function switchAfter(updates: readonly Update[], before: readonly Entity[] = []): Entity[] {
  const state = new Map<string, Entity>();
  const key = (e: Entity): string =>
    JSON.stringify(
      encodeEntity(
        schema,
        e.type === "table_entry" || e.type === "action_profile_member"
          ? { ...e, action: undefined }
          : e.type === "action_profile_group"
            ? { ...e, members: [] }
            : e.type === "digest_entry"
              ? { type: e.type, digest: e.digest }
              : e,
      ),
    );
  for (const e of before) state.set(key(e), e);
  for (const u of updates) {
    const wire = decodeEntity(schema, decodeMessage("p4.v1.Entity", encodeMessage("p4.v1.Entity", encodeEntity(schema, u.entity))))!;
    if (u.type === "DELETE") state.delete(key(wire));
    else state.set(key(wire), wire);
  }
  return [...state.values()];
}

test("a fresh switch gets everything inserted, in dependency order", (t) => {
  const desired = desiredLbState(topology, views({}));
  const plan = planReconcile(schema, desired, { entities: [], unreadableDigests: new Set() });
  t.is(plan.deletes, 0);
  t.is(plan.modifies, 1, "the detect_config default action is a MODIFY");
  t.is(plan.inserts + plan.modifies, desired.entities.length);
  const kinds = plan.batches.map((b) => new Set(b.map((u) => u.entity.type)));
  t.deepEqual([...kinds[0]!], ["action_profile_member"]);
  t.deepEqual([...kinds[1]!], ["action_profile_group"]);
  t.deepEqual([...kinds[2]!].sort(), ["digest_entry", "table_entry"], "entries, the default action and the digest configuration");
});

test("a switch that already holds the desired state gets no writes", (t) => {
  const desired = desiredLbState(topology, views({}));
  const first = planReconcile(schema, desired, { entities: [], unreadableDigests: new Set() });
  const state = switchAfter(first.batches.flat());
  const again = planReconcile(schema, desired, { entities: state, unreadableDigests: new Set() });
  t.deepEqual(again.batches, []);
});

test("a server going down changes only what names it", (t) => {
  const before = switchAfter(planReconcile(schema, desiredLbState(topology, views({})), { entities: [], unreadableDigests: new Set() }).batches.flat());
  const plan = planReconcile(schema, desiredLbState(topology, views({ 2: "down" })), { entities: before, unreadableDigests: new Set() });
  const updates = plan.batches.flat();
  // server_map entry 2 goes; the VIP group and the failover groups of 1 and 3 shrink. The members
  // of 2 stay (so every switch keeps the same member order, whatever it lived through).
  t.is(plan.deletes, 1);
  t.is(plan.inserts, 0);
  t.is(plan.modifies, 3, "new-session group + failover groups 1 and 3 (group 2 already excludes 2)");
  const deletes = updates.filter((u) => u.type === "DELETE").map((u) => u.entity.type);
  t.deepEqual(deletes, ["table_entry"]);
  const groups = updates.filter((u) => u.entity.type === "action_profile_group").map((u) => (u.entity.type === "action_profile_group" ? u.entity.members?.map((m) => m.memberId) : []));
  for (const members of groups) t.false(members?.includes(2), "no group can pick the dead server");
  const after = switchAfter(updates, before);
  t.deepEqual(planReconcile(schema, desiredLbState(topology, views({ 2: "down" })), { entities: after, unreadableDigests: new Set() }).batches, []);
});

test("the last live server's failover group holds itself; no live server: no groups", (t) => {
  const lone = desiredLbState(topology, views({ 1: "down", 2: "down" }));
  const groups = lone.entities.filter((e) => e.type === "action_profile_group" && e.profile.endsWith("failover_selector"));
  t.is(groups.length, 3);
  for (const g of groups) t.deepEqual(g.type === "action_profile_group" ? g.members?.map((m) => m.memberId) : [], [3]);
  const none = desiredLbState(topology, views({ 1: "down", 2: "down", 3: "down" }));
  t.false(none.entities.some((e) => e.type === "action_profile_group"));
  t.is(none.entities.filter((e) => e.type === "action_profile_member").length, 6, "one member per server in each profile, live or not");
  t.false(none.entities.some((e) => e.type === "table_entry" && (e.table === LB_NAMES.failoverSelect || e.table === LB_NAMES.newSessionSelect)));
});

test("draining takes a server out of new sessions, server_map and failover picks, but keeps SNAT and its route", (t) => {
  const desired = desiredLbState(topology, views({ 2: "draining" }));
  const names = (table: string): TableEntry[] => desired.entities.filter((e): e is TableEntry => e.type === "table_entry" && e.table === table);
  t.false(names(LB_NAMES.serverMap).some((e) => e.match?.["meta.primary_id"] === 2));
  t.true(names(LB_NAMES.serverSource).some((e) => e.match?.["hdr.ipv4.src_addr"] === "10.0.0.2"));
  t.true(names(LB_NAMES.ipv4Lpm).some((e) => e.match?.["hdr.ipv4.dst_addr"] === "10.0.0.2/32"));
  const groups = desired.entities.filter((e) => e.type === "action_profile_group");
  for (const g of groups) t.false(g.type === "action_profile_group" && g.members!.some((m) => m.memberId === 2));
});

test("a generation bump is one MODIFY of the server_map entry", (t) => {
  const before = switchAfter(planReconcile(schema, desiredLbState(topology, views({})), { entities: [], unreadableDigests: new Set() }).batches.flat());
  const bumped = views({}).map((v) => (v.config.id === 3 ? { ...v, generation: 2 } : v));
  const plan = planReconcile(schema, desiredLbState(topology, bumped), { entities: before, unreadableDigests: new Set() });
  t.is(plan.modifies, 1);
  t.is(plan.inserts + plan.deletes, 0);
  const u = plan.batches.flat()[0]!;
  t.is(u.entity.type === "table_entry" ? u.entity.table : "", LB_NAMES.serverMap);
});

test("entries outside the desired state are deleted, const entries are left alone", (t) => {
  const stray = { type: "table_entry" as const, table: "SessionLbIngress.forwarding.ipv4_lpm", match: { "hdr.ipv4.dst_addr": { value: 0x0b000000n, prefixLen: 8 } }, action: { kind: "action" as const, action: { name: "SessionLbIngress.forwarding.no_route", params: {} } } };
  const constEntry = { ...stray, match: { "hdr.ipv4.dst_addr": { value: 0x0c000000n, prefixLen: 8 } }, isConst: true };
  const before = [...switchAfter(planReconcile(schema, desiredLbState(topology, views({})), { entities: [], unreadableDigests: new Set() }).batches.flat()), stray, constEntry];
  const plan = planReconcile(schema, desiredLbState(topology, views({})), { entities: before, unreadableDigests: new Set() });
  t.is(plan.deletes, 1);
  t.is(plan.inserts + plan.modifies, 0);
});

test("a digest the switch cannot read back is left out of the diff (configured blindly at start-up)", (t) => {
  const desired = desiredLbState(topology, views({}));
  const plan = planReconcile(schema, desired, { entities: [], unreadableDigests: new Set([LB_NAMES.downDigest]) });
  t.false(plan.batches.flat().some((u) => u.entity.type === "digest_entry"));
  t.is(plan.inserts + plan.modifies, desired.entities.length - 1);
});

test("the failure timeout is written in the switch's time units (microseconds on v1model, nanoseconds on TNA)", (t) => {
  const timeout = (units: number): unknown => {
    const e = desiredLbState(topology, views({}), { timeUnitsPerUs: units }).entities.find((x) => x.type === "table_entry" && x.table === LB_NAMES.detectConfig);
    return e?.type === "table_entry" && e.action?.kind === "action" ? e.action.action.params?.["timeout_us"] : undefined;
  };
  t.is(timeout(timeUnitsPerUs("v1model")), topology.failure.responseTimeoutUs);
  t.is(timeout(timeUnitsPerUs("tna")), topology.failure.responseTimeoutUs * 1000);
});

test("removed servers keep a failover group of live servers for sessions naming them as secondary", (t) => {
  const desired = desiredLbState(topology, views({}), { retiredSecondaries: [9] });
  const g = desired.entities.find((e) => e.type === "action_profile_group" && e.profile === LB_NAMES.failoverSelector && e.groupId === 9);
  t.deepEqual(g?.type === "action_profile_group" ? g.members?.map((m) => m.memberId) : undefined, [1, 2, 3]);
  t.true(desired.entities.some((e) => e.type === "table_entry" && e.table === LB_NAMES.failoverSelect && e.match?.["meta.secondary_id"] === 9));
});
