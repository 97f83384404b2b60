/** Trace 03 (table writes and their errors) against our server, plus the atomic modes bmv2 lacks. */
import * as grpc from "@grpc/grpc-js";
import test from "ava";
import { port } from "../../src/dataplane/api.ts";
import { eid, fixtureProgram, hex, startRig, type Client, type Msg, type Rig } from "./harness.ts";

const program = fixtureProgram("sel");
const DMAC = 44918510;
const FORWARD = 29683729;
const DROP = 25652968;
const ACL = 37519123;

const SPACE = "ALL-sswitch-p4org";

interface EntryOpts {
  readonly type?: string;
  readonly dst?: Buffer;
  readonly action?: Msg | null;
  readonly priority?: number;
  readonly match?: Msg[];
  readonly isDefault?: boolean;
  readonly tableId?: number;
}

function dmac(o: EntryOpts): Msg {
  const entry: Msg = { table_id: o.tableId ?? DMAC };
  if (o.match) entry["match"] = o.match;
  else if (o.dst) entry["match"] = [{ field_id: 1, exact: { value: o.dst } }];
  if (o.action !== null) entry["action"] = { action: o.action ?? { action_id: DROP } };
  if (o.priority !== undefined) entry["priority"] = o.priority;
  if (o.isDefault) entry["is_default_action"] = true;
  return { ...(o.type ? { type: o.type } : {}), entity: { table_entry: entry } };
}

const forward = (p: number): Msg => ({ action_id: FORWARD, params: [{ param_id: 1, value: Buffer.from([p]) }] });

async function setup(t: { teardown(f: () => Promise<void>): void }): Promise<{ rig: Rig; p: Client; write: (...updates: Msg[]) => ReturnType<Client["write"]> }> {
  const rig = await startRig();
  t.teardown(() => rig.close());
  const p = rig.client();
  await rig.primary(p, 10);
  await rig.load(p, program, 10);
  return { rig, p, write: (...updates) => p.write({ election_id: eid(10), updates }) };
}

async function dmacKeys(p: Client): Promise<string[]> {
  const r = await p.read({ entities: [{ table_entry: { table_id: DMAC } }] });
  if (!r.ok) throw new Error(r.details);
  return r.entities.map((e) => Buffer.from(e["table_entry"].match[0].exact.value).toString("hex")).sort();
}

test("trace 03 3a-3e: insert, duplicate, missing entries, and a CONTINUE_ON_ERROR batch", async (t) => {
  const { p, write } = await setup(t);
  t.like(await write(dmac({ type: "INSERT", dst: hex("020000000001"), action: forward(1) })), { ok: true });
  let r = await write(dmac({ type: "INSERT", dst: hex("020000000001") }));
  t.like(r, { ok: false, code: grpc.status.UNKNOWN, details: "" });
  t.deepEqual(r.ok ? [] : r.errors.map((e) => [e.canonical_code, e.message, e.space]), [
    [grpc.status.ALREADY_EXISTS, "Match entry exists, use MODIFY if you wish to change action", SPACE],
  ]);
  for (const type of ["MODIFY", "DELETE"]) {
    r = await write(dmac({ type, dst: hex("020000000099") }));
    t.deepEqual(r.ok ? [] : r.errors.map((e) => [e.canonical_code, e.message]), [[grpc.status.NOT_FOUND, "Cannot find match entry"]]);
  }
  r = await write(dmac({ type: "INSERT", dst: hex("020000000002") }), dmac({ type: "INSERT", dst: hex("020000000001") }), dmac({ type: "INSERT", dst: hex("020000000003") }));
  t.deepEqual(r.ok ? [] : r.errors.map((e) => [e.canonical_code, e.space]), [
    [0, ""],
    [grpc.status.ALREADY_EXISTS, SPACE],
    [0, ""],
  ]);
  t.deepEqual(await dmacKeys(p), ["020000000001", "020000000002", "020000000003"]);
});

