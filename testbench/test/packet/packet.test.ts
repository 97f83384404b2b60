import test from "ava";
import {
  buildUdpFrame,
  computeUdpChecksum,
  decodeIpv4,
  describeFrame,
  encodeIpv4,
  formatIpv4,
  formatMac,
  frameDiff,
  fromHex,
  hexDump,
  internetChecksum,
  ipv4,
  mac,
  parseFrame,
  toHex,
} from "../../src/packet/index.ts";
import { makeCookie, MessageType, serverId, type SessionId } from "../../../runtime/src/wire/session_header.ts";

const client = { mac: mac("02:00:00:00:00:01"), ip: ipv4("10.0.0.1") };
const vip = { mac: mac("02:00:00:00:00:fe"), ip: ipv4("10.0.100.1") };

function sessionFrame(overrides: { options?: Uint8Array; cookie?: number } = {}) {
  return buildUdpFrame({
    ethernet: { src: client.mac, dst: vip.mac },
    ipv4: { src: client.ip, dst: vip.ip, ttl: 64, identification: 0x1234, ...(overrides.options ? { options: overrides.options } : {}) },
    udp: { srcPort: 40000, dstPort: 7700 },
    payload: {
      kind: "session",
      header: {
        type: MessageType.Request,
        flags: 0,
        cookie: (overrides.cookie ?? makeCookie(serverId(3), serverId(5))) as ReturnType<typeof makeCookie>,
        sessionId: 0x0123456789abcdefn as SessionId,
        sessionVersion: 7,
        requestId: 42,
      },
      body: new TextEncoder().encode("hello"),
    },
  });
}

test("addresses round-trip through text", (t) => {
  t.is(formatIpv4(ipv4("192.168.0.199")), "192.168.0.199");
  t.is(ipv4("10.0.0.1") as number, 0x0a000001);
  t.is(formatMac(mac("02:ab:00:00:10:ff")), "02:ab:00:00:10:ff");
  t.throws(() => ipv4("10.0.0.256"));
  t.throws(() => mac("02:00:00:00:00"));
});

test("IPv4 checksum matches a hand-checked header", (t) => {
  // 192.168.0.1 -> 192.168.0.199, UDP, DF, TTL 64, length 0x73: checksum 0xb861.
  const header = fromHex("4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7");
  t.is(internetChecksum([header]), 0xb861);
});

test("IPv4 encode computes ihl, length and checksum, and decodes back", (t) => {
  const packet = encodeIpv4({ src: client.ip, dst: vip.ip, protocol: 17, ttl: 9 }, new Uint8Array([1, 2, 3]));
  t.is(packet.length, 23);
  const decoded = decodeIpv4(packet);
  if (!decoded.ok) return t.fail(decoded.reason);
  t.is(decoded.header.ihl, 5);
  t.is(decoded.header.totalLength, 23);
  t.is(decoded.header.ttl, 9);
  t.true(decoded.checksumOk);
  t.deepEqual(Array.from(decoded.payload), [1, 2, 3]);
});

test("IPv4 options are padded to words, counted in ihl and covered by the checksum", (t) => {
  const packet = encodeIpv4({ src: client.ip, dst: vip.ip, protocol: 17, options: new Uint8Array([0x94, 0x04, 0, 0, 1]) }, new Uint8Array());
  const decoded = decodeIpv4(packet);
  if (!decoded.ok) return t.fail(decoded.reason);
  t.is(decoded.header.ihl, 7);
  t.is(decoded.header.options.length, 8);
  t.true(decoded.checksumOk);
  packet[21] = 0x05;
  const corrupted = decodeIpv4(packet);
  t.true(corrupted.ok && !corrupted.checksumOk);
});

test("IPv4 decode reports short packets and impossible header lengths", (t) => {
  t.deepEqual(decodeIpv4(new Uint8Array(10)), { ok: false, reason: "short" });
  const packet = encodeIpv4({ src: client.ip, dst: vip.ip, protocol: 17, ihl: 4 }, new Uint8Array());
  t.deepEqual(decodeIpv4(packet), { ok: false, reason: "ihl" });
  const claimsOptions = encodeIpv4({ src: client.ip, dst: vip.ip, protocol: 17, ihl: 8 }, new Uint8Array(4));
  t.deepEqual(decodeIpv4(claimsOptions), { ok: false, reason: "short" });
});

