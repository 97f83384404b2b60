/**
 * The server against clients that send garbage: request bodies that are not protobuf (sent with a
 * raw grpc-js client and an identity serializer), and P4Infos that do not describe the BMv2 JSON
 * they come with. Each is refused with INVALID_ARGUMENT and a precise message; the server stays up
 * and the running pipeline, its entries and its cookie are untouched.
 */
import * as grpc from "@grpc/grpc-js";
import test from "ava";
import { port } from "../../src/dataplane/api.ts";
import type { P4InfoMessage } from "../../src/p4runtime/p4info_index.ts";
import { decodeMessage, encodeMessage } from "../../src/p4runtime/proto.ts";
import { eid, fixtureProgram, hex, startRig, type Client, type Msg, type Program, type Rig } from "./harness.ts";

const program = fixtureProgram("sel");
const DMAC = 44918510;

const forwardEntry = (dst: string, outPort: number): Msg => ({
  table_entry: {
    table_id: DMAC,
    match: [{ field_id: 1, exact: { value: hex(dst) } }],
    action: { action: { action_id: 29683729, params: [{ param_id: 1, value: Buffer.from([outPort]) }] } },
  },
});

/**
 * Bytes none of the request messages decodes: wire type 7, a group never closed, a length past
 * the end, a varint longer than 10 bytes. (protobufjs reads much garbage as some message: those
 * bodies are the random test's.)
 */
const GARBAGE: readonly Buffer[] = [hex("ffffffffffffffffffffff01"), hex("0f"), hex("0b"), hex("12ff"), hex("0a8080808080808080808001")];

function egressPorts(rig: Rig, dst: string): number[] {
  const seen: number[] = [];
  const off = rig.model.onEgress((p) => seen.push(p));
  rig.model.inject(port(1), hex(`${dst}0200000000aa0800` + "00".repeat(50)));
  off();
  return seen;
}

/** A primary with the sel program (cookie 7) and one forwarding entry. */
async function loaded(t: { teardown(f: () => Promise<void>): void }): Promise<{ rig: Rig; p: Client }> {
  const rig = await startRig();
  t.teardown(() => rig.close());
  const p = rig.client();
  await rig.primary(p, 10);
  const load = await rig.load(p, program, 10, 7);
  if (!load.ok) throw new Error(`the fixture did not load: ${load.details}`);
  const write = await p.write({ election_id: eid(10), updates: [{ type: "INSERT", entity: forwardEntry("020000000001", 3) }] });
  if (!write.ok) throw new Error(`the fixture entry was refused: ${write.details}`);
  return { rig, p };
}

/** The pipeline is the one `loaded` set up: same cookie and device config, the entry in place and forwarding. */
async function assertUntouched(t: { is: (a: unknown, b: unknown, m?: string) => void; true: (v: boolean, m?: string) => void; deepEqual: (a: unknown, b: unknown, m?: string) => void }, rig: Rig, p: Client): Promise<void> {
  const config = await p.getConfig({ response_type: "DEVICE_CONFIG_AND_COOKIE" });
  t.is(config.ok && config.response["config"].cookie.cookie, "7", "the cookie of the running pipeline");
  t.true(config.ok && Buffer.from(config.response["config"].p4_device_config).equals(program.deviceConfig), "the running device config");
  const read = await p.read({ entities: [{ table_entry: { table_id: DMAC } }] });
  t.is(read.ok && read.entities.length, 1, "the entry is still there");
  t.deepEqual(egressPorts(rig, "020000000001"), [3], "and still forwards");
}

function rawUnary(rig: Rig, method: string, body: Buffer): Promise<{ code: grpc.status; details: string }> {
  const client = new grpc.Client(rig.address, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      `/p4.v1.P4Runtime/${method}`,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      (err: grpc.ServiceError | null) => {
        client.close();
        resolve(err ? { code: err.code, details: err.details } : { code: grpc.status.OK, details: "" });
      },
    );
  });
}

