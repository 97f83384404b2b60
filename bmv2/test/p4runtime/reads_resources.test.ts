/** Traces 04 (reads) and 05 (registers, counters, direct counters), plus PRE entries, against our server. */
import * as grpc from "@grpc/grpc-js";
import test from "ava";
import { port } from "../../src/dataplane/api.ts";
import { eid, fixtureProgram, hex, startRig, type Client, type Msg, type Rig } from "./harness.ts";

const program = fixtureProgram("sel");
const DMAC = 44918510;
const ACL = 37519123;
const ECMP = 43283160;
const DROP = 25652968;
const NO_ACTION = 21257015;
const REG1 = 372139963;
const CTR1 = 303593596;

async function setup(t: { teardown(f: () => Promise<void>): void }): Promise<{ rig: Rig; p: Client; write: (...updates: Msg[]) => ReturnType<Client["write"]> }> {
  const rig = await startRig();
  t.teardown(() => rig.close());
  const p = rig.client();
  await rig.primary(p, 1);
  await rig.load(p, program, 1);
  return { rig, p, write: (...updates) => p.write({ election_id: eid(1), updates }) };
}

const dmacInsert = (dst: string): Msg => ({
  type: "INSERT",
  entity: { table_entry: { table_id: DMAC, match: [{ field_id: 1, exact: { value: hex(dst) } }], action: { action: { action_id: DROP } } } },
});
const aclKey = (): Msg => ({
  table_id: ACL,
  match: [
    { field_id: 1, ternary: { value: hex("0800"), mask: hex("ffff") } },
    { field_id: 2, lpm: { value: hex("0a0000000000"), prefix_len: 8 } },
  ],
  priority: 10,
});

async function readAll(p: Client, entities: Msg[]): Promise<Msg[]> {
  const r = await p.read({ entities });
  if (!r.ok) throw new Error(`${r.code} ${r.details}`);
  return r.entities;
}

test("trace 04: wildcard, per-table, default, by-key reads and their errors", async (t) => {
  const { p, write } = await setup(t);
  await write(dmacInsert("020000000001"), dmacInsert("020000000003"), { type: "INSERT", entity: { table_entry: { ...aclKey(), action: { action: { action_id: DROP } } } } });
  await write({ type: "MODIFY", entity: { table_entry: { table_id: DMAC, is_default_action: true, action: { action: { action_id: DROP } } } } });

  t.is((await readAll(p, [{ table_entry: { table_id: 0 } }])).length, 3);
  t.is((await readAll(p, [{ table_entry: { table_id: DMAC } }])).length, 2);
  const def = await readAll(p, [{ table_entry: { table_id: DMAC, is_default_action: true } }]);
  t.deepEqual(
    def.map((e) => [e["table_entry"].is_default_action, e["table_entry"].action.action.action_id]),
    [[true, DROP]],
  );
  const defaults = await readAll(p, [{ table_entry: { is_default_action: true } }]);
  t.deepEqual(
    defaults.map((e) => [e["table_entry"].table_id, e["table_entry"].action?.action?.action_id ?? null]).sort(),
    [
      [ACL, NO_ACTION],
      [DMAC, DROP],
      [ECMP, null],
      [49250505, NO_ACTION],
    ].sort(),
  );
  const one = await readAll(p, [{ table_entry: { table_id: DMAC, match: [{ field_id: 1, exact: { value: hex("020000000003") } }] } }]);
  t.deepEqual(one.map((e) => Buffer.from(e["table_entry"].match[0].exact.value).toString("hex")), ["020000000003"]);
  t.deepEqual(await readAll(p, [{ table_entry: { table_id: DMAC, match: [{ field_id: 1, exact: { value: hex("020000000099") } }] } }]), []);

  t.like(await p.read({ entities: [{ table_entry: { table_id: 12345 } }] }), { ok: false, code: grpc.status.INVALID_ARGUMENT, details: "Invalid P4 id" });
  t.like(await p.read({ entities: [] }), { ok: true, entities: [], messages: 1 });
  t.like(await p.read({ device_id: "7", entities: [{ table_entry: {} }] }), { ok: false, code: grpc.status.FAILED_PRECONDITION });
  // 4g: several wildcards at once, registers included (bmv2 cannot read registers).
  const mixed = await readAll(p, [{ table_entry: {} }, { counter_entry: {} }, { register_entry: {} }, { action_profile_member: {} }, { packet_replication_engine_entry: { multicast_group_entry: {} } }]);
  t.is(mixed.filter((e) => e["entity"] === "table_entry").length, 3);
  t.is(mixed.filter((e) => e["entity"] === "counter_entry").length, 8);
  t.is(mixed.filter((e) => e["entity"] === "register_entry").length, 16);
});