test("ROLLBACK_ON_ERROR and DATAPLANE_ATOMIC undo the whole batch (bmv2 answers UNIMPLEMENTED)", async (t) => {
  const { p } = await setup(t);
  const batch = (atomicity: string, ...updates: Msg[]) => p.write({ election_id: eid(10), atomicity, updates });
  t.like(await batch("CONTINUE_ON_ERROR", dmac({ type: "INSERT", dst: hex("020000000001"), action: forward(1) })), { ok: true });
  for (const atomicity of ["ROLLBACK_ON_ERROR", "DATAPLANE_ATOMIC"]) {
    const r = await batch(
      atomicity,
      dmac({ type: "INSERT", dst: hex("020000000004") }),
      dmac({ type: "MODIFY", dst: hex("020000000001"), action: forward(7) }),
      dmac({ type: "INSERT", dst: hex("020000000001") }),
      dmac({ type: "INSERT", dst: hex("020000000005") }),
    );
    t.like(r, { ok: false, code: grpc.status.UNKNOWN });
    t.deepEqual(r.ok ? [] : r.errors.map((e) => e.canonical_code), [grpc.status.ABORTED, grpc.status.ABORTED, grpc.status.ALREADY_EXISTS, grpc.status.ABORTED]);
    t.deepEqual(await dmacKeys(p), ["020000000001"], atomicity);
    const read = await p.read({ entities: [{ table_entry: { table_id: DMAC } }] });
    t.deepEqual(read.ok && [...read.entities[0]!["table_entry"].action.action.params[0].value], [1], "the MODIFY was undone");
  }
  // Deletes are undone too, and a clean atomic batch applies.
  const del = await batch("ROLLBACK_ON_ERROR", dmac({ type: "DELETE", dst: hex("020000000001") }), dmac({ type: "DELETE", dst: hex("020000000077") }));
  t.like(del, { ok: false });
  t.deepEqual(await dmacKeys(p), ["020000000001"]);
  t.like(await batch("DATAPLANE_ATOMIC", dmac({ type: "INSERT", dst: hex("020000000006") }), dmac({ type: "DELETE", dst: hex("020000000001") })), { ok: true });
  t.deepEqual(await dmacKeys(p), ["020000000006"]);
});

test("trace 03 3f-3g: widths are checked, short and long encodings accepted, reads canonical", async (t) => {
  const { p, write } = await setup(t);
  let r = await write(dmac({ type: "INSERT", dst: hex("01020000000006") }));
  t.deepEqual(r.ok ? [] : r.errors.map((e) => [e.canonical_code, e.message]), [[grpc.status.INVALID_ARGUMENT, "Bytestring provided does not fit within 48 bits"]]);
  r = await write(dmac({ type: "INSERT", dst: hex("020000000010"), action: { action_id: FORWARD, params: [{ param_id: 1, value: hex("0200") }] } }));
  t.deepEqual(r.ok ? [] : r.errors.map((e) => e.message), ["Bytestring provided does not fit within 9 bits"]);
  for (const dst of ["0200000006", "0000020000000008", "000000000009", "0a", ""]) t.like(await write(dmac({ type: "INSERT", dst: hex(dst) })), { ok: true }, dst);
  t.like(await write(dmac({ type: "INSERT", dst: hex("02000000000b"), action: { action_id: FORWARD, params: [{ param_id: 1, value: hex("0001") }] } })), { ok: true });
  t.like(await write(dmac({ type: "INSERT", dst: hex("02000000000c"), action: { action_id: FORWARD, params: [{ param_id: 1, value: hex("000001") }] } })), { ok: true });
  t.deepEqual(await dmacKeys(p), ["00", "020000000008", "02000000000b", "02000000000c", "0200000006", "09", "0a"]);
  const read = await p.read({ entities: [{ table_entry: { table_id: DMAC, match: [{ field_id: 1, exact: { value: hex("0002000000000c") } }] } }] });
  t.deepEqual(read.ok && [...read.entities[0]!["table_entry"].action.action.params[0].value], [1]);
});

