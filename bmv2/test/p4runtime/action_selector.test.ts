/** Trace 08 (action profile members, groups and indirect table entries) against our server. */
import * as grpc from "@grpc/grpc-js";
import test from "ava";
import { port } from "../../src/dataplane/api.ts";
import { eid, fixtureProgram, hex, startRig, type Client, type Msg, type Rig } from "./harness.ts";

const program = fixtureProgram("sel");
const SEL = 298168236;
const ECMP = 43283160;
const SET_PORT = 29586029;
const DROP = 25652968;
const TO_CPU = 28979379;

const member = (id: number, outPort: number, profile = SEL): Msg => ({
  action_profile_member: { action_profile_id: profile, member_id: id, action: { action_id: SET_PORT, params: [{ param_id: 1, value: Buffer.from([outPort]) }] } },
});
const group = (id: number, members: [number, number][], maxSize = 4): Msg => ({
  action_profile_group: { action_profile_id: SEL, group_id: id, members: members.map(([member_id, weight]) => ({ member_id, weight })), max_size: maxSize },
});
const ecmp = (dst: string, action: Msg): Msg => ({
  table_entry: { table_id: ECMP, match: [{ field_id: 1, exact: { value: hex(dst) } }], action },
});

async function setup(t: { teardown(f: () => Promise<void>): void }): Promise<{ rig: Rig; p: Client; write: (type: string, ...entities: Msg[]) => ReturnType<Client["write"]> }> {
  const rig = await startRig();
  t.teardown(() => rig.close());
  const p = rig.client();
  await rig.primary(p, 1);
  await rig.load(p, program, 1);
  return { rig, p, write: (type, ...entities) => p.write({ election_id: eid(1), updates: entities.map((entity) => ({ type, entity })) }) };
}

const firstError = (r: Awaited<ReturnType<Client["write"]>>) => (r.ok ? undefined : [r.errors[0]!.canonical_code, r.errors[0]!.message]);

function egressOf(rig: Rig, dst: string, src = "020000000001"): number[] {
  const seen: number[] = [];
  const off = rig.model.onEgress((pt) => seen.push(pt));
  rig.model.inject(port(3), hex(dst + src + "0800" + "00".repeat(46)));
  off();
  return seen;
}

