/** Trace 01 (arbitration) and 09 (Write without election id) against our server. */
import * as grpc from "@grpc/grpc-js";
import test from "ava";
import { Arbiter, type ArbitrationPeer } from "../../src/p4runtime/arbitration.ts";
import { eid, fixtureProgram, hex, startRig, type Msg } from "./harness.ts";

const program = fixtureProgram("sel");
const dmacInsert = (electionLow: number | undefined, type = "INSERT"): Msg => ({
  ...(electionLow !== undefined ? { election_id: eid(electionLow) } : {}),
  updates: [
    {
      type,
      entity: {
        table_entry: {
          table_id: 44918510,
          match: [{ field_id: 1, exact: { value: hex("020000000001") } }],
          action: { action: { action_id: 25652968 } },
        },
      },
    },
  ],
});

const status = (m: Msg) => ({ code: m["arbitration"].status.code, message: m["arbitration"].status.message, low: m["arbitration"].election_id.low });

test("trace 01: arbitration, primary changes, duplicate ids, promotion and write permissions", async (t) => {
  const rig = await startRig();
  try {
    const a = rig.client();
    const b = rig.client();
    // 1a / 1a': no stream at all.
    let w = await a.write(dmacInsert(1));
    t.like(w, { ok: false, code: grpc.status.PERMISSION_DENIED, details: "Not primary", hasStatusDetails: false });
    w = await a.write(dmacInsert(undefined));
    t.like(w, { ok: false, code: grpc.status.FAILED_PRECONDITION, details: "No forwarding pipeline config set for this device" });

    // 1b / 1c: A primary, then B with a higher id takes over and A hears "Is backup".
    const sa = a.openStream();
    t.deepEqual(status(await sa.arbitrate(1)), { code: 0, message: "Is primary", low: "1" });
    const sb = b.openStream();
    t.deepEqual(status(await sb.arbitrate(2)), { code: 0, message: "Is primary", low: "2" });
    t.deepEqual(status((await sa.waitFor(2))[1]!), { code: grpc.status.ALREADY_EXISTS, message: "Is backup", low: "2" });

    // 1d / 1e / 1f.
    t.like(await a.write(dmacInsert(1)), { ok: false, code: grpc.status.PERMISSION_DENIED });
    t.like(await b.write(dmacInsert(2)), { ok: false, code: grpc.status.FAILED_PRECONDITION });
    t.like(await a.write(dmacInsert(5)), { ok: false, code: grpc.status.PERMISSION_DENIED });

    // 1g: the same election id from a third client ends that stream; nobody else hears anything.
    const c = rig.client();
    const sc = c.openStream();
    sc.send({ arbitration: { election_id: eid(2) } });
    t.deepEqual(await sc.waitEnd(), { code: grpc.status.INVALID_ARGUMENT, details: "Election id already exists" });

    // 1h: re-sending the same arbitration is not answered (checked below by message counts).
    sa.send({ arbitration: { election_id: eid(1) } });

    // 1j: no election id: a backup, told the primary's id.
    const e = rig.client();
    const se = e.openStream();
    se.send({ arbitration: {} });
    t.deepEqual(status((await se.waitFor(1))[0]!), { code: grpc.status.ALREADY_EXISTS, message: "Is backup", low: "2" });

    // 1k / 1l / 1m.
    t.like(await rig.load(b, program, 2), { ok: true });
    t.like(await a.write(dmacInsert(1)), { ok: false, code: grpc.status.PERMISSION_DENIED, details: "Not primary" });
    t.like(await rig.load(a, program, 1), { ok: false, code: grpc.status.PERMISSION_DENIED });
    const read = await a.read({ entities: [{ table_entry: { table_id: 44918510 } }] });
    t.like(read, { ok: true, entities: [] });

    t.is(sa.received.length, 2, "A heard nothing for its repeated arbitration or for the newcomer E");
    t.is(sb.received.length, 1);

    // 1n: B leaves, A (highest remaining) is promoted and told; E hears about the new primary too.
    sb.close();
    t.deepEqual(status((await sa.waitFor(3))[2]!), { code: 0, message: "Is primary", low: "1" });
    t.deepEqual(status((await se.waitFor(2))[1]!), { code: grpc.status.ALREADY_EXISTS, message: "Is backup", low: "1" });

    // 1o.
    t.like(await a.write(dmacInsert(1)), { ok: true });
    t.like(await a.write(dmacInsert(2)), { ok: false, code: grpc.status.PERMISSION_DENIED });

    // 1p: A raises its own id and stays primary (told so).
    t.deepEqual(status(await sa.arbitrate(3)), { code: 0, message: "Is primary", low: "3" });

    // 1q: once every stream is gone, an election id no longer grants anything.
    sa.close();
    se.close();
    await sa.waitEnd();
    await se.waitEnd();
    t.like(await a.write(dmacInsert(3, "DELETE")), { ok: false, code: grpc.status.PERMISSION_DENIED });
  } finally {
    await rig.close();
  }
});