test("trace 03 3h-3k: ids, params, match fields and priority are validated; nothing changes on error", async (t) => {
  const { p, write } = await setup(t);
  const cases: [Msg, string][] = [
    [dmac({ type: "INSERT", dst: hex("020000000001"), tableId: 12345 }), "Invalid P4 id"],
    [dmac({ type: "INSERT", dst: hex("020000000001"), tableId: 0 }), "Invalid P4 id"],
    [dmac({ type: "INSERT", dst: hex("020000000001"), action: { action_id: 12345 } }), "Invalid P4 id"],
    [dmac({ type: "INSERT", dst: hex("020000000001"), action: { action_id: 0 } }), "Invalid P4 id"],
    [dmac({ type: "INSERT", dst: hex("020000000001"), action: { action_id: FORWARD } }), "Unexpected number of action parameters"],
    [dmac({ type: "INSERT", dst: hex("020000000001"), action: { action_id: DROP, params: [{ param_id: 1, value: hex("01") }] } }), "Unexpected number of action parameters"],
    [dmac({ type: "INSERT", dst: hex("020000000001"), action: { action_id: FORWARD, params: [{ param_id: 9, value: hex("01") }] } }), "Unknown action parameter"],
    [dmac({ type: "INSERT", match: [] }), "Missing non-ternary field in match key"],
    [dmac({ type: "INSERT", match: [{ field_id: 7, exact: { value: hex("01") } }] }), "Missing non-ternary field in match key"],
    [dmac({ type: "INSERT", dst: hex("020000000010"), priority: 10 }), "Non-zero priority for non-ternary match"],
    [dmac({ type: "INSERT", match: [{ field_id: 1, lpm: { value: hex("01"), prefix_len: 8 } }] }), "Invalid match type for field 1"],
    [dmac({ type: "INSERT", dst: hex("020000000001"), action: { action_id: 29586029, params: [{ param_id: 1, value: hex("01") }] } }), `Action 29586029 is not valid for table ${DMAC}`],
    [dmac({ dst: hex("020000000001") }), "Update type is not set"],
  ];
  for (const [update, message] of cases) {
    const r = await write(update);
    t.like(r, { ok: false, code: grpc.status.UNKNOWN }, message);
    t.deepEqual(r.ok ? [] : r.errors.map((e) => [e.canonical_code, e.message]), [[grpc.status.INVALID_ARGUMENT, message]]);
  }
  t.deepEqual(await dmacKeys(p), []);
  // 3p / 3q.
  t.like(await write(), { ok: true });
  t.like(await p.write({ device_id: "7", election_id: eid(10), updates: [dmac({ type: "INSERT", dst: hex("020000000012") })] }), {
    ok: false,
    code: grpc.status.PERMISSION_DENIED,
  });
});