test("trace 08: members, groups, indirect entries and their errors", async (t) => {
  const { rig, p, write } = await setup(t);
  t.like(await write("INSERT", member(1, 1), member(2, 2)), { ok: true });
  t.deepEqual(firstError(await write("INSERT", member(1, 5))), [grpc.status.ALREADY_EXISTS, "Duplicate member id: 1"]);
  t.deepEqual(firstError(await write("INSERT", member(3, 1, 12345))), [grpc.status.INVALID_ARGUMENT, "Invalid P4 id"]);
  t.deepEqual(firstError(await write("INSERT", { action_profile_member: { action_profile_id: SEL, member_id: 3, action: { action_id: TO_CPU } } })), [
    grpc.status.INVALID_ARGUMENT,
    "Invalid action for action profile",
  ]);

  t.like(await write("INSERT", group(10, [[1, 1], [2, 1]])), { ok: true });
  t.like(await write("INSERT", group(11, [[1, 3]])), { ok: true });
  t.deepEqual(firstError(await write("INSERT", group(12, [[99, 1]]))), [grpc.status.NOT_FOUND, "Member id does not exist: 99"]);
  t.deepEqual(firstError(await write("INSERT", group(13, [[1, 1], [2, 1]], 1))), [grpc.status.RESOURCE_EXHAUSTED, "Sum of member weights exceeds maximum group size"]);
  t.deepEqual(firstError(await write("INSERT", group(14, [[1, 1]], 5)))?.[0], grpc.status.INVALID_ARGUMENT, "max_size over the profile's max_group_size");

  t.like(await write("INSERT", ecmp("020000000001", { action_profile_group_id: 10 })), { ok: true });
  t.like(await write("INSERT", ecmp("020000000002", { action_profile_member_id: 1 })), { ok: true });
  t.deepEqual(firstError(await write("INSERT", ecmp("020000000003", { action: { action_id: DROP } }))), [
    grpc.status.INVALID_ARGUMENT,
    `Cannot provide direct action for indirect table ${ECMP}`,
  ]);
  t.deepEqual(
    firstError(await write("INSERT", ecmp("020000000004", { action_profile_action_set: { action_profile_actions: [{ action: { action_id: DROP }, weight: 1 }] } }))),
    [grpc.status.INVALID_ARGUMENT, "Invalid attempt to mix action selector programming modes"],
  );
  t.deepEqual(firstError(await write("INSERT", ecmp("020000000005", { action_profile_group_id: 77 }))), [grpc.status.INVALID_ARGUMENT, "Invalid member / group id"]);
  t.deepEqual(firstError(await write("INSERT", ecmp("020000000006", { action_profile_member_id: 77 }))), [grpc.status.INVALID_ARGUMENT, "Invalid member / group id"]);

  // The data plane follows: member 1 sends to port 1, group 10 to one of its members.
  t.deepEqual(egressOf(rig, "020000000002"), [1]);
  t.true([1, 2].includes(egressOf(rig, "020000000001")[0]!));

  // 8h / 8h': referenced members and groups cannot go (bmv2 says UNKNOWN; the state stays either way).
  t.deepEqual(firstError(await write("DELETE", member(1, 1)))?.[0], grpc.status.FAILED_PRECONDITION);
  t.deepEqual(firstError(await write("DELETE", group(10, [])))?.[0], grpc.status.FAILED_PRECONDITION);

  // 8i: group 10 becomes member 2 only; the entry now always leaves through port 2.
  t.like(await write("MODIFY", group(10, [[2, 1]])), { ok: true });
  for (const src of ["020000000001", "020000000002", "020000000003", "0200000000ff"]) t.deepEqual(egressOf(rig, "020000000001", src), [2]);

  // 8j: reads give each member and group once, and never the failed ones.
  const members = await p.read({ entities: [{ action_profile_member: { action_profile_id: SEL } }] });
  t.deepEqual(
    members.ok && members.entities.map((e) => [e["action_profile_member"].member_id, [...e["action_profile_member"].action.params[0].value]]),
    [
      [1, [1]],
      [2, [2]],
    ],
  );
  const all = await p.read({ entities: [{ action_profile_member: {} }] });
  t.is(all.ok && all.entities.length, 2);
  const groups = await p.read({ entities: [{ action_profile_group: { action_profile_id: SEL } }] });
  t.deepEqual(
    groups.ok && groups.entities.map((e) => [e["action_profile_group"].group_id, e["action_profile_group"].members.map((m: Msg) => [m["member_id"], m["weight"]]), e["action_profile_group"].max_size]),
    [
      [10, [[2, 1]], 4],
      [11, [[1, 3]], 4],
    ],
  );
  const entries = await p.read({ entities: [{ table_entry: { table_id: ECMP } }] });
  t.deepEqual(
    entries.ok && entries.entities.map((e) => e["table_entry"].action.type),
    ["action_profile_group_id", "action_profile_member_id"],
  );

  // 8l / 8l'.
  t.deepEqual(firstError(await p.write({ election_id: eid(1), updates: [{ type: "MODIFY", entity: { table_entry: { table_id: ECMP, is_default_action: true, action: { action: { action_id: DROP } } } } }] })), [
    grpc.status.INVALID_ARGUMENT,
    `Cannot set / reset default action for indirect table ${ECMP}`,
  ]);
  const def = await p.read({ entities: [{ table_entry: { table_id: ECMP, is_default_action: true } }] });
  t.like(def.ok && def.entities[0]!["table_entry"], { table_id: ECMP, is_default_action: true, action: null });

  // Unwinding in order works.
  t.like(await p.write({ election_id: eid(1), updates: [{ type: "DELETE", entity: ecmp("020000000001", {}) }, { type: "DELETE", entity: group(10, []) }] }), { ok: true });
  t.like(await write("MODIFY", member(2, 6)), { ok: true });
  t.like(await write("DELETE", ecmp("020000000002", {}), group(11, []), member(1, 0)), { ok: true });
  const left = await p.read({ entities: [{ action_profile_member: {} }, { action_profile_group: {} }] });
  t.deepEqual(left.ok && left.entities.map((e) => e["action_profile_member"]?.member_id), [2]);
});

