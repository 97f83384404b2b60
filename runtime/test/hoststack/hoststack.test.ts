import test from "ava";
import { createSocket, type Socket } from "node:dgram";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { internetChecksum } from "../../src/hoststack/checksum.ts";
import { ETHERTYPE_ARP, type MacAddress, decodeEthernet, encodeEthernet, formatMac, parseMac } from "../../src/hoststack/ethernet.ts";
import { decodeIpv4, encodeIpv4 } from "../../src/hoststack/ipv4.ts";
import { openUdpWire } from "../../src/hoststack/link.ts";
import { HostStack } from "../../src/hoststack/stack.ts";
import { decodeUdp, encodeUdp } from "../../src/hoststack/udp.ts";
import { parseIpv4 } from "../../src/transport/endpoint.ts";

const SWITCH_MAC = parseMac("02:00:00:00:00:fe")!;
const macA = parseMac("02:00:00:00:00:0a")!;
const macB = parseMac("02:00:00:00:00:0b")!;
const ipA = parseIpv4("10.0.1.1")!;
const ipB = parseIpv4("10.0.1.2")!;

test("IPv4 header checksum matches the textbook vector", (t) => {
  const header = Uint8Array.from([0x45, 0, 0, 0x73, 0, 0, 0x40, 0, 0x40, 0x11, 0, 0, 0xc0, 0xa8, 0, 1, 0xc0, 0xa8, 0, 0xc7]);
  t.is(internetChecksum(header), 0xb861);
  const packet = encodeIpv4({ src: 0xc0a80001, dst: 0xc0a800c7, protocol: 17, ttl: 64, identification: 0, payload: new Uint8Array(0x73 - 20) });
  t.is(new DataView(packet.buffer).getUint16(10), 0xb861);
  t.like(decodeIpv4(packet), { ok: true });
  packet[15] ^= 1;
  t.deepEqual(decodeIpv4(packet), { ok: false, reason: "ipv4-checksum" });
});

test("UDP checksum covers the pseudo header and payload; corruption is detected", (t) => {
  const payload = new TextEncoder().encode("hello, odd length");
  const seg = encodeUdp({ srcPort: 1234, dstPort: 7700, payload }, ipA, ipB);
  const ok = decodeUdp(seg, ipA, ipB);
  t.true(ok.ok);
  t.deepEqual(ok.ok ? Buffer.from(ok.datagram.payload).toString() : "", "hello, odd length");
  t.deepEqual(decodeUdp(seg, ipA, ipA), { ok: false, reason: "udp-checksum" }, "wrong pseudo header");
  const corrupt = seg.slice();
  corrupt[10] ^= 0x40;
  t.deepEqual(decodeUdp(corrupt, ipA, ipB), { ok: false, reason: "udp-checksum" });
  t.is(formatMac(macA), "02:00:00:00:00:0a");
});

/** A two-port "switch": forwards IPv4 frames by destination IP between two wire sockets, rewriting MACs. */
async function fakeSwitch(): Promise<{ portA: Socket; portB: Socket; seen: Uint8Array[]; hosts: Map<number, { port: number; mac: MacAddress }> }> {
  const portA = createSocket("udp4");
  const portB = createSocket("udp4");
  const seen: Uint8Array[] = [];
  const hosts = new Map<number, { port: number; mac: MacAddress }>();
  const forward = (bytes: Buffer): void => {
    seen.push(new Uint8Array(bytes));
    const eth = decodeEthernet(new Uint8Array(bytes));
    if (!eth) return;
    const ip = decodeIpv4(eth.payload);
    if (!ip.ok) return;
    const host = hosts.get(ip.packet.dst);
    if (!host) return;
    const out = encodeEthernet({ dst: host.mac, src: SWITCH_MAC, etherType: eth.etherType, payload: eth.payload });
    (host.mac === macA ? portA : portB).send(out, host.port, "127.0.0.1");
  };
  portA.on("message", forward);
  portB.on("message", forward);
  portA.bind(0, "127.0.0.1");
  portB.bind(0, "127.0.0.1");
  await Promise.all([once(portA, "listening"), once(portB, "listening")]);
  return { portA, portB, seen, hosts };
}