test("a session frame parses back layer by layer with valid checksums", (t) => {
  const frame = sessionFrame();
  const parsed = parseFrame(frame);
  t.is(parsed.ethernet?.dst, vip.mac);
  t.is(parsed.ipv4?.dst, vip.ip);
  t.true(parsed.ipv4?.checksumOk);
  t.is(parsed.udp?.dstPort, 7700);
  t.is(parsed.udp?.length, 8 + 24 + 5);
  t.is(parsed.udp?.checksumStatus, "ok");
  if (!parsed.session?.ok) return t.fail("session header did not decode");
  t.is(parsed.session.message.header.cookie as number, 3 * 65536 + 5);
  t.is(parsed.session.message.header.sessionId as bigint, 0x0123456789abcdefn);
  t.is(new TextDecoder().decode(parsed.session.message.payload), "hello");
});

test("UDP checksum detects a flipped payload bit and honours 'none'", (t) => {
  const frame = sessionFrame();
  frame[frame.length - 1]! ^= 0x01;
  t.is(parseFrame(frame).udp?.checksumStatus, "bad");
  const none = buildUdpFrame({
    ethernet: { src: client.mac, dst: vip.mac },
    ipv4: { src: client.ip, dst: vip.ip },
    udp: { srcPort: 1, dstPort: 2, checksum: { kind: "none" } },
    payload: { kind: "raw", bytes: new Uint8Array([9]) },
  });
  t.is(parseFrame(none).udp?.checksumStatus, "none");
});

test("UDP checksum is the one's complement of the pseudo-header sum, 0 sent as 0xFFFF", (t) => {
  const datagram = fromHex("0001000200090000ff");
  const pseudo = { src: ipv4("0.0.0.0"), dst: ipv4("0.0.0.0") };
  // words: 0x0001 + 0x0002 + 0x0009 + 0xff00, pseudo: protocol 0x0011 + length 0x0009
  const sum = 0x0001 + 0x0002 + 0x0009 + 0xff00 + 0x0011 + 0x0009;
  const folded = (sum & 0xffff) + (sum >>> 16);
  t.is(computeUdpChecksum(datagram, pseudo), ~folded & 0xffff);
});

test("a session frame with IPv4 options still parses to the session header", (t) => {
  const parsed = parseFrame(sessionFrame({ options: new Uint8Array([1, 1, 1, 0]) }));
  t.is(parsed.ipv4?.ihl, 6);
  t.true(parsed.ipv4?.checksumOk);
  t.is(parsed.udp?.checksumStatus, "ok");
  t.true(parsed.session?.ok);
});

test("a truncated or foreign UDP payload is reported, not thrown", (t) => {
  const frame = sessionFrame();
  const truncated = parseFrame(frame.subarray(0, 14 + 20 + 8 + 10));
  t.deepEqual(truncated.session, { ok: false, reason: "short" });
  const foreign = frame.slice();
  foreign[14 + 20 + 8] = 0x00;
  t.deepEqual(parseFrame(foreign).session, { ok: false, reason: "magic" });
  t.deepEqual(parseFrame(new Uint8Array(5)), { payload: new Uint8Array(5) });
});

test("hex helpers round-trip and the dump shows offsets and ASCII", (t) => {
  const bytes = fromHex("00 01 02 41 42 43");
  t.is(toHex(bytes), "000102414243");
  t.regex(hexDump(bytes), /^0000 {2}00 01 02 41 42 43 +\.\.\.ABC$/);
  t.throws(() => fromHex("abc"));
});

test("frameDiff is silent on equal frames and names the differing bytes otherwise", (t) => {
  const frame = sessionFrame();
  t.is(frameDiff(frame, frame.slice()), undefined);
  const changed = frame.slice();
  changed[22] = 7;
  const report = frameDiff(frame, changed) ?? "";
  t.regex(report, /differ at 1 byte/);
  t.regex(report, /@22: expected 0x40 got 0x07/);
  t.regex(describeFrame(changed), /ttl 7 .*\(BAD\)/);
});
