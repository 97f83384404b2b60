import test from "ava";
import { fileURLToPath } from "node:url";
import { createSwitch, port, type Digest, type SwitchModel } from "../../../bmv2/src/dataplane/index.ts";
import { compileFile } from "../../src/index.ts";

// v1model externs through our compiler, run on our switch: the JSON objects and primitives
// the back end emits must do what the P4 program says.
const PROGRAM = fileURLToPath(new URL("./programs/externs.p4", import.meta.url));
const compiled = compileFile(PROGRAM);
type J = any;

function freshSwitch(): { sw: SwitchModel; out: { port: number; frame: Uint8Array }[]; digests: Digest[] } {
  if (!compiled.ok) throw new Error(`externs.p4 does not compile: ${compiled.diagnostics.map((d) => d.message).join("; ")}`);
  const sw = createSwitch();
  sw.loadPipeline(JSON.parse(JSON.stringify(compiled.bmv2Json)) as unknown);
  const out: { port: number; frame: Uint8Array }[] = [];
  const digests: Digest[] = [];
  sw.onEgress((p, frame) => out.push({ port: p, frame: frame.slice() }));
  sw.onDigest((d) => digests.push(d));
  return { sw, out, digests };
}

const SRC = 0x020000000001n;

function probe(op: number, idx: number, value = 0): Uint8Array {
  const b = Buffer.alloc(14 + 10);
  b.writeUIntBE(0x0a0000000001, 0, 6);
  b.writeUIntBE(Number(SRC), 6, 6);
  b.writeUInt16BE(0x88b5, 12);
  b[14] = op;
  b[15] = idx;
  b.writeUInt32BE(value, 16);
  return new Uint8Array(b);
}

const probeValue = (frame: Uint8Array) => Buffer.from(frame).readUInt32BE(16);

/** CRC-16/ARC, bmv2's "crc16". */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

test("externs.p4 compiles to the bmv2 objects of its externs", (t) => {
  t.true(compiled.ok);
  if (!compiled.ok) return;
  const json = compiled.bmv2Json as J;
  t.deepEqual(
    json.counter_arrays.map((c: J) => [c.name, c.is_direct]),
    [
      ["I.seen", false],
      ["I.fwd_hits", true],
    ],
  );
  t.deepEqual(json.register_arrays.map((r: J) => [r.name, r.size, r.bitwidth]), [["I.store", 16, 32]]);
  t.deepEqual(json.meter_arrays.map((m: J) => [m.name, m.type, m.size]), [["I.rate", "packets", 4]]);
  t.deepEqual(json.learn_lists.map((l: J) => l.name), ["learn_t"]);
  const info = compiled.p4info as J;
  t.deepEqual(info.direct_counters.map((c: J) => c.preamble.name), ["I.fwd_hits"]);
  t.is(info.direct_counters[0].direct_table_id, info.tables.find((tb: J) => tb.preamble.name === "I.fwd").preamble.id);
  t.is(info.counters[0].spec.unit, "BOTH");
  t.is(info.meters[0].preamble.id >>> 24, 0x14);
  t.deepEqual(
    info.controller_packet_metadata.map((h: J) => [h.preamble.name, h.preamble.id >>> 24, h.preamble.annotations, h.metadata.map((m: J) => [m.id, m.name, m.bitwidth])]),
    [["packet_in", 0x04, ['@controller_header("packet_in")'], [[1, "ingress_port", 9], [2, "pad", 7]]]],
  );
});

test("register write then read returns the value, and the indexed counter counts both probes", (t) => {
  const { sw, out } = freshSwitch();
  sw.inject(port(3), probe(1, 5, 0xdeadbeef));
  sw.inject(port(3), probe(2, 5));
  t.is(out.length, 2);
  t.is(out[1]!.port, 3);
  t.is(probeValue(out[1]!.frame), 0xdeadbeef);
  t.is(sw.control.registerRead("I.store", 5), 0xdeadbeefn);
  const seen = sw.control.counterRead("I.seen", 5);
  t.is(seen.packets, 2n);
  t.is(seen.bytes, 48n);
});

test("hash() computes crc16 over the listed fields, in order", (t) => {
  const { sw, out } = freshSwitch();
  sw.inject(port(1), probe(3, 7));
  const input = Buffer.alloc(7);
  input.writeUIntBE(Number(SRC), 0, 6);
  input[6] = 7;
  t.is(Buffer.from(out[0]!.frame).readUInt16BE(20), crc16(input));
});

test("digest() sends the listed fields to the controller", (t) => {
  const { sw, digests } = freshSwitch();
  sw.inject(port(1), probe(4, 9));
  t.deepEqual(
    digests.map((d) => [d.name, d.values]),
    [["learn_t", [SRC, 9n]]],
  );
});

test("a table with a direct counter forwards by its entry and counts hits", (t) => {
  const { sw, out } = freshSwitch();
  const frame = probe(0, 0);
  const plain = new Uint8Array(frame.slice(0, 14));
  plain[12] = 0x08;
  plain[13] = 0x00;
  const handle = sw.control.tableAdd("I.fwd", [{ kind: "exact", value: 0x0a0000000001n }], { kind: "action", call: { action: "I.forward_counted", args: [4n] } });
  sw.inject(port(1), plain);
  sw.inject(port(1), plain);
  t.deepEqual(
    out.map((o) => o.port),
    [4, 4],
  );
  t.is(sw.control.directCounterRead("I.fwd", handle).packets, 2n);
});

test("an action selector spreads by the selector key over a group's members", (t) => {
  const { sw, out } = freshSwitch();
  const a = sw.control.memberAdd("I.pool", { action: "I.forward", args: [6n] });
  const group = sw.control.groupCreate("I.pool");
  sw.control.groupAddMember("I.pool", group, a);
  sw.control.tableAdd("I.spread", [{ kind: "exact", value: 2n }], { kind: "group", group });
  sw.inject(port(1), probe(6, 2));
  t.deepEqual(
    out.map((o) => o.port),
    [6],
  );
});

test("an unconfigured meter colours packets green", (t) => {
  const { sw, out } = freshSwitch();
  sw.inject(port(2), probe(5, 1));
  t.is(out[0]!.frame[22], 0);
});
