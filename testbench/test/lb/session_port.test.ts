/** A VIP on a port other than the compiled 7700 works once the controller adds the port to the session_ports value set. */
import { makeCookie, MessageType, serverId, type SessionId } from "../../../runtime/src/wire/session_header.ts";
import { buildUdpFrame } from "../../src/packet/index.ts";
import { CLIENT, CLIENT_PORT, SWITCH_MAC, VIP, serverEndpoint } from "./topology.ts";
import { DropReason, Names } from "./programmer.ts";
import { expectNone, expectOne, lbTest } from "./rig.ts";
import { programmedRig } from "./setup.ts";
import { sessionLbNames } from "../../../p4/contract.ts";

const OTHER_PORT = 8800;
const header = { type: MessageType.Request, flags: 0, cookie: makeCookie(serverId(2), serverId(3)), sessionId: 0x88n as SessionId, sessionVersion: 1, requestId: 1 };

function request(dst: number, dstPort: number, ttl: number, srcMac: bigint, dstMac: bigint): Uint8Array {
  return buildUdpFrame({
    ethernet: { src: srcMac as typeof SWITCH_MAC, dst: dstMac as typeof SWITCH_MAC },
    ipv4: { src: CLIENT.ip, dst: dst as typeof CLIENT.ip, ttl },
    udp: { srcPort: CLIENT.port, dstPort },
    payload: { kind: "session", header },
  });
}

lbTest("a VIP port outside the value set is not parsed (dropped as missing); inside it, requests are balanced", async (t) => {
  const rig = await programmedRig();
  rig.program.addVip(VIP.ip, OTHER_PORT);
  const server = serverEndpoint(serverId(2));
  expectNone(t, rig.send(CLIENT_PORT, request(VIP.ip, OTHER_PORT, 64, CLIENT.mac, SWITCH_MAC)));
  t.is(rig.drops(DropReason.SessionMissing), 1n);

  rig.program.addSessionPort(OTHER_PORT);
  expectOne(t, rig.send(CLIENT_PORT, request(VIP.ip, OTHER_PORT, 64, CLIENT.mac, SWITCH_MAC)), 12, request(server.ip, server.udpPort, 63, SWITCH_MAC, server.mac));
  t.is(rig.requestsTo(serverId(2)), 1n);
});

lbTest("a server answering from a value-set port is SNAT'd to its VIP port", async (t) => {
  const rig = await programmedRig();
  rig.program.addSessionPort(OTHER_PORT);
  const server = serverEndpoint(serverId(4));
  rig.sw.control.tableAdd(Names.serverSource, [{ kind: "exact", value: BigInt(server.ip) }, { kind: "exact", value: BigInt(OTHER_PORT) }], {
    kind: "action",
    call: { action: sessionLbNames("v1model").actions.fromServer, args: [4n, BigInt(VIP.ip), BigInt(OTHER_PORT)] },
  });
  const response = (src: number, srcPort: number, ttl: number, srcMac: bigint, dstMac: bigint) =>
    buildUdpFrame({
      ethernet: { src: srcMac as typeof SWITCH_MAC, dst: dstMac as typeof SWITCH_MAC },
      ipv4: { src: src as typeof CLIENT.ip, dst: CLIENT.ip, ttl },
      udp: { srcPort, dstPort: CLIENT.port },
      payload: { kind: "session", header: { ...header, type: MessageType.Response } },
    });
  expectOne(t, rig.send(14, response(server.ip, OTHER_PORT, 64, server.mac, SWITCH_MAC)), CLIENT_PORT, response(VIP.ip, OTHER_PORT, 63, SWITCH_MAC, CLIENT.mac));
  t.is(rig.packets(Names.serverResponses, 4), 1n);
});