test("trace 05: register reads and writes (which bmv2 does not support)", async (t) => {
  const { rig, p, write } = await setup(t);
  const reg = (index: number | undefined, value?: string): Msg => ({
    register_entry: { register_id: REG1, ...(index !== undefined ? { index: { index: String(index) } } : {}), ...(value !== undefined ? { data: { bitstring: hex(value) } } : {}) },
  });
  const cell = async (index: number) => Buffer.from((await readAll(p, [reg(index)]))[0]!["register_entry"].data.bitstring).toString("hex");
  t.is(await cell(0), "00");
  t.like(await write({ type: "MODIFY", entity: reg(3, "2a") }), { ok: true });
  t.is(await cell(3), "2a");
  const errors: [Msg, number, RegExp][] = [
    [{ type: "INSERT", entity: reg(4, "01") }, grpc.status.INVALID_ARGUMENT, /INSERT update type not supported for registers/],
    [{ type: "DELETE", entity: reg(4) }, grpc.status.INVALID_ARGUMENT, /DELETE update type not supported/],
    [{ type: "MODIFY", entity: reg(16, "01") }, grpc.status.OUT_OF_RANGE, /out of range/],
    [{ type: "MODIFY", entity: reg(5, "0100000000") }, grpc.status.INVALID_ARGUMENT, /does not fit within 32 bits/],
    [{ type: "MODIFY", entity: { register_entry: { register_id: 12345, index: { index: "0" }, data: { bitstring: hex("01") } } } }, grpc.status.INVALID_ARGUMENT, /Invalid P4 id/],
  ];
  for (const [u, code, message] of errors) {
    const r = await write(u);
    t.is(r.ok ? 0 : r.errors[0]!.canonical_code, code);
    t.regex(r.ok ? "" : r.errors[0]!.message, message);
  }
  t.is(await cell(5), "00");
  t.like(await write({ type: "MODIFY", entity: reg(undefined, "07") }), { ok: true }, "no index: every cell");
  const all = await readAll(p, [reg(undefined)]);
  t.is(all.length, 16);
  t.true(all.every((e) => Buffer.from(e["register_entry"].data.bitstring).toString("hex") === "07"));
  t.is((await readAll(p, [{ register_entry: {} }])).length, 16);
  t.like(await p.read({ entities: [reg(16)] }), { ok: false, code: grpc.status.OUT_OF_RANGE });
  // The data plane's own register writes show up in reads (count_it stores the EtherType in reg1[0]).
  rig.model.inject(port(1), hex("020000000077" + "020000000001" + "86dd" + "00".repeat(46)));
  t.is(await cell(0), "86dd");
});

test("trace 05: indexed counters read, MODIFY, errors, and data-plane counting", async (t) => {
  const { rig, p, write } = await setup(t);
  const ctr = (index?: number, data?: Msg): Msg => ({ counter_entry: { counter_id: CTR1, ...(index !== undefined ? { index: { index: String(index) } } : {}), ...(data ? { data } : {}) } });
  const data = async (index: number) => (await readAll(p, [ctr(index)]))[0]!["counter_entry"].data;
  t.like(await data(0), { byte_count: "0", packet_count: "0" });
  t.is((await readAll(p, [ctr()])).length, 8);
  t.like(await write({ type: "MODIFY", entity: ctr(2, { packet_count: "5", byte_count: "100" }) }), { ok: true });
  t.like(await data(2), { byte_count: "100", packet_count: "5" });
  const ins = await write({ type: "INSERT", entity: ctr(2, { packet_count: "1" }) });
  t.deepEqual(ins.ok ? [] : ins.errors.map((e) => [e.canonical_code, e.message]), [[grpc.status.INVALID_ARGUMENT, "INSERT update type not supported for counters"]]);
  t.like(await p.read({ entities: [ctr(8)] }), { ok: false, code: grpc.status.UNKNOWN, details: "Error when reading counter from target" });
  t.is((await readAll(p, [{ counter_entry: {} }])).length, 8);
  rig.model.inject(port(1), hex("020000000077" + "020000000001" + "0800" + "00".repeat(46)));
  t.like(await data(0), { packet_count: "1" });
});