test("trace 03 3l-3n: MODIFY / DELETE entries and the default entry rules", async (t) => {
  const { p, write } = await setup(t);
  await write(dmac({ type: "INSERT", dst: hex("020000000001"), action: forward(1) }), dmac({ type: "INSERT", dst: hex("020000000002") }));
  t.like(await write(dmac({ type: "MODIFY", dst: hex("020000000001"), action: forward(2) })), { ok: true });
  t.like(await write(dmac({ type: "MODIFY", isDefault: true })), { ok: true });
  const defaultErrors: [Msg, string][] = [
    [dmac({ type: "INSERT", isDefault: true }), "Cannot use INSERT for default entry"],
    [dmac({ type: "DELETE", isDefault: true }), "Cannot use DELETE for default entry"],
    [dmac({ type: "MODIFY", isDefault: true, dst: hex("020000000001") }), "Non-empty key for default entry"],
  ];
  for (const [u, message] of defaultErrors) {
    const r = await write(u);
    t.deepEqual(r.ok ? [] : r.errors.map((e) => [e.canonical_code, e.message]), [[grpc.status.INVALID_ARGUMENT, message]]);
  }
  const readDefault = async () => {
    const r = await p.read({ entities: [{ table_entry: { table_id: DMAC, is_default_action: true } }] });
    return r.ok ? r.entities.map((e) => e["table_entry"]) : [];
  };
  t.is((await readDefault())[0].action.action.action_id, DROP);
  t.like(await write(dmac({ type: "MODIFY", isDefault: true, action: null })), { ok: true }, "MODIFY without action resets the default");
  t.is((await readDefault())[0].action.action.action_id, 21257015);
  t.like(await write(dmac({ type: "MODIFY", isDefault: true, action: forward(3) })), { ok: true });
  const def = (await readDefault())[0];
  t.true(def.is_default_action);
  t.deepEqual([def.action.action.action_id, [...def.action.action.params[0].value]], [FORWARD, [3]]);
  t.like(await write(dmac({ type: "DELETE", dst: hex("020000000001") })), { ok: true });
  t.like(await write(dmac({ type: "DELETE", dst: hex("020000000002"), action: null })), { ok: true });
  t.deepEqual(await dmacKeys(p), []);
});

test("ternary / LPM / priority rules of the P4Runtime spec (trace 05, 5m)", async (t) => {
  const { p, write } = await setup(t);
  const acl = (match: Msg[], priority: number) => ({ type: "INSERT", entity: { table_entry: { table_id: ACL, match, priority, action: { action: { action_id: DROP } } } } });
  const tern = (value: string, mask: string) => ({ field_id: 1, ternary: { value: hex(value), mask: hex(mask) } });
  const lpm = (value: string, prefix_len: number) => ({ field_id: 2, lpm: { value: hex(value), prefix_len } });
  const bad: [Msg, string][] = [
    [acl([tern("0800", "ffff"), lpm("0a0000000000", 8)], 0), "Zero priority for ternary match"],
    [acl([tern("0801", "00ff")], 10), "Invalid ternary value, make sure value & mask == value"],
    [acl([lpm("0a0100000000", 8)], 10), "Invalid LPM value, incorrect number of trailing zeros"],
    [acl([lpm("0a0000000000", 0)], 10), "Invalid reprsentation of 'don't care' LPM match, omit match field instead of using a prefix length of 0"],
    [acl([tern("0000", "0000")], 10), "Invalid representation of 'don't care' ternary match, omit match field instead of using 0 mask"],
    [acl([lpm("0a0000000000", 49)], 10), "Prefix length 49 out of range for 48-bit field"],
  ];
  for (const [u, message] of bad) {
    const r = await write(u);
    t.deepEqual(r.ok ? [] : r.errors.map((e) => [e.canonical_code, e.message]), [[grpc.status.INVALID_ARGUMENT, message]]);
  }
  t.like(await write(acl([tern("0800", "ffff"), lpm("0a0000000000", 8)], 10)), { ok: true });
  t.like(await write(acl([tern("0800", "ffff"), lpm("0a0000000000", 8)], 20)), { ok: true }, "same key, other priority: another entry");
  t.like(await write(acl([], 5)), { ok: true }, "all fields omitted: a catch-all");
  const r = await p.read({ entities: [{ table_entry: { table_id: ACL } }] });
  const entries = r.ok ? r.entities.map((e) => e["table_entry"]) : [];
  t.deepEqual(entries.map((e) => [e.priority, e.match.length]).sort(), [
    [10, 2],
    [20, 2],
    [5, 0],
  ]);
  const e10 = entries.find((e) => e.priority === 10);
  t.deepEqual(
    e10.match.map((m: Msg) => [m["field_id"], Buffer.from(m["ternary"]?.value ?? m["lpm"]?.value).toString("hex"), m["lpm"]?.prefix_len ?? Buffer.from(m["ternary"].mask).toString("hex")]),
    [
      [1, "0800", "ffff"],
      [2, "0a0000000000", 8],
    ],
  );
});

