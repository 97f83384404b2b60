/** Traffic that is not a session: plain IPv4 routing by longest prefix, TTL, checksums, counted drops. */
import { buildEthernetFrame, buildUdpFrame, encodeIpv4, EtherType, IpProtocol, ipv4, mac, parseFrame } from "../../src/packet/index.ts";
import { CLIENT, CLIENT_PORT, SWITCH_MAC } from "./topology.ts";
import { DropReason } from "./programmer.ts";
import { expectNone, expectOne } from "./rig.ts";
import { lbMatrixTest } from "./matrix.ts";

const FAR = { mac: mac("02:00:00:00:09:09"), port: 7 } as const;
const NEAR = { mac: mac("02:00:00:00:08:08"), port: 8 } as const;

function udpTo(dst: string, options: { ttl?: number; ipOptions?: Uint8Array; srcMac?: bigint; dstMac?: bigint } = {}): Uint8Array {
  return buildUdpFrame({
    ethernet: { src: (options.srcMac ?? CLIENT.mac) as typeof CLIENT.mac, dst: (options.dstMac ?? SWITCH_MAC) as typeof SWITCH_MAC },
    ipv4: { src: CLIENT.ip, dst: ipv4(dst), ttl: options.ttl ?? 64, ...(options.ipOptions ? { options: options.ipOptions } : {}) },
    udp: { srcPort: 5555, dstPort: 53 },
    payload: { kind: "raw", bytes: new TextEncoder().encode("not a session") },
  });
}

lbMatrixTest("non-VIP traffic is routed by the longest matching prefix with MACs rewritten and TTL decremented", async (t, rig) => {
  await rig.program.route(ipv4("192.168.0.0"), 16, FAR.port, FAR.mac);
  await rig.program.route(ipv4("192.168.7.0"), 24, NEAR.port, NEAR.mac);
  const wide = await rig.send(CLIENT_PORT, udpTo("192.168.1.1"));
  expectOne(t, wide, FAR.port, udpTo("192.168.1.1", { ttl: 63, srcMac: SWITCH_MAC, dstMac: FAR.mac }));
  const narrow = await rig.send(CLIENT_PORT, udpTo("192.168.7.9"));
  expectOne(t, narrow, NEAR.port, udpTo("192.168.7.9", { ttl: 63, srcMac: SWITCH_MAC, dstMac: NEAR.mac }));
  t.is(await rig.drops(DropReason.NoRoute), 0n);
});

lbMatrixTest("the forwarded header checksum is valid for every TTL", async (t, rig) => {
  await rig.program.route(ipv4("192.168.0.0"), 16, FAR.port, FAR.mac);
  for (const ttl of [2, 3, 17, 128, 255]) {
    const out = await rig.send(CLIENT_PORT, udpTo("192.168.200.1", { ttl }));
    expectOne(t, out, FAR.port, udpTo("192.168.200.1", { ttl: ttl - 1, srcMac: SWITCH_MAC, dstMac: FAR.mac }));
  }
});

lbMatrixTest("an unknown destination is dropped and counted as no route", async (t, rig) => {
  expectNone(t, await rig.send(CLIENT_PORT, udpTo("172.16.0.1")));
  expectNone(t, await rig.send(CLIENT_PORT, udpTo("172.16.0.2")));
  t.is(await rig.drops(DropReason.NoRoute), 2n);
});

lbMatrixTest("TTL 1 and 0 are dropped and counted, not forwarded", async (t, rig) => {
  await rig.program.route(ipv4("192.168.0.0"), 16, FAR.port, FAR.mac);
  expectNone(t, await rig.send(CLIENT_PORT, udpTo("192.168.0.1", { ttl: 1 })));
  expectNone(t, await rig.send(CLIENT_PORT, udpTo("192.168.0.1", { ttl: 0 })));
  t.is(await rig.drops(DropReason.TtlExpired), 2n);
});

lbMatrixTest("IPv4 options are carried through and the checksum stays valid", async (t, rig) => {
  await rig.program.route(ipv4("192.168.0.0"), 16, FAR.port, FAR.mac);
  const options = new Uint8Array([0x01, 0x01, 0x07, 0x07, 10, 0, 0, 1, 0, 0, 0, 0]);
  const out = await rig.send(CLIENT_PORT, udpTo("192.168.0.1", { ipOptions: options }));
  expectOne(t, out, FAR.port, udpTo("192.168.0.1", { ipOptions: options, ttl: 63, srcMac: SWITCH_MAC, dstMac: FAR.mac }));
  t.is(parseFrame(out[0]!.frame).ipv4?.ihl, 8);
});

lbMatrixTest("non-IPv4 frames are dropped and counted", async (t, rig) => {
  const arp = buildEthernetFrame({ dst: mac("ff:ff:ff:ff:ff:ff"), src: CLIENT.mac, etherType: EtherType.Arp }, new Uint8Array(28));
  expectNone(t, await rig.send(CLIENT_PORT, arp));
  expectNone(t, await rig.send(CLIENT_PORT, new Uint8Array(6)));
  t.is(await rig.drops(DropReason.NotIpv4), 2n);
});

lbMatrixTest("broken IPv4 headers are dropped and counted: bad checksum, short header, bad version, options cut off", async (t, rig) => {
  await rig.program.route(ipv4("192.168.0.0"), 16, FAR.port, FAR.mac);
  const badChecksum = udpTo("192.168.0.1");
  badChecksum[14 + 10] ^= 0xff;
  expectNone(t, await rig.send(CLIENT_PORT, badChecksum));
  t.is(await rig.drops(DropReason.BadIpv4Checksum), 1n);

  const good = udpTo("192.168.0.1");
  expectNone(t, await rig.send(CLIENT_PORT, good.subarray(0, 14 + 12)));
  const ihlTooSmall = good.slice();
  ihlTooSmall[14] = 0x44;
  expectNone(t, await rig.send(CLIENT_PORT, ihlTooSmall));
  const version6 = good.slice();
  version6[14] = 0x65;
  expectNone(t, await rig.send(CLIENT_PORT, version6));
  const optionsCutOff = good.slice(0, 14 + 20);
  optionsCutOff[14] = 0x4f;
  expectNone(t, await rig.send(CLIENT_PORT, optionsCutOff));
  t.is(await rig.drops(DropReason.BadIpv4Header), 4n);
});

lbMatrixTest("non-UDP IPv4 (ICMP) and later fragments are routed as plain IPv4", async (t, rig) => {
  await rig.program.route(ipv4("192.168.0.0"), 16, FAR.port, FAR.mac);
  const icmp = (ttl: number, fragOffset: number, src: bigint, dst: bigint) =>
    buildEthernetFrame(
      { src: src as typeof SWITCH_MAC, dst: dst as typeof SWITCH_MAC, etherType: EtherType.Ipv4 },
      encodeIpv4({ src: CLIENT.ip, dst: ipv4("192.168.3.3"), protocol: IpProtocol.Icmp, ttl, fragOffset }, new Uint8Array([8, 0, 0xf7, 0xff, 0, 0, 0, 0])),
    );
  expectOne(t, await rig.send(CLIENT_PORT, icmp(30, 0, CLIENT.mac, SWITCH_MAC)), FAR.port, icmp(29, 0, SWITCH_MAC, FAR.mac));
  expectOne(t, await rig.send(CLIENT_PORT, icmp(30, 100, CLIENT.mac, SWITCH_MAC)), FAR.port, icmp(29, 100, SWITCH_MAC, FAR.mac));
});