function rawRead(rig: Rig, body: Buffer): Promise<{ code: grpc.status; details: string }> {
  const client = new grpc.Client(rig.address, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    const call = client.makeServerStreamRequest(
      "/p4.v1.P4Runtime/Read",
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
    );
    call.on("data", () => {});
    call.on("status", (s: grpc.StatusObject) => {
      client.close();
      resolve({ code: s.code, details: s.details });
    });
    call.on("error", () => {});
  });
}

test("garbage Write, Read, SetForwardingPipelineConfig, GetForwardingPipelineConfig and Capabilities bodies get INVALID_ARGUMENT", async (t) => {
  const { rig, p } = await loaded(t);
  for (const body of GARBAGE) {
    for (const method of ["Write", "SetForwardingPipelineConfig", "GetForwardingPipelineConfig", "Capabilities"]) {
      const r = await rawUnary(rig, method, body);
      t.is(r.code, grpc.status.INVALID_ARGUMENT, `${method} ${body.toString("hex")}: ${r.details}`);
      t.regex(r.details, /^Malformed request: /);
    }
    const r = await rawRead(rig, body);
    t.is(r.code, grpc.status.INVALID_ARGUMENT, `Read ${body.toString("hex")}: ${r.details}`);
  }
  await assertUntouched(t, rig, p);
  t.like(await p.capabilities(), { ok: true }, "the server still answers");
});

test("random request bodies (seeded) never get INTERNAL or UNKNOWN, and change nothing", async (t) => {
  const { rig, p } = await loaded(t);
  let x = 0x9e3779b9;
  const byte = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) & 0xff;
  };
  const codes = new Set<grpc.status>();
  for (let i = 0; i < 60; i++) {
    const body = Buffer.from(Array.from({ length: 1 + (byte() % 48) }, byte));
    for (const method of ["Write", "SetForwardingPipelineConfig", "GetForwardingPipelineConfig", "Capabilities"]) {
      const r = await rawUnary(rig, method, body);
      codes.add(r.code);
      t.true(r.code !== grpc.status.INTERNAL && r.code !== grpc.status.UNKNOWN, `${method} ${body.toString("hex")}: ${grpc.status[r.code]} ${r.details}`);
    }
    const r = await rawRead(rig, body);
    codes.add(r.code);
    t.true(r.code !== grpc.status.INTERNAL && r.code !== grpc.status.UNKNOWN, `Read ${body.toString("hex")}: ${grpc.status[r.code]} ${r.details}`);
  }
  t.true(codes.has(grpc.status.INVALID_ARGUMENT), "some bodies did not decode");
  await assertUntouched(t, rig, p);
});

test("a garbage StreamChannel message gets a stream error; the stream and its arbitration survive", async (t) => {
  const { rig, p } = await loaded(t);
  const client = new grpc.Client(rig.address, grpc.credentials.createInsecure());
  t.teardown(() => client.close());
  const call = client.makeBidiStreamRequest(
    "/p4.v1.P4Runtime/StreamChannel",
    (b: Buffer) => b,
    (b: Buffer) => b,
  );
  const received: Msg[] = [];
  let wake: (() => void) | undefined;
  call.on("data", (b: Buffer) => {
    received.push(decodeMessage("p4.v1.StreamMessageResponse", b));
    wake?.();
  });
  call.on("error", () => {});
  const next = async (n: number): Promise<Msg> => {
    while (received.length < n) await new Promise<void>((r) => (wake = r));
    return received[n - 1]!;
  };
  const arbitration = Buffer.from(encodeMessage("p4.v1.StreamMessageRequest", { arbitration: { device_id: "0", election_id: eid(5) } }));
  call.write(arbitration);
  t.like(await next(1), { arbitration: { status: { code: grpc.status.ALREADY_EXISTS } } }, "a backup: the test's client is primary with 10");
  call.write(GARBAGE[1]);
  const error = await next(2);
  t.is(error["error"]?.canonical_code, grpc.status.INVALID_ARGUMENT);
  t.regex(String(error["error"]?.message), /^Malformed stream message: /);
  call.write(Buffer.from(encodeMessage("p4.v1.StreamMessageRequest", { arbitration: { device_id: "0", election_id: eid(20) } })));
  t.like(await next(3), { arbitration: { status: { code: grpc.status.OK, message: "Is primary" } } }, "the same stream still arbitrates");
  call.end();
  await assertUntouched(t, rig, p);
});