test("range and optional keys: spec checks, don't-care omission, and the data plane's choice by priority", async (t) => {
  const { rig, p, write } = await setup(t);
  const RNG = 49250505;
  const setPort = (pt: number) => ({ action: { action_id: 29586029, params: [{ param_id: 1, value: Buffer.from([pt]) }] } });
  const rng = (match: Msg[], priority: number, pt: number): Msg => ({ type: "INSERT", entity: { table_entry: { table_id: RNG, match, priority, action: setPort(pt) } } });
  const range = (low: string, high: string) => ({ field_id: 1, range: { low: hex(low), high: hex(high) } });
  const optional = (v: string) => ({ field_id: 2, optional: { value: hex(v) } });
  const bad: [Msg, string][] = [
    [rng([range("0900", "0800")], 10, 5), "Invalid range match, low bound is greater than high bound"],
    [rng([range("00", "ffff")], 10, 5), "Invalid representation of 'don't care' range match, omit match field instead"],
    [rng([range("0800", "08ff")], 0, 5), "Zero priority for ternary match"],
  ];
  for (const [u, message] of bad) {
    const r = await write(u);
    t.deepEqual(r.ok ? [] : r.errors.map((e) => [e.canonical_code, e.message]), [[grpc.status.INVALID_ARGUMENT, message]]);
  }
  t.like(await write(rng([range("0800", "08ff")], 10, 5), rng([range("0800", "0800"), optional("020000000001")], 20, 6)), { ok: true });
  const egress = (etherType: string, src: string): number[] => {
    const seen: number[] = [];
    const off = rig.model.onEgress((pt) => seen.push(pt));
    rig.model.inject(port(1), hex("020000000099" + src + etherType + "00".repeat(46)));
    off();
    return seen;
  };
  t.deepEqual(egress("0806", "020000000001"), [5]);
  t.deepEqual(egress("0800", "020000000001"), [6]);
  t.deepEqual(egress("0800", "020000000002"), [5]);
  t.deepEqual(egress("86dd", "020000000001"), [0], "no entry: NoAction leaves egress_spec 0");
  const read = await p.read({ entities: [{ table_entry: { table_id: RNG } }] });
  const byPriority = new Map((read.ok ? read.entities : []).map((e) => [e["table_entry"].priority, e["table_entry"].match]));
  t.deepEqual(
    byPriority.get(10).map((m: Msg) => [m["field_id"], Buffer.from(m["range"].low).toString("hex"), Buffer.from(m["range"].high).toString("hex")]),
    [[1, "0800", "08ff"]],
  );
  t.deepEqual(
    byPriority.get(20).map((m: Msg) => [m["field_id"], m["field_match_type"]]),
    [
      [1, "range"],
      [2, "optional"],
    ],
  );
});

test("a failed batch too large to detail per update is summarised instead of breaking the call", async (t) => {
  const { write } = await setup(t);
  t.like(await write(dmac({ type: "INSERT", dst: hex("020000000001") })), { ok: true });
  const dup = dmac({ type: "INSERT", dst: hex("020000000001") });
  const detailed = await write(...Array.from({ length: 200 }, () => dup));
  t.like(detailed, { ok: false, code: grpc.status.UNKNOWN });
  t.is(detailed.ok ? 0 : detailed.errors.length, 200);
  const summarised = await write(...Array.from({ length: 1100 }, () => dup));
  t.like(summarised, { ok: false, code: grpc.status.UNKNOWN, errors: [] });
  t.regex(summarised.ok ? "" : summarised.details, /^1100 of 1100 updates failed \(too many to detail\): #0 ALREADY_EXISTS: Match entry exists/);
});
