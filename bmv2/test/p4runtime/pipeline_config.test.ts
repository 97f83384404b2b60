/** Traces 02 (pipeline config, Get, Capabilities) and 07 (bad device config) against our server. */
import * as grpc from "@grpc/grpc-js";
import test from "ava";
import { port } from "../../src/dataplane/api.ts";
import { encodeMessage } from "../../src/p4runtime/proto.ts";
import { conformanceProgram, eid, fixtureProgram, hex, startRig, type Client, type Msg, type Rig } from "./harness.ts";

const program = fixtureProgram("sel");

const forwardEntry = (dst: string, outPort: number): Msg => ({
  table_entry: {
    table_id: 44918510,
    match: [{ field_id: 1, exact: { value: hex(dst) } }],
    action: { action: { action_id: 29683729, params: [{ param_id: 1, value: Buffer.from([outPort]) }] } },
  },
});

/** Sends a frame to dst into port 1 and returns the ports it left through. */
function egressPorts(rig: Rig, dst: string): number[] {
  const seen: number[] = [];
  const off = rig.model.onEgress((p) => seen.push(p));
  rig.model.inject(port(1), hex(`${dst}0200000000aa0800` + "00".repeat(50)));
  off();
  return seen;
}

/** Valid JSON whose names agree with the P4Info, but whose parser extracts a header that does not exist. */
function brokenProgram(): Buffer {
  const json = JSON.parse(program.deviceConfig.toString("utf8"));
  json.parsers[0].parse_states[2].parser_ops[0].parameters[0].value = "no_such_header";
  return Buffer.from(JSON.stringify(json));
}

async function setup(t: { teardown(f: () => Promise<void>): void }): Promise<{ rig: Rig; p: Client }> {
  const rig = await startRig();
  t.teardown(() => rig.close());
  const p = rig.client();
  await rig.primary(p, 10);
  return { rig, p };
}

test("trace 02: VERIFY_AND_COMMIT, Get with every response type, cookie, Capabilities", async (t) => {
  const { rig, p } = await setup(t);
  t.like(await p.getConfig({}), { ok: false, code: grpc.status.FAILED_PRECONDITION, details: "No forwarding pipeline config set for this device" });
  t.like(await rig.load(p, program, 10), { ok: true, response: {} });

  let got = await p.getConfig({});
  t.true(got.ok);
  let config = got.ok ? got.response["config"] : {};
  t.is(config.cookie, null, "no cookie set");
  t.true(Buffer.from(config.p4_device_config).equals(program.deviceConfig));
  t.true(Buffer.from(encodeMessage("p4.config.v1.P4Info", config.p4info)).equals(Buffer.from(encodeMessage("p4.config.v1.P4Info", program.p4info))));

  t.like(await rig.load(p, program, 10, 0x1234), { ok: true });
  const byType = async (response_type: string): Promise<Msg> => {
    const r = await p.getConfig({ response_type });
    return r.ok ? r.response["config"] : {};
  };
  config = await byType("ALL");
  t.is(config.cookie.cookie, "4660");
  t.truthy(config.p4info);
  t.true(config.p4_device_config.length > 0);
  config = await byType("COOKIE_ONLY");
  t.is(config.cookie.cookie, "4660");
  t.is(config.p4info, null);
  t.is(config.p4_device_config.length, 0);
  config = await byType("P4INFO_AND_COOKIE");
  t.truthy(config.p4info);
  t.is(config.p4_device_config.length, 0);
  config = await byType("DEVICE_CONFIG_AND_COOKIE");
  t.is(config.p4info, null);
  t.true(Buffer.from(config.p4_device_config).equals(program.deviceConfig));

  // 2d / 2e / 2f / 2h.
  t.like(await p.getConfig({ device_id: "7" }), { ok: false, code: grpc.status.FAILED_PRECONDITION });
  const cfg = { p4info: program.p4info, p4_device_config: program.deviceConfig };
  t.like(await p.setConfig({ election_id: eid(10), action: "VERIFY", config: cfg }), { ok: true });
  t.like(await p.setConfig({ election_id: eid(10), config: cfg }), {
    ok: false,
    code: grpc.status.INVALID_ARGUMENT,
    details: "Invalid SetForwardingPipeline action",
    hasStatusDetails: true,
  });
  got = await p.capabilities();
  t.like(got, { ok: true, response: { p4runtime_api_version: "1.3.0" } });
});

const otherProgram = conformanceProgram("issue1062-1-bmv2");
if (!otherProgram) console.log("conformance corpus not found: the second-program test is skipped");

