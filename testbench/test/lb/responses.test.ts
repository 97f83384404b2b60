/** Responses from servers leave from the VIP (SNAT), with valid checksums, counted per server. */
import { makeCookie, MessageType, serverId } from "../../../runtime/src/wire/session_header.ts";
import { buildUdpFrame, ipv4 } from "../../src/packet/index.ts";
import { CLIENT, CLIENT_PORT, SWITCH_MAC, responseAtClient, serverEndpoint, serverResponse } from "./topology.ts";
import { Names } from "./programmer.ts";
import { expectOne } from "./rig.ts";
import { lbMatrixTest } from "./matrix.ts";

lbMatrixTest("a response from a server is SNAT'd to the VIP and routed to the client, exact frame", async (t, rig) => {
  const spec = { cookie: makeCookie(serverId(3), serverId(1)), sessionId: 0x99n, requestId: 5 };
  expectOne(t, await rig.send(13, serverResponse(serverEndpoint(serverId(3)), spec)), CLIENT_PORT, responseAtClient(spec));
  t.is(await rig.packets(Names.serverResponses, 3), 1n);
});

lbMatrixTest("error responses (type 3) are SNAT'd too", async (t, rig) => {
  const spec = { cookie: makeCookie(serverId(4), serverId(2)), sessionId: 0x98n, type: MessageType.Error };
  expectOne(t, await rig.send(14, serverResponse(serverEndpoint(serverId(4)), spec)), CLIENT_PORT, responseAtClient(spec));
  t.is(await rig.packets(Names.serverResponses, 4), 1n);
});

lbMatrixTest("a session response from an address that is not a server is forwarded untouched (no SNAT)", async (t, rig) => {
  const stranger = (ttl: number, srcMac: bigint, dstMac: bigint) =>
    buildUdpFrame({
      ethernet: { src: srcMac as typeof SWITCH_MAC, dst: dstMac as typeof SWITCH_MAC },
      ipv4: { src: ipv4("10.9.9.9"), dst: CLIENT.ip, ttl },
      udp: { srcPort: 7700, dstPort: CLIENT.port },
      payload: { kind: "session", header: { type: 2, flags: 0, cookie: 0 as never, sessionId: 1n as never, sessionVersion: 1, requestId: 1 } },
    });
  expectOne(t, await rig.send(20, stranger(64, 0x020000000999n, SWITCH_MAC)), CLIENT_PORT, stranger(63, SWITCH_MAC, CLIENT.mac));
  for (const id of [1, 2, 3, 4]) t.is(await rig.packets(Names.serverResponses, id), 0n);
});

lbMatrixTest("a server's non-session traffic (other port) is plain IPv4", async (t, rig) => {
  const server = serverEndpoint(serverId(2));
  const frame = (ttl: number, srcMac: bigint, dstMac: bigint) =>
    buildUdpFrame({
      ethernet: { src: srcMac as typeof SWITCH_MAC, dst: dstMac as typeof SWITCH_MAC },
      ipv4: { src: server.ip, dst: CLIENT.ip, ttl },
      udp: { srcPort: 8800, dstPort: CLIENT.port },
      payload: { kind: "raw", bytes: new Uint8Array([1, 2, 3]) },
    });
  expectOne(t, await rig.send(12, frame(64, server.mac, SWITCH_MAC)), CLIENT_PORT, frame(63, SWITCH_MAC, CLIENT.mac));
  t.is(await rig.packets(Names.serverResponses, 2), 0n);
});
