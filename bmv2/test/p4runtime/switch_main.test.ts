/** startSwitch (model + UDP wires + gRPC), the `slb switch` command, and the real simple_switch_grpc launcher. */
import { createSocket, type Socket } from "node:dgram";
import { once } from "node:events";
import { join } from "node:path";
import test, { type ExecutionContext } from "ava";
import { findSimpleSwitchGrpc, launchSimpleSwitchGrpc, simpleSwitchGrpcArgs } from "../../src/real/simple_switch.ts";
import { startSwitch } from "../../src/switch_main.ts";
import { switchCommand } from "../../../runtime/src/cli/commands/switch.ts";
import { UsageError } from "../../../runtime/src/cli/command.ts";
import { Client, eid, FIXTURES, hex } from "./harness.ts";

async function udpSocket(): Promise<Socket> {
  const s = createSocket("udp4");
  s.bind(0, "127.0.0.1");
  await once(s, "listening");
  return s;
}

/** Becomes primary and sends frames for 02:00:00:00:00:02 out of port 2 (the fixture's dmac table). */
async function routeToPort2(t: ExecutionContext, client: Client): Promise<void> {
  const stream = client.openStream();
  t.is((await stream.arbitrate(1))["arbitration"].status.message, "Is primary");
  const cfg = await client.getConfig({ response_type: "COOKIE_ONLY" });
  t.like(cfg, { ok: true });
  const w = await client.write({
    election_id: eid(1),
    updates: [
      {
        type: "INSERT",
        entity: {
          table_entry: {
            table_id: 44918510,
            match: [{ field_id: 1, exact: { value: hex("020000000002") } }],
            action: { action: { action_id: 29683729, params: [{ param_id: 1, value: Buffer.from([2]) }] } },
          },
        },
      },
    ],
  });
  t.like(w, { ok: true });
}

test("startSwitch: program loaded at start, entries over gRPC, frames over UDP wires", async (t) => {
  const sw = await startSwitch({
    grpcAddress: "127.0.0.1:0",
    ports: 4,
    wireBasePort: 0,
    cpuPort: 255,
    jsonFile: join(FIXTURES, "sel.json"),
    p4infoFile: join(FIXTURES, "sel.p4info.txtpb"),
  });
  const client = new Client(sw.grpcAddress);
  const host1 = await udpSocket();
  const host2 = await udpSocket();
  t.teardown(async () => {
    client.close();
    host1.close();
    host2.close();
    await sw.stop();
  });
  await routeToPort2(t, client);
  // Host 2 makes itself known on port 2's wire, then host 1 sends a frame for it into port 1.
  const w2 = sw.wire(2);
  host2.send(hex("ffffffffffff020000000099" + "0800" + "00".repeat(46)), w2.port, w2.address);
  const arrived = once(host2, "message");
  const frame = hex("020000000002" + "020000000001" + "0800" + "ab".repeat(46));
  const w1 = sw.wire(1);
  host1.send(frame, w1.port, w1.address);
  const [msg] = (await arrived) as [Buffer];
  t.true(msg.equals(frame));
  t.throws(() => sw.wire(255), { message: /no UDP wire/ });
});

test("startSwitch with peerBasePort reaches a host that has never sent on its wire", async (t) => {
  const host1 = await udpSocket();
  const host2 = await udpSocket();
  const peerBasePort = host2.address().port - 2;
  const sw = await startSwitch({
    grpcAddress: "127.0.0.1:0",
    ports: 4,
    wireBasePort: 0,
    peerBasePort,
    jsonFile: join(FIXTURES, "sel.json"),
    p4infoFile: join(FIXTURES, "sel.p4info.txtpb"),
  });
  const client = new Client(sw.grpcAddress);
  t.teardown(async () => {
    client.close();
    host1.close();
    host2.close();
    await sw.stop();
  });
  await routeToPort2(t, client);
  const arrived = once(host2, "message");
  const frame = hex("020000000002" + "020000000001" + "0800" + "cd".repeat(46));
  host1.send(frame, sw.wire(1).port, sw.wire(1).address);
  const [msg] = (await arrived) as [Buffer];
  t.true(msg.equals(frame));
});

test("startSwitch refuses a program without its P4Info", async (t) => {
  await t.throwsAsync(startSwitch({ grpcAddress: "127.0.0.1:0", wireBasePort: 0, jsonFile: join(FIXTURES, "sel.json") }), { message: /both/ });
});

test("slb switch: usage errors", async (t) => {
  await t.throwsAsync(switchCommand.run(["--json", "x.json"]), { instanceOf: UsageError, message: /--json and --p4info/ });
  await t.throwsAsync(switchCommand.run(["--cpu-port", "600"]), { instanceOf: UsageError });
  await t.throwsAsync(switchCommand.run(["--bogus"]), { instanceOf: UsageError });
  await t.throwsAsync(switchCommand.run(["extra"]), { instanceOf: UsageError });
  t.regex(switchCommand.help, /--grpc-addr/);
});

test("simple_switch_grpc command line", (t) => {
  t.deepEqual(simpleSwitchGrpcArgs({}), ["--no-p4", "--", "--grpc-server-addr", "127.0.0.1:9559"]);
  t.deepEqual(
    simpleSwitchGrpcArgs({
      interfaces: [
        { port: 1, iface: "veth1" },
        { port: 2, iface: "veth3" },
      ],
      jsonFile: "lb.json",
      deviceId: 1,
      grpcAddress: "127.0.0.1:50051",
      cpuPort: 255,
    }),
    ["-i", "1@veth1", "-i", "2@veth3", "--device-id", "1", "lb.json", "--", "--grpc-server-addr", "127.0.0.1:50051", "--cpu-port", "255"],
  );
});

test("the launcher says clearly when simple_switch_grpc is not installed", async (t) => {
  t.is(findSimpleSwitchGrpc(""), undefined);
  const result = await launchSimpleSwitchGrpc({ searchPath: "" });
  t.is(result.kind, "not-installed");
  t.regex(result.kind === "not-installed" ? result.message : "", /not installed/);
});

const realSwitch = findSimpleSwitchGrpc();
(realSwitch ? test : test.skip)("real simple_switch_grpc answers arbitration and Capabilities like ours (needs simple_switch_grpc)", async (t) => {
  const grpcAddress = `127.0.0.1:${40000 + (process.pid % 20000)}`;
  const launched = await launchSimpleSwitchGrpc({ grpcAddress, cpuPort: 255 });
  if (launched.kind !== "running") {
    t.fail(launched.message);
    return;
  }
  const client = new Client(grpcAddress);
  t.teardown(async () => {
    client.close();
    await launched.stop();
  });
  const s = client.openStream();
  t.is((await s.arbitrate(1))["arbitration"].status.message, "Is primary");
  t.like(await client.capabilities(), { ok: true, response: { p4runtime_api_version: "1.3.0" } });
});
if (!realSwitch) console.log("simple_switch_grpc not installed: the real-switch test is skipped");
