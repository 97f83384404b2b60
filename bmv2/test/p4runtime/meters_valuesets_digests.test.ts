/** Meters, direct meters, parser value sets and data-plane digests over P4Runtime. */
import * as grpc from "@grpc/grpc-js";
import test from "ava";
import { port } from "../../src/dataplane/api.ts";
import { eid, fixtureProgram, hex, startRig, type Client, type Msg, type Rig, type Stream } from "./harness.ts";

const program = fixtureProgram("sel");
const DMAC = 44918510;
const DROP = 25652968;
const LEARN = 22751466;
const M1 = 335915813;
const PVS = 56029204;
const LEARN_T = 385493328;

async function setup(t: { teardown(f: () => Promise<void>): void }): Promise<{ rig: Rig; p: Client; stream: Stream; write: (...updates: Msg[]) => ReturnType<Client["write"]> }> {
  const rig = await startRig();
  t.teardown(() => rig.close());
  const p = rig.client();
  const stream = await rig.primary(p, 1);
  await rig.load(p, program, 1);
  return { rig, p, stream, write: (...updates) => p.write({ election_id: eid(1), updates }) };
}

async function readAll(p: Client, entities: Msg[]): Promise<Msg[]> {
  const r = await p.read({ entities });
  if (!r.ok) throw new Error(`${r.code} ${r.details}`);
  return r.entities;
}

const config = { cir: "1000", cburst: "10", pir: "2000", pburst: "20" };

test("indirect meters: MODIFY sets a cell's config, reads give it back, unset config resets", async (t) => {
  const { p, write } = await setup(t);
  const meter = (index: number | undefined, cfg?: Msg): Msg => ({
    meter_entry: { meter_id: M1, ...(index !== undefined ? { index: { index: String(index) } } : {}), ...(cfg ? { config: cfg } : {}) },
  });
  t.like(await write({ type: "MODIFY", entity: meter(2, config) }), { ok: true });
  const cells = await readAll(p, [meter(undefined)]);
  t.is(cells.length, 4);
  t.deepEqual(
    cells.map((c) => c["meter_entry"].config),
    [null, null, { ...config }, null],
  );
  const ins = await write({ type: "INSERT", entity: meter(1, config) });
  t.like(ins.ok ? {} : ins.errors[0], { canonical_code: grpc.status.INVALID_ARGUMENT });
  const oor = await write({ type: "MODIFY", entity: meter(4, config) });
  t.like(oor.ok ? {} : oor.errors[0], { canonical_code: grpc.status.INVALID_ARGUMENT });
  t.like(await write({ type: "MODIFY", entity: meter(2) }), { ok: true });
  t.is((await readAll(p, [meter(2)]))[0]!["meter_entry"].config, null);
});

test("direct meters: set with the entry or alone, read back, reset by MODIFY without meter_config", async (t) => {
  const { p, write } = await setup(t);
  const key = [{ field_id: 1, exact: { value: hex("020000000001") } }];
  t.like(await write({ type: "INSERT", entity: { table_entry: { table_id: DMAC, match: key, action: { action: { action_id: DROP } }, meter_config: config } } }), { ok: true });
  const direct = async () => (await readAll(p, [{ direct_meter_entry: { table_entry: { table_id: DMAC, match: key } } }]))[0]!["direct_meter_entry"].config;
  t.deepEqual(await direct(), config);
  const withMeter = await readAll(p, [{ table_entry: { table_id: DMAC, meter_config: {} } }]);
  t.deepEqual(withMeter[0]!["table_entry"].meter_config, config);
  const other = { cir: "5000", cburst: "50", pir: "6000", pburst: "60" };
  t.like(await write({ type: "MODIFY", entity: { direct_meter_entry: { table_entry: { table_id: DMAC, match: key }, config: other } } }), { ok: true });
  t.deepEqual(await direct(), other);
  t.like(await write({ type: "MODIFY", entity: { table_entry: { table_id: DMAC, match: key, action: { action: { action_id: DROP } } } } }), { ok: true });
  t.is(await direct(), null, "a MODIFY without meter_config resets the meter (spec)");
  const wrong = await write({ type: "INSERT", entity: { table_entry: { table_id: 37519123, match: [{ field_id: 1, ternary: { value: hex("01"), mask: hex("ff") } }], priority: 1, action: { action: { action_id: DROP } }, meter_config: config } } });
  t.like(wrong.ok ? {} : wrong.errors[0], { canonical_code: grpc.status.INVALID_ARGUMENT, message: "Table 37519123 has no direct meter" });
});