test("two host stacks exchange UDP datagrams through a fake switch wire", async (t) => {
  const sw = await fakeSwitch();
  const linkA = await openUdpWire({ switchPort: { ip: "127.0.0.1", port: (sw.portA.address() as AddressInfo).port } });
  const linkB = await openUdpWire({ switchPort: { ip: "127.0.0.1", port: (sw.portB.address() as AddressInfo).port } });
  sw.hosts.set(ipA, { port: linkA.local.port, mac: macA });
  sw.hosts.set(ipB, { port: linkB.local.port, mac: macB });
  const hostA = new HostStack({ link: linkA, mac: macA, ip: ipA, gatewayMac: SWITCH_MAC });
  const hostB = new HostStack({ link: linkB, mac: macB, ip: ipB, gatewayMac: SWITCH_MAC });
  const server = hostB.openPort(7700);
  server.onReceive((src, payload) => server.send(src, new TextEncoder().encode(`echo ${Buffer.from(payload).toString()}`)));
  const client = hostA.openPort();
  const reply = new Promise<{ src: string; text: string }>((resolve) => client.onReceive((src, payload) => resolve({ src: `${src.ip}:${src.port}`, text: Buffer.from(payload).toString() })));
  client.send({ ip: "10.0.1.2", port: 7700 }, new TextEncoder().encode("ping"));
  t.deepEqual(await reply, { src: "10.0.1.2:7700", text: "echo ping" });

  const first = decodeEthernet(sw.seen[0]!)!;
  t.is(first.dst, SWITCH_MAC, "hosts send every frame to the gateway MAC");
  t.is(first.src, macA);
  t.is(hostB.counters.delivered, 1);
  t.is(hostA.counters.delivered, 1);
  await Promise.all([hostA.close(), hostB.close()]);
  sw.portA.close();
  sw.portB.close();
});

test("the host stack drops frames that are not for it or are corrupt, counting why, and answers ARP", async (t) => {
  const wire = createSocket("udp4");
  wire.bind(0, "127.0.0.1");
  await once(wire, "listening");
  const wirePort = (wire.address() as AddressInfo).port;
  const link = await openUdpWire({ switchPort: { ip: "127.0.0.1", port: wirePort } });
  const host = new HostStack({ link, mac: macB, ip: ipB, gatewayMac: SWITCH_MAC });
  const port = host.openPort(7700);
  const got: string[] = [];
  port.onReceive((_src, payload) => got.push(Buffer.from(payload).toString()));
  const frameTo = (mac: MacAddress, dstIp: number, payload: string, dstPort = 7700): Uint8Array => {
    const udp = encodeUdp({ srcPort: 5555, dstPort, payload: new TextEncoder().encode(payload) }, ipA, dstIp);
    return encodeEthernet({ dst: mac, src: SWITCH_MAC, etherType: 0x0800, payload: encodeIpv4({ src: ipA, dst: dstIp, protocol: 17, ttl: 64, identification: 1, payload: udp }) });
  };
  const corruptUdp = frameTo(macB, ipB, "corrupt");
  corruptUdp[corruptUdp.length - 1] ^= 0xff;
  const arp = new Uint8Array(28);
  const arpView = new DataView(arp.buffer);
  arpView.setUint16(0, 1);
  arpView.setUint16(2, 0x0800);
  arp[4] = 6;
  arp[5] = 4;
  arpView.setUint16(6, 1);
  arpView.setUint32(14, ipA);
  arpView.setUint32(24, ipB);
  arp.set([2, 0, 0, 0, 0, 0xfe], 8);
  const frames = [
    frameTo(macA, ipB, "wrong mac"),
    frameTo(macB, ipA, "wrong ip"),
    frameTo(macB, ipB, "no listener", 9999),
    corruptUdp,
    new Uint8Array(5),
    encodeEthernet({ dst: 0xffffffffffff as MacAddress, src: SWITCH_MAC, etherType: ETHERTYPE_ARP, payload: arp }),
    frameTo(macB, ipB, "good"),
  ];
  const arpReply = once(wire, "message");
  for (const f of frames) wire.send(f, link.local.port, "127.0.0.1");
  const [replyBytes] = (await arpReply) as [Buffer];
  while (got.length === 0) await new Promise((r) => setTimeout(r, 5));
  t.deepEqual(got, ["good"]);
  t.deepEqual(Object.fromEntries(host.counters.drops), { "not-our-mac": 1, "not-our-ip": 1, "no-listener": 1, "udp-checksum": 1, runt: 1 });
  const arpFrame = decodeEthernet(new Uint8Array(replyBytes))!;
  t.is(arpFrame.etherType, ETHERTYPE_ARP);
  t.is(arpFrame.dst, SWITCH_MAC);
  t.is(new DataView(arpFrame.payload.buffer, arpFrame.payload.byteOffset).getUint16(6), 2, "ARP reply opcode");
  await host.close();
  wire.close();
});
