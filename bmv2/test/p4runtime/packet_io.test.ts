/** Trace 06 (packet I/O) against our server, and digest delivery. */
import * as grpc from "@grpc/grpc-js";
import test from "ava";
import { port } from "../../src/dataplane/api.ts";
import { DigestEngine, type DigestListMessage } from "../../src/p4runtime/digests.ts";
import { P4InfoIndex } from "../../src/p4runtime/p4info_index.ts";
import { eid, fixtureProgram, hex, startRig, type Msg } from "./harness.ts";

const program = fixtureProgram("sel");
const PAYLOAD = hex("ffffffffffff" + "020000000001" + "0800" + Buffer.from("hello-p4rt").toString("hex") + "00".repeat(36));
const meta = (id: number, value: string) => ({ metadata_id: id, value: hex(value) });

test("trace 06: PacketOut to the CPU port comes back as PacketIn on the primary only; bad PacketOuts are refused", async (t) => {
  const rig = await startRig();
  t.teardown(() => rig.close());
  const p = rig.client();
  const sp = await rig.primary(p, 1);
  t.like(await rig.load(p, program, 1), { ok: true });
  const p2 = rig.client();
  const sp2 = await rig.primary(p2, 5);
  await sp.waitFor(2); // "Is backup" for P

  const egress: number[] = [];
  rig.model.onEgress((pt) => egress.push(pt));

  // 6a: loops through ingress (packet_out parsed, egress_spec 255, packet_in added) back to the controller.
  sp2.send({ packet: { payload: PAYLOAD, metadata: [meta(1, "ff"), meta(2, "00")] } });
  const got = (await sp2.waitFor(2))[1]!;
  t.is(got["update"], "packet");
  t.true(Buffer.from(got["packet"].payload).equals(PAYLOAD));
  t.deepEqual(
    got["packet"].metadata.map((m: Msg) => [m["metadata_id"], [...m["value"]]]),
    [
      [1, [255]],
      [2, [0]],
    ],
  );

  // 6b: out of a data-plane port, not to the controller.
  sp2.send({ packet: { payload: PAYLOAD, metadata: [meta(1, "01"), meta(2, "00")] } });
  // 6d: a missing metadata field is zero.
  sp2.send({ packet: { payload: PAYLOAD, metadata: [meta(1, "ff")] } });
  const d = (await sp2.waitFor(3))[2]!;
  t.is(d["update"], "packet");
  t.deepEqual([...d["packet"].metadata[1].value], [0]);
  t.deepEqual(egress, [255, 1, 255]);

  // 6c / 6e / 6f / 6g: refused with a StreamError (simple_switch_grpc drops them silently) and never injected.
  sp2.send({ packet: { payload: PAYLOAD, metadata: [meta(1, "ff"), meta(2, "00"), meta(9, "01")] } });
  sp2.send({ packet: { payload: PAYLOAD, metadata: [meta(1, "0200"), meta(2, "00")] } });
  sp.send({ packet: { payload: PAYLOAD, metadata: [meta(1, "ff"), meta(2, "00")] } });
  const errors = (await sp2.waitFor(5)).slice(3);
  t.deepEqual(
    errors.map((m) => [m["update"], m["error"].canonical_code]),
    [
      ["error", grpc.status.INVALID_ARGUMENT],
      ["error", grpc.status.INVALID_ARGUMENT],
    ],
  );
  t.true(Buffer.from(errors[0]!["error"].packet_out.packet_out.payload).equals(PAYLOAD));
  const backupError = (await sp.waitFor(3))[2]!;
  t.is(backupError["error"].canonical_code, grpc.status.PERMISSION_DENIED);
  t.deepEqual(egress, [255, 1, 255]);

  // 6h: an empty message is ignored; 6i: when P2 leaves, P is primary and gets the packet-ins.
  sp2.send({});
  sp2.close();
  t.is((await sp.waitFor(4))[3]!["arbitration"].status.message, "Is primary");
  rig.model.inject(port(255), Buffer.concat([hex("7f80"), PAYLOAD]));
  const pin = (await sp.waitFor(5))[4]!;
  t.deepEqual([...pin["packet"].metadata[0].value], [255]);
  t.is(sp2.received.length, 5, "P2 got nothing after it left");
});