test("value sets: MODIFY replaces the members, reads return them, size is enforced", async (t) => {
  const { p, write } = await setup(t);
  const members = (...values: string[]) => values.map((v) => ({ match: [{ field_id: 1, exact: { value: hex(v) } }] }));
  t.like(await write({ type: "MODIFY", entity: { value_set_entry: { value_set_id: PVS, members: members("0800", "86dd") } } }), { ok: true });
  const read = await readAll(p, [{ value_set_entry: { value_set_id: PVS } }]);
  t.deepEqual(
    read[0]!["value_set_entry"].members.map((m: Msg) => Buffer.from(m["match"][0].exact.value).toString("hex")),
    ["0800", "86dd"],
  );
  const tooMany = await write({ type: "MODIFY", entity: { value_set_entry: { value_set_id: PVS, members: members("01", "02", "03", "04", "05") } } });
  t.like(tooMany.ok ? {} : tooMany.errors[0], { canonical_code: grpc.status.RESOURCE_EXHAUSTED });
  const insert = await write({ type: "INSERT", entity: { value_set_entry: { value_set_id: PVS, members: members("01") } } });
  t.like(insert.ok ? {} : insert.errors[0], { canonical_code: grpc.status.INVALID_ARGUMENT });
  t.is((await readAll(p, [{ value_set_entry: {} }]))[0]!["value_set_entry"].members.length, 2, "failed writes changed nothing");
  t.like(await write({ type: "MODIFY", entity: { value_set_entry: { value_set_id: PVS, members: [] } } }), { ok: true });
  t.deepEqual((await readAll(p, [{ value_set_entry: { value_set_id: PVS } }]))[0]!["value_set_entry"].members, []);
});

test("digests from the data plane reach the primary as DigestLists and are acked", async (t) => {
  const { rig, p, stream, write } = await setup(t);
  t.like(
    await write(
      { type: "INSERT", entity: { digest_entry: { digest_id: LEARN_T, config: { max_timeout_ns: "0", max_list_size: 1, ack_timeout_ns: "60000000000" } } } },
      { type: "INSERT", entity: { table_entry: { table_id: DMAC, match: [{ field_id: 1, exact: { value: hex("020000000001") } }], action: { action: { action_id: LEARN } } } } },
    ),
    { ok: true },
  );
  t.is((await readAll(p, [{ digest_entry: {} }]))[0]!["digest_entry"].config.max_list_size, 1);
  const frame = (src: string) => hex("020000000001" + src + "0800" + "00".repeat(46));
  rig.model.inject(port(3), frame("0a0b0c0d0e0f"));
  const [, first] = await stream.waitFor(2);
  t.is(first!["update"], "digest");
  const list = first!["digest"];
  t.is(list.digest_id, LEARN_T);
  t.deepEqual(
    list.data[0].struct.members.map((m: Msg) => Buffer.from(m["bitstring"]).toString("hex")),
    ["0a0b0c0d0e0f", "03"],
  );
  // Same data again before the ack: held back; other data goes out.
  rig.model.inject(port(3), frame("0a0b0c0d0e0f"));
  rig.model.inject(port(4), frame("0a0b0c0d0e0f"));
  const [, , second] = await stream.waitFor(3);
  t.deepEqual(Buffer.from(second!["digest"].data[0].struct.members[1].bitstring).toString("hex"), "04");
  stream.send({ digest_ack: { digest_id: LEARN_T, list_id: list.list_id } });
  // Stream messages are handled in order: once this arbitration is answered, the ack has been seen.
  t.is((await stream.arbitrate(2))["arbitration"].status.message, "Is primary");
  rig.model.inject(port(3), frame("0a0b0c0d0e0f"));
  const [, , , , fourth] = await stream.waitFor(5);
  t.deepEqual(Buffer.from(fourth!["digest"].data[0].struct.members[1].bitstring).toString("hex"), "03");
});

test("reading digests answers as simple_switch_grpc does: NOT_FOUND until configured or for an unknown id; the wildcard lists only configured ones", async (t) => {
  const { p, write } = await setup(t);
  t.like(await p.read({ entities: [{ digest_entry: { digest_id: LEARN_T } }] }), { ok: false, code: grpc.status.NOT_FOUND, details: `Digest ${LEARN_T} not configured` });
  t.like(await p.read({ entities: [{ digest_entry: { digest_id: 12345 } }] }), { ok: false, code: grpc.status.NOT_FOUND, details: "12345 is not a valid digest id" });
  t.deepEqual(await readAll(p, [{ digest_entry: {} }]), []);
  t.like(await write({ type: "INSERT", entity: { digest_entry: { digest_id: LEARN_T, config: { max_timeout_ns: "0", max_list_size: 1, ack_timeout_ns: "0" } } } }), { ok: true });
  t.is((await readAll(p, [{ digest_entry: { digest_id: LEARN_T } }]))[0]!["digest_entry"].digest_id, LEARN_T);
  t.like(await write({ type: "DELETE", entity: { digest_entry: { digest_id: LEARN_T } } }), { ok: true });
  t.like(await p.read({ entities: [{ digest_entry: { digest_id: LEARN_T } }] }), { ok: false, code: grpc.status.NOT_FOUND });
});