test("a rolled-back batch leaves members and groups as they were", async (t) => {
  const { p } = await setup(t);
  const r = await p.write({
    election_id: eid(1),
    atomicity: "ROLLBACK_ON_ERROR",
    updates: [
      { type: "INSERT", entity: member(1, 1) },
      { type: "INSERT", entity: group(10, [[1, 1]]) },
      { type: "INSERT", entity: ecmp("020000000001", { action_profile_group_id: 10 }) },
      { type: "INSERT", entity: group(11, [[42, 1]]) },
    ],
  });
  t.like(r, { ok: false });
  const left = await p.read({ entities: [{ action_profile_member: {} }, { action_profile_group: {} }, { table_entry: { table_id: ECMP } }] });
  t.like(left, { ok: true, entities: [] });
});

test("one-shot action sets: the server makes the group, reads give the set back, modes do not mix", async (t) => {
  const { rig, p, write } = await setup(t);
  const set = (...ports: number[]) => ({
    action_profile_action_set: {
      action_profile_actions: ports.map((pt) => ({ action: { action_id: SET_PORT, params: [{ param_id: 1, value: Buffer.from([pt]) }] }, weight: 1 })),
    },
  });
  t.like(await write("INSERT", ecmp("020000000001", set(1, 2))), { ok: true });
  const seen = new Set<number>();
  for (let i = 0; i < 16; i++) seen.add(egressOf(rig, "020000000001", (0x020000000100 + i).toString(16).padStart(12, "0"))[0]!);
  t.true([...seen].every((pt) => pt === 1 || pt === 2) && seen.size > 0);
  const read = await p.read({ entities: [{ table_entry: { table_id: ECMP } }] });
  const got = read.ok ? read.entities[0]!["table_entry"].action : {};
  t.is(got.type, "action_profile_action_set");
  t.deepEqual(
    got.action_profile_action_set.action_profile_actions.map((a: Msg) => [[...a["action"].params[0].value][0], a["weight"]]),
    [
      [1, 1],
      [2, 1],
    ],
  );
  t.deepEqual(firstError(await write("INSERT", member(1, 1))), [grpc.status.INVALID_ARGUMENT, "Invalid attempt to mix action selector programming modes"]);
  t.deepEqual(firstError(await write("INSERT", ecmp("020000000002", set(1, 2, 3, 4, 5))))?.[0], grpc.status.RESOURCE_EXHAUSTED);
  t.deepEqual(firstError(await write("INSERT", ecmp("020000000002", { action_profile_action_set: { action_profile_actions: [] } })))?.[0], grpc.status.INVALID_ARGUMENT);

  t.like(await write("MODIFY", ecmp("020000000001", set(3))), { ok: true });
  t.deepEqual(egressOf(rig, "020000000001"), [3]);
  // A rolled-back MODIFY puts the previous action set back.
  const rolled = await p.write({
    election_id: eid(1),
    atomicity: "ROLLBACK_ON_ERROR",
    updates: [
      { type: "MODIFY", entity: ecmp("020000000001", set(4)) },
      { type: "INSERT", entity: ecmp("020000000001", set(5)) },
    ],
  });
  t.like(rolled, { ok: false });
  t.deepEqual(egressOf(rig, "020000000001"), [3]);
  t.like(await write("DELETE", ecmp("020000000001", {})), { ok: true });
  t.like(await write("INSERT", member(1, 1)), { ok: true }, "with no one-shot entry left, explicit members are fine again");
});