test("trace 01 (1i): arbitration for another device id is a separate election", async (t) => {
  const rig = await startRig();
  try {
    const d = rig.client();
    const sd = d.openStream();
    const reply = await sd.arbitrate(9, 7);
    t.is(reply["arbitration"].device_id, "7");
    t.is(reply["arbitration"].status.message, "Is primary");
    // Primary of device 7 does not make anyone primary of device 0.
    const s0 = rig.client().openStream();
    t.is((await s0.arbitrate(1))["arbitration"].status.message, "Is primary");
    // The Write for device 7 passes arbitration and then finds no pipeline there.
    t.like(await d.write({ device_id: "7", election_id: eid(9), updates: [] }), { ok: false, code: grpc.status.FAILED_PRECONDITION });
  } finally {
    await rig.close();
  }
});

test("trace 09: writes without an election id", async (t) => {
  const rig = await startRig();
  try {
    const p = rig.client();
    const sp = await rig.primary(p, 1);
    t.like(await rig.load(p, program, 1), { ok: true });
    // 9a / 9b / 9c.
    t.like(await p.write({ updates: [] }), { ok: false, code: grpc.status.PERMISSION_DENIED, details: "Not primary" });
    t.like(await p.write({ election_id: eid(0), updates: [] }), { ok: false, code: grpc.status.PERMISSION_DENIED });
    t.like(await p.write({ election_id: { high: "1", low: "1" }, updates: [] }), { ok: false, code: grpc.status.PERMISSION_DENIED });
    t.like(await p.write({ election_id: eid(1), updates: [] }), { ok: true });
    sp.close();
    await sp.waitEnd();
    // 9d / 9e.
    t.like(await p.write(dmacInsert(undefined)), { ok: true });
    t.like(await p.write({ election_id: eid(1), updates: [] }), { ok: false, code: grpc.status.PERMISSION_DENIED });
    const read = await p.read({ entities: [{ table_entry: { table_id: 44918510 } }] });
    t.like(read, { ok: true });
    t.is(read.ok && read.entities.length, 1);
    // 9f: the config comes back byte-identical.
    const got = await p.getConfig({});
    t.true(got.ok && Buffer.from(got.response["config"].p4_device_config).equals(program.deviceConfig));
  } finally {
    await rig.close();
  }
});

test("Arbiter unit: roles are separate elections, a primary that lowers its id hands over", (t) => {
  const heard = new Map<string, string[]>();
  const peer = (name: string): ArbitrationPeer => ({
    sendArbitration: (u) => heard.set(name, [...(heard.get(name) ?? []), `${u.status.message}@${u.election_id.low}${u.role ? `/${u.role.name}` : ""}`]),
  });
  const arbiter = new Arbiter();
  const a = peer("a");
  const b = peer("b");
  const r = peer("r");
  t.deepEqual(arbiter.arbitrate(a, 0n, "", 5n), { ok: true });
  t.deepEqual(arbiter.arbitrate(b, 0n, "", 3n), { ok: true });
  t.deepEqual(arbiter.arbitrate(r, 0n, "ops", 1n), { ok: true });
  t.true(arbiter.mayWrite(0n, "", 5n));
  t.true(arbiter.mayWrite(0n, "ops", 1n));
  t.false(arbiter.mayWrite(0n, "ops", 5n));
  t.deepEqual(arbiter.arbitrate(a, 0n, "", 2n), { ok: true });
  t.deepEqual(heard.get("a"), ["Is primary@5", "Is backup@3"]);
  t.deepEqual(heard.get("b"), ["Is backup@5", "Is primary@3"]);
  t.deepEqual(heard.get("r"), ["Is primary@1/ops"]);
  t.is(arbiter.primaryPeer(0n), b);
  t.deepEqual(arbiter.arbitrate(b, 7n, "", 9n), { ok: false, code: 9, message: "Arbitration update does not match the device / role of this stream" });
  arbiter.leave(b);
  t.is(arbiter.primaryPeer(0n), a);
  t.deepEqual(heard.get("a"), ["Is primary@5", "Is backup@3", "Is primary@2"]);
  arbiter.leave(a);
  t.is(arbiter.primaryPeer(0n), undefined);
  t.true(arbiter.mayWrite(0n, "", 0n), "no streams left: only a request without election id passes");
  t.false(arbiter.mayWrite(0n, "", 2n));
});
