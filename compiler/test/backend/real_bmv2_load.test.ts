/**
 * Our compiler's JSON + P4Info for the LB program, loaded into the real simple_switch_grpc by
 * P4Runtime: every kind of write the controller makes must be accepted, and read back, exactly
 * as with p4c's output for the same program. Skips (never passes) where the tool is absent.
 */
import test, { type ExecutionContext } from "ava";
import { findSimpleSwitchGrpc, launchSimpleSwitchGrpc } from "../../../bmv2/src/real/simple_switch.ts";
import { action, group, groupAction, insert, member, tableEntry, type Update } from "../../../runtime/src/p4rt/entities.ts";
import { parseP4Info } from "../../../runtime/src/p4rt/p4info.ts";
import { Switch } from "../../../runtime/src/p4rt/switch.ts";
import { compileFile, compileFileWith, realCompilerAvailable, type CompileResult } from "../../src/index.ts";
import { freeTcpPort } from "../../../testbench/src/realnet/ports.ts";

const PROGRAM = "p4/v1model/session_lb.p4";
const SELECT = "SessionLbIngress.session_select";


/** The writes a controller makes for one VIP, two servers and a route. */
const controllerWrites: readonly Update[] = [
  insert(tableEntry(`${SELECT}.server_map`, { match: { "meta.primary_id": 1 }, action: action(`${SELECT}.set_primary`, { server_addr: 0x0a000001, server_port: 7000, generation: 1 }) })),
  insert(tableEntry(`${SELECT}.server_map`, { match: { "meta.primary_id": 2 }, action: action(`${SELECT}.set_primary`, { server_addr: 0x0a000002, server_port: 7000, generation: 1 }) })),
  insert(member(`${SELECT}.new_session_selector`, 1, { name: `${SELECT}.pick_new_server`, params: { server_id: 1, server_addr: 0x0a000001, server_port: 7000 } })),
  insert(member(`${SELECT}.new_session_selector`, 2, { name: `${SELECT}.pick_new_server`, params: { server_id: 2, server_addr: 0x0a000002, server_port: 7000 } })),
  insert(group(`${SELECT}.new_session_selector`, 10, [{ memberId: 1 }, { memberId: 2 }], 4)),
  insert(tableEntry(`${SELECT}.new_session_select`, { match: { "hdr.ipv4.dst_addr": 0x0a0000fe }, action: groupAction(10) })),
  insert(
    tableEntry("SessionLbIngress.forwarding.ipv4_lpm", {
      match: { "hdr.ipv4.dst_addr": "10.0.0.0/24" },
      action: action("SessionLbIngress.forwarding.route", { port: 1, src_mac: 0x020000000001n, dst_mac: 0x020000000002n }),
    }),
  ),
];

async function loadAndWrite(t: ExecutionContext, compiled: CompileResult & { ok: true }): Promise<number> {
  const launched = await launchSimpleSwitchGrpc({ grpcAddress: `127.0.0.1:${await freeTcpPort()}`, thriftPort: await freeTcpPort() });
  if (launched.kind !== "running") throw new Error(launched.message);
  const client = new Switch({ address: launched.grpcAddress, electionId: 1, reconnect: false });
  try {
    t.is(await client.connect(), "primary");
    await client.setPipeline({ p4info: parseP4Info(compiled.p4infoText), deviceConfig: Buffer.from(JSON.stringify(compiled.bmv2Json)) });
    await client.write(controllerWrites);
    return (await client.readAll(tableEntry(`${SELECT}.server_map`))).length;
  } finally {
    client.close();
    await launched.stop();
  }
}

const binary = findSimpleSwitchGrpc();
if (!binary) {
  test.skip("our session_lb JSON on real simple_switch_grpc: controller writes accepted (skipped: simple_switch_grpc is not installed, not on PATH)", () => {});
} else {
  test("our session_lb JSON on real simple_switch_grpc: controller writes accepted", async (t) => {
    const ours = compileFile(PROGRAM);
    if (!ours.ok) return t.fail(ours.diagnostics.map((d) => d.message).join("; "));
    t.is(await loadAndWrite(t, ours), 2);
  });
  if (realCompilerAvailable("bmv2")) {
    test("p4c's session_lb JSON takes the same writes on real simple_switch_grpc", async (t) => {
      const real = compileFileWith("p4c", PROGRAM);
      if (!real.ok) return t.fail(real.diagnostics.map((d) => d.message).join("; "));
      t.is(await loadAndWrite(t, real), 2);
    });
  } else {
    test.skip("p4c's session_lb JSON takes the same writes on real simple_switch_grpc (skipped: p4c-bm2-ss not installed)", () => {});
  }
}