/** The fixture's P4Info with one change. */
function mutated(change: (p4info: any) => void): Program {
  const p4info = structuredClone(program.p4info) as P4InfoMessage;
  change(p4info);
  return { p4info, deviceConfig: program.deviceConfig };
}

const MISMATCHES: readonly { name: string; program: Program; message: string }[] = [
  {
    name: "a table the JSON lacks",
    program: mutated((i) => i.tables.push({ ...structuredClone(i.tables[0]), preamble: { id: 33554000, name: "MyIngress.ghost", alias: "ghost" } })),
    message: "P4Info table 'MyIngress.ghost' is not in the device config",
  },
  {
    name: "an action the JSON lacks",
    program: mutated((i) => (i.actions[1].preamble = { ...i.actions[1].preamble, name: "MyIngress.forward_v2" })),
    message: "P4Info action 'MyIngress.forward_v2' is not in the device config",
  },
  {
    name: "an action parameter width",
    program: mutated((i) => (i.actions[1].params[0].bitwidth = 16)),
    message: "P4Info action 'MyIngress.forward' parameter 'port' is 16 bits, the device config's is 9 bits",
  },
  {
    name: "an action parameter count",
    program: mutated((i) => i.actions[1].params.push({ id: 2, name: "extra", bitwidth: 8 })),
    message: "P4Info action 'MyIngress.forward' has 2 parameters, the device config's has 1",
  },
  {
    name: "a match field width",
    program: mutated((i) => (i.tables[0].match_fields[0].bitwidth = 32)),
    message: "P4Info table 'MyIngress.dmac' match field 'hdr.ethernet.dstAddr' is 32 bits, the device config's key 0 (ethernet.dstAddr) is 48 bits",
  },
  {
    name: "a match kind",
    program: mutated((i) => (i.tables[0].match_fields[0].match_type = "LPM")),
    message: "P4Info table 'MyIngress.dmac' match field 'hdr.ethernet.dstAddr' is LPM, the device config's key 0 is exact",
  },
  {
    name: "a match field count",
    program: mutated((i) => i.tables[0].match_fields.push({ id: 2, name: "hdr.ethernet.etherType", bitwidth: 16, match_type: "EXACT" })),
    message: "P4Info table 'MyIngress.dmac' has 2 match fields, the device config's has 1",
  },
  {
    name: "a counter size",
    program: mutated((i) => (i.counters[0].size = 12345)),
    message: "P4Info counter 'MyIngress.ctr1' has 12345 cells, the device config's has",
  },
];

for (const m of MISMATCHES) {
  test(`a P4Info that disagrees with the BMv2 JSON on ${m.name} is refused and the running pipeline stays`, async (t) => {
    const { rig, p } = await loaded(t);
    for (const action of ["VERIFY", "VERIFY_AND_COMMIT", "VERIFY_AND_SAVE", "RECONCILE_AND_COMMIT"]) {
      const r = await p.setConfig({ election_id: eid(10), action, config: { p4info: m.program.p4info, p4_device_config: m.program.deviceConfig, cookie: { cookie: "99" } } });
      t.like(r, { ok: false, code: grpc.status.INVALID_ARGUMENT }, action);
      t.true(!r.ok && r.details.startsWith(m.message), `${action}: ${r.ok ? "accepted" : r.details}`);
    }
    t.like(await p.setConfig({ election_id: eid(10), action: "COMMIT" }), { ok: false, code: grpc.status.FAILED_PRECONDITION }, "nothing was saved");
    await assertUntouched(t, rig, p);
  });
}

test("the unchanged fixture P4Info passes the same check (the mismatches above are what is refused)", async (t) => {
  const { p } = await loaded(t);
  t.like(await p.setConfig({ election_id: eid(10), action: "VERIFY", config: { p4info: program.p4info, p4_device_config: program.deviceConfig } }), { ok: true });
});