(otherProgram ? test : test.skip)("VERIFY_AND_SAVE then COMMIT swaps the program; COMMIT needs a saved config and no new one", async (t) => {
  const { rig, p } = await setup(t);
  const other = otherProgram!;
  t.like(await rig.load(p, program, 10), { ok: true });
  t.like(await p.setConfig({ election_id: eid(10), action: "COMMIT" }), { ok: false, code: grpc.status.FAILED_PRECONDITION });
  t.like(await p.setConfig({ election_id: eid(10), action: "VERIFY_AND_SAVE", config: { p4info: other.p4info, p4_device_config: other.deviceConfig } }), { ok: true });
  // Still the old program until COMMIT.
  t.like(await p.read({ entities: [{ table_entry: { table_id: 44918510 } }] }), { ok: true });
  t.like(await p.setConfig({ election_id: eid(10), action: "COMMIT", config: { p4_device_config: other.deviceConfig } }), {
    ok: false,
    code: grpc.status.INVALID_ARGUMENT,
  });
  t.like(await p.setConfig({ election_id: eid(10), action: "COMMIT" }), { ok: true });
  t.like(await p.read({ entities: [{ table_entry: { table_id: 44918510 } }] }), { ok: false, code: grpc.status.INVALID_ARGUMENT });
  const got = await p.getConfig({ response_type: "DEVICE_CONFIG_AND_COOKIE" });
  t.true(got.ok && Buffer.from(got.response["config"].p4_device_config).equals(other.deviceConfig));
});

test("RECONCILE_AND_COMMIT with the same program keeps the entries and takes the new cookie", async (t) => {
  const { rig, p } = await setup(t);
  t.like(await rig.load(p, program, 10, 1), { ok: true });
  t.like(await p.write({ election_id: eid(10), updates: [{ type: "INSERT", entity: forwardEntry("020000000001", 3) }] }), { ok: true });
  const cfg = { p4info: program.p4info, p4_device_config: program.deviceConfig, cookie: { cookie: "2" } };
  t.like(await p.setConfig({ election_id: eid(10), action: "RECONCILE_AND_COMMIT", config: cfg }), { ok: true });
  const read = await p.read({ entities: [{ table_entry: { table_id: 44918510 } }] });
  t.is(read.ok && read.entities.length, 1);
  t.deepEqual(egressPorts(rig, "020000000001"), [3]);
  const got = await p.getConfig({ response_type: "COOKIE_ONLY" });
  t.is(got.ok && got.response["config"].cookie.cookie, "2");
  const other = otherProgram;
  if (other) {
    t.like(await p.setConfig({ election_id: eid(10), action: "RECONCILE_AND_COMMIT", config: { p4info: other.p4info, p4_device_config: other.deviceConfig } }), {
      ok: false,
      code: grpc.status.INVALID_ARGUMENT,
    });
  }
});

test("trace 07, done better: a bad device config is refused and the running pipeline keeps working", async (t) => {
  const { rig, p } = await setup(t);
  t.like(await rig.load(p, program, 10, 0x1234), { ok: true });
  t.like(await p.write({ election_id: eid(10), updates: [{ type: "INSERT", entity: forwardEntry("020000000001", 2) }] }), { ok: true });
  t.deepEqual(egressPorts(rig, "020000000001"), [2]);

  const bad = [
    Buffer.from("{not json"),
    Buffer.from('{"pipelines": [], "actions": []}'),
    brokenProgram(),
  ];
  for (const deviceConfig of bad) {
    const verify = await p.setConfig({ election_id: eid(10), action: "VERIFY", config: { p4info: program.p4info, p4_device_config: deviceConfig } });
    t.like(verify, { ok: false, code: grpc.status.INVALID_ARGUMENT });
    const commit = await p.setConfig({
      election_id: eid(10),
      action: "VERIFY_AND_COMMIT",
      config: { p4info: program.p4info, p4_device_config: deviceConfig, cookie: { cookie: "99" } },
    });
    t.like(commit, { ok: false, code: grpc.status.INVALID_ARGUMENT });
  }
  t.like(await p.setConfig({ election_id: eid(10), action: "VERIFY_AND_COMMIT", config: { p4_device_config: program.deviceConfig } }), {
    ok: false,
    code: grpc.status.INVALID_ARGUMENT,
  });

  // 7b-7d: the old config, entries and forwarding are intact, and writes still work.
  const cookie = await p.getConfig({ response_type: "COOKIE_ONLY" });
  t.is(cookie.ok && cookie.response["config"].cookie.cookie, "4660");
  const read = await p.read({ entities: [{ table_entry: { table_id: 44918510 } }] });
  t.is(read.ok && read.entities.length, 1);
  t.deepEqual(egressPorts(rig, "020000000001"), [2]);
  t.like(await p.write({ election_id: eid(10), updates: [{ type: "INSERT", entity: forwardEntry("020000000042", 4) }] }), { ok: true });
  t.deepEqual(egressPorts(rig, "020000000042"), [4]);
  // 7f: a good config still loads (and resets the tables).
  t.like(await rig.load(p, program, 10), { ok: true });
  const after = await p.read({ entities: [{ table_entry: { table_id: 44918510 } }] });
  t.is(after.ok && after.entities.length, 0);
});
