/** Traffic to the VIP that is not a well-formed session request: dropped and counted by reason, nothing misrouted. */
import { makeCookie, serverId } from "../../../runtime/src/wire/session_header.ts";
import { buildUdpFrame } from "../../src/packet/index.ts";
import { CLIENT, CLIENT_PORT, SWITCH_MAC, VIP, clientRequest, requestAtServer, serverEndpoint } from "./topology.ts";
import { DropReason, Names } from "./programmer.ts";
import { expectNone, expectOne } from "./rig.ts";
import { lbMatrixTest } from "./matrix.ts";

const UDP_PAYLOAD_OFFSET = 14 + 20 + 8;
const known = { cookie: makeCookie(serverId(2), serverId(3)), sessionId: 0x55n };

function vipDatagram(payload: Uint8Array, flags = 0): Uint8Array {
  return buildUdpFrame({
    ethernet: { src: CLIENT.mac, dst: SWITCH_MAC },
    ipv4: { src: CLIENT.ip, dst: VIP.ip, flags },
    udp: { srcPort: CLIENT.port, dstPort: VIP.port },
    payload: { kind: "raw", bytes: payload },
  });
}

lbMatrixTest("a session header cut short is dropped as truncated, whatever its length", async (t, rig) => {
  const full = clientRequest(known).subarray(UDP_PAYLOAD_OFFSET, UDP_PAYLOAD_OFFSET + 24);
  for (const length of [0, 1, 2, 8, 23]) {
    expectNone(t, await rig.send(CLIENT_PORT, vipDatagram(full.slice(0, length))));
  }
  t.is(await rig.drops(DropReason.SessionTruncated), 5n);
  t.is(await rig.requestsTo(serverId(2)), 0n);
});

lbMatrixTest("wrong magic, version or message type to the VIP are dropped and counted separately", async (t, rig) => {
  const badMagic = clientRequest(known);
  badMagic[UDP_PAYLOAD_OFFSET] = 0x00;
  const badVersion = clientRequest(known);
  badVersion[UDP_PAYLOAD_OFFSET + 2] = 0x21;
  const responseToVip = clientRequest(known);
  responseToVip[UDP_PAYLOAD_OFFSET + 2] = 0x12;
  const unknownType = clientRequest(known);
  unknownType[UDP_PAYLOAD_OFFSET + 2] = 0x1f;
  for (const frame of [badMagic, badVersion, responseToVip, unknownType]) expectNone(t, await rig.send(CLIENT_PORT, frame));
  t.is(await rig.drops(DropReason.SessionBadMagic), 1n);
  t.is(await rig.drops(DropReason.SessionBadVersion), 1n);
  t.is(await rig.drops(DropReason.SessionBadType), 2n);
  t.is(await rig.requestsTo(serverId(2)), 0n);
});

lbMatrixTest("a first fragment of a request (more-fragments set) is dropped and counted", async (t, rig) => {
  const payload = clientRequest(known).subarray(UDP_PAYLOAD_OFFSET);
  expectNone(t, await rig.send(CLIENT_PORT, vipDatagram(payload, 0x1)));
  t.is(await rig.drops(DropReason.Fragmented), 1n);
});

lbMatrixTest("a session request with IPv4 options is DNAT'd with options kept and both checksums right", async (t, rig) => {
  const spec = { ...known, options: new Uint8Array([0x94, 0x04, 0x00, 0x00]) };
  expectOne(t, await rig.send(CLIENT_PORT, clientRequest(spec)), 12, requestAtServer(spec, serverEndpoint(serverId(2)), false));
});

lbMatrixTest("a request with UDP checksum 0 keeps it 0; a failover with a checksum keeps it valid", async (t, rig) => {
  const noChecksum = clientRequest(known);
  noChecksum[14 + 20 + 6] = 0;
  noChecksum[14 + 20 + 7] = 0;
  const out = await rig.send(CLIENT_PORT, noChecksum);
  const expected = requestAtServer(known, serverEndpoint(serverId(2)), false);
  expected[14 + 20 + 6] = 0;
  expected[14 + 20 + 7] = 0;
  expectOne(t, out, 12, expected);

  await rig.program.markDown(serverId(2));
  await rig.program.setFailoverGroups([serverId(4)], [serverId(3)]);
  const spec = { ...known, requestId: 77 };
  expectOne(t, await rig.send(CLIENT_PORT, clientRequest(spec)), 14, requestAtServer(spec, serverEndpoint(serverId(4)), true));
});

lbMatrixTest("datagrams to the VIP address on another port, and to a server's own address, are plain IPv4", async (t, rig) => {
  const otherPort = buildUdpFrame({
    ethernet: { src: CLIENT.mac, dst: SWITCH_MAC },
    ipv4: { src: CLIENT.ip, dst: VIP.ip },
    udp: { srcPort: CLIENT.port, dstPort: 9999 },
    payload: { kind: "raw", bytes: new Uint8Array(24) },
  });
  expectNone(t, await rig.send(CLIENT_PORT, otherPort));
  t.is(await rig.drops(DropReason.NoRoute), 1n, "the VIP address itself has no route");

  const server = serverEndpoint(serverId(3));
  const direct = (ttl: number, srcMac: bigint, dstMac: bigint) =>
    buildUdpFrame({
      ethernet: { src: srcMac as typeof SWITCH_MAC, dst: dstMac as typeof SWITCH_MAC },
      ipv4: { src: CLIENT.ip, dst: server.ip, ttl },
      udp: { srcPort: CLIENT.port, dstPort: 7700 },
      payload: { kind: "session", header: { type: 1, flags: 0, cookie: known.cookie, sessionId: known.sessionId as never, sessionVersion: 1, requestId: 1 } },
    });
  expectOne(t, await rig.send(CLIENT_PORT, direct(64, CLIENT.mac, SWITCH_MAC)), 13, direct(63, SWITCH_MAC, server.mac));
  t.is(await rig.packets(Names.serverRequests, 2), 0n, "not counted as a session request");
});