test("trace 05: direct counters follow their entries and can be written", async (t) => {
  const { rig, p, write } = await setup(t);
  t.like(await write({ type: "INSERT", entity: { table_entry: { ...aclKey(), action: { action: { action_id: DROP } } } } }), { ok: true });
  rig.model.inject(port(1), hex("0a0000000001" + "020000000001" + "0800" + "00".repeat(46)));
  rig.model.inject(port(1), hex("0b0000000001" + "020000000001" + "0800" + "00".repeat(46)));
  const direct = await readAll(p, [{ direct_counter_entry: { table_entry: aclKey() } }]);
  t.is(direct[0]!["direct_counter_entry"].data.packet_count, "1", "only the packet to 10/8 hit the entry");

  const wildcard = await readAll(p, [{ direct_counter_entry: { table_entry: { table_id: ACL } } }]);
  t.is(wildcard.length, 1);
  t.is(wildcard[0]!["direct_counter_entry"].table_entry.action, null, "wildcard direct-counter reads name entries without their action");
  t.is(wildcard[0]!["direct_counter_entry"].table_entry.priority, 10);

  const withCounters = await readAll(p, [{ table_entry: { table_id: ACL, counter_data: {} } }]);
  t.is(withCounters[0]!["table_entry"].counter_data.packet_count, "1");
  const without = await readAll(p, [{ table_entry: { table_id: ACL } }]);
  t.is(without[0]!["table_entry"].counter_data, null);

  t.like(await write({ type: "MODIFY", entity: { direct_counter_entry: { table_entry: aclKey(), data: { packet_count: "9" } } } }), { ok: true });
  t.is((await readAll(p, [{ direct_counter_entry: { table_entry: aclKey() } }]))[0]!["direct_counter_entry"].data.packet_count, "9");
  const onDmac = await write({ type: "MODIFY", entity: { direct_counter_entry: { table_entry: { table_id: DMAC }, data: {} } } });
  t.like(onDmac.ok ? {} : onDmac.errors[0], { canonical_code: grpc.status.INVALID_ARGUMENT });
  const missing = await write({ type: "MODIFY", entity: { direct_counter_entry: { table_entry: { ...aclKey(), priority: 11 }, data: {} } } });
  t.like(missing.ok ? {} : missing.errors[0], { canonical_code: grpc.status.NOT_FOUND });
});

test("packet replication engine: multicast groups and clone sessions", async (t) => {
  const { p, write } = await setup(t);
  const mc = (id: number, ports: number[]): Msg => ({
    packet_replication_engine_entry: { multicast_group_entry: { multicast_group_id: id, replicas: ports.map((pt, i) => ({ port: Buffer.from([pt]), instance: i })) } },
  });
  t.like(await write({ type: "INSERT", entity: mc(5, [1, 2]) }), { ok: true });
  const dup = await write({ type: "INSERT", entity: mc(5, [3]) });
  t.like(dup.ok ? {} : dup.errors[0], { canonical_code: grpc.status.ALREADY_EXISTS });
  const missing = await write({ type: "MODIFY", entity: mc(6, [3]) });
  t.like(missing.ok ? {} : missing.errors[0], { canonical_code: grpc.status.NOT_FOUND });
  t.like(await write({ type: "MODIFY", entity: mc(5, [3, 4, 5]) }), { ok: true });
  t.like(await write({ type: "INSERT", entity: { packet_replication_engine_entry: { clone_session_entry: { session_id: 9, replicas: [{ egress_port: 7, instance: 1 }], packet_length_bytes: 64 } } } }), { ok: true });
  const groups = await readAll(p, [{ packet_replication_engine_entry: { multicast_group_entry: {} } }]);
  t.deepEqual(
    groups.map((g) => g["packet_replication_engine_entry"].multicast_group_entry.replicas.map((r: Msg) => [...r["port"]][0])),
    [[3, 4, 5]],
  );
  const sessions = await readAll(p, [{ packet_replication_engine_entry: { clone_session_entry: {} } }]);
  t.like(sessions[0]!["packet_replication_engine_entry"].clone_session_entry, { session_id: 9, packet_length_bytes: 64 });
  t.like(await write({ type: "DELETE", entity: mc(5, []) }), { ok: true });
  t.deepEqual(await readAll(p, [{ packet_replication_engine_entry: { multicast_group_entry: {} } }]), []);
});

test("a big read streams several ReadResponses that together hold every entry", async (t) => {
  const { p, write } = await setup(t);
  const updates = Array.from({ length: 1024 }, (_, i) => dmacInsert((0x020000000000 + i).toString(16).padStart(12, "0")));
  t.like(await write(...updates), { ok: true });
  const r = await p.read({ entities: [{ table_entry: { table_id: DMAC } }] });
  t.like(r, { ok: true, messages: 2 });
  t.is(r.ok ? new Set(r.entities.map((e) => Buffer.from(e["table_entry"].match[0].exact.value).toString("hex"))).size : 0, 1024);
});