test("PacketOut without a pipeline or before arbitration is refused", async (t) => {
  const rig = await startRig();
  t.teardown(() => rig.close());
  const p = rig.client();
  const s = p.openStream();
  s.send({ packet: { payload: PAYLOAD } });
  t.is((await s.waitFor(1))[0]!["error"].canonical_code, grpc.status.PERMISSION_DENIED);
  await s.arbitrate(1);
  s.send({ packet: { payload: PAYLOAD } });
  t.is((await s.waitFor(3))[2]!["error"].canonical_code, grpc.status.FAILED_PRECONDITION);
});

const digestIndex = new P4InfoIndex({
  digests: [
    {
      preamble: { id: 401, name: "learn_t", alias: "learn_t" },
      type_spec: { struct: { name: "learn_t" } },
    },
  ],
});

function engine(): { engine: DigestEngine; sent: DigestListMessage[] } {
  const sent: DigestListMessage[] = [];
  return { engine: new DigestEngine(digestIndex, (l) => sent.push(l)), sent };
}

test("digests: lists of max_list_size, no resend of unacked data, acks release it", (t) => {
  const { engine: e, sent } = engine();
  e.receive({ name: "learn_t", values: [1n, 2n] });
  t.is(sent.length, 0, "not configured: dropped");
  e.write("INSERT", { digest_id: 401, config: { max_timeout_ns: "1000000000000", max_list_size: 2, ack_timeout_ns: "1000000000000" } });
  t.throws(() => e.write("INSERT", { digest_id: 401, config: {} }), { message: /already configured/ });
  t.throws(() => e.write("MODIFY", { digest_id: 999, config: {} }), { message: /Invalid P4 id/ });
  e.receive({ name: "learn_t", values: [1n, 0x0a0bn] });
  e.receive({ name: "learn_t", values: [1n, 0x0a0bn] });
  t.is(sent.length, 0, "duplicate data in the pending list counts once");
  e.receive({ name: "learn_t", values: [2n, 0n] });
  t.is(sent.length, 1);
  t.is(sent[0]!.digest_id, 401);
  t.deepEqual(
    sent[0]!.data.map((d) => d.struct!.members!.map((m) => [...m.bitstring!])),
    [
      [[1], [10, 11]],
      [[2], [0]],
    ],
  );
  e.receive({ name: "learn_t", values: [1n, 0x0a0bn] });
  e.receive({ name: "learn_t", values: [2n, 0n] });
  e.receive({ name: "learn_t", values: [3n, 0n] });
  t.is(sent.length, 1, "unacked data is not sent again");
  e.ack(401, sent[0]!.list_id);
  e.receive({ name: "learn_t", values: [1n, 0x0a0bn] });
  t.is(sent.length, 2, "after the ack the same data may be sent again");
  t.is(sent[1]!.data.length, 2);
  t.not(sent[1]!.list_id, sent[0]!.list_id);
  e.receive({ name: "learn_t", values: [4n, 0n] });
  t.deepEqual(e.read({}), [{ digest_id: 401, config: { max_timeout_ns: "1000000000000", max_list_size: 2, ack_timeout_ns: "1000000000000" } }]);
  e.write("DELETE", { digest_id: 401 });
  t.is(sent.length, 3, "deleting the config flushes what was pending");
  t.deepEqual(e.read({}), []);
  e.stop();
});

test("digests: max_timeout_ns 0 sends each digest at once", (t) => {
  const { engine: e, sent } = engine();
  const undo = e.write("INSERT", { digest_id: 401, config: { max_timeout_ns: "0", max_list_size: 100, ack_timeout_ns: "0" } });
  e.receive({ name: "learn_t", values: [7n, 7n] });
  e.receive({ name: "learn_t", values: [7n, 7n] });
  t.is(sent.length, 2, "without an ack timeout nothing is held back");
  undo();
  t.deepEqual(e.read({}), [], "undo of the INSERT removes the config");
  e.stop();
});

test("digest config is written and read over P4Runtime", async (t) => {
  const rig = await startRig();
  t.teardown(() => rig.close());
  const p = rig.client();
  await rig.primary(p, 1);
  await rig.load(p, program, 1);
  const r = await p.write({ election_id: eid(1), updates: [{ type: "INSERT", entity: { digest_entry: { digest_id: 12345, config: {} } } }] });
  t.like(r.ok ? {} : r.errors[0], { canonical_code: grpc.status.INVALID_ARGUMENT, message: "Invalid P4 id" });
  const read = await p.read({ entities: [{ digest_entry: {} }] });
  t.like(read, { ok: true, entities: [] });
});
