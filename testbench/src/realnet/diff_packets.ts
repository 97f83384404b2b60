/**
 * The packet sequence of the differential test: every path of the LB program once or more, on
 * the address plan of the namespace topology (servers 1..3 on ports 1..3, a client on port 100).
 * Deterministic, so two runs (and two switches) see byte-identical input.
 */
import { EtherType, buildEthernetFrame, buildUdpFrame, ipv4, mac, macFromBigint } from "../packet/index.ts";
import { type Cookie, MessageType, type SessionId, makeCookie, serverId } from "../../../runtime/src/wire/session_header.ts";
import { GATEWAY_MAC, SERVER_PEER_PORT, VIP, clientAddress, serverAddress } from "../system/addressing.ts";
import { formatMac } from "../../../runtime/src/hoststack/ethernet.ts";

export interface Injection {
  /** What the packet exercises, for the report. */
  readonly label: string;
  readonly port: number;
  readonly frame: Uint8Array;
}

const CLIENT_SRC_PORT = 40000;

function client(): { port: number; ip: string; mac: bigint } {
  const a = clientAddress(0);
  return { port: a.switchPort, ip: a.ip, mac: BigInt(a.mac) };
}

function request(label: string, sessionId: bigint, cookie: Cookie, extra: { readonly ttl?: number; readonly flags?: number } = {}): Injection {
  const c = client();
  const frame = buildUdpFrame({
    ethernet: { dst: macFromBigint(BigInt(GATEWAY_MAC)), src: macFromBigint(c.mac) },
    ipv4: { src: ipv4(c.ip), dst: ipv4(VIP.ip), ttl: extra.ttl ?? 64, ...(extra.flags !== undefined ? { flags: extra.flags } : {}) },
    udp: { srcPort: CLIENT_SRC_PORT, dstPort: VIP.port },
    payload: {
      kind: "session",
      header: { type: MessageType.Request, flags: 0, cookie, sessionId: sessionId as SessionId, sessionVersion: 0, requestId: Number(sessionId % 1000n) },
      body: new TextEncoder().encode("incr c"),
    },
  });
  return { label, port: c.port, frame };
}

function response(label: string, from: number, sessionId: bigint, cookie: Cookie): Injection {
  const s = serverAddress(serverId(from));
  const c = client();
  const frame = buildUdpFrame({
    ethernet: { dst: macFromBigint(BigInt(GATEWAY_MAC)), src: mac(formatMac(s.mac)) },
    ipv4: { src: ipv4(s.ip), dst: ipv4(c.ip), ttl: 64 },
    udp: { srcPort: VIP.port, dstPort: CLIENT_SRC_PORT },
    payload: {
      kind: "session",
      header: { type: MessageType.Response, flags: 0, cookie, sessionId: sessionId as SessionId, sessionVersion: 1, requestId: 1 },
      body: new TextEncoder().encode("1"),
    },
  });
  return { label, port: s.switchPort, frame };
}

function plain(label: string, from: number, to: number): Injection {
  const a = serverAddress(serverId(from));
  const b = serverAddress(serverId(to));
  const frame = buildUdpFrame({
    ethernet: { dst: macFromBigint(BigInt(GATEWAY_MAC)), src: mac(formatMac(a.mac)) },
    ipv4: { src: ipv4(a.ip), dst: ipv4(b.ip), ttl: 64 },
    udp: { srcPort: SERVER_PEER_PORT, dstPort: SERVER_PEER_PORT },
    payload: { kind: "raw", bytes: new TextEncoder().encode(`peer ${from}->${to}`) },
  });
  return { label, port: a.switchPort, frame };
}

/** The sequence for `servers` servers (at least 3: the failover cases name servers 1..3). */
export function lbDifferentialPackets(servers = 3): Injection[] {
  const out: Injection[] = [];
  for (let i = 1n; i <= 12n; i++) out.push(request(`new session ${i}`, i * 0x9e3779b97f4a7c15n % (1n << 64n) || 1n, 0 as Cookie));
  for (let p = 1; p <= servers; p++) {
    for (let s = 1; s <= servers; s++) {
      if (p !== s) out.push(request(`known session, primary ${p} secondary ${s}`, BigInt(p * 100 + s), makeCookie(serverId(p), serverId(s))));
    }
  }
  out.push(request("cookie naming an unknown primary (fails over)", 77n, makeCookie(serverId(9), serverId(2))));
  out.push(request("invalid cookie (primary == secondary)", 78n, ((2 << 16) | 2) as Cookie));
  out.push(request("TTL 1 (dropped)", 79n, 0 as Cookie, { ttl: 1 }));
  out.push(request("more-fragments set (dropped)", 80n, 0 as Cookie, { flags: 0x1 }));
  for (let s = 1; s <= servers; s++) out.push(response(`response from server ${s} (SNAT)`, s, BigInt(s), makeCookie(serverId(s), serverId((s % servers) + 1))));
  out.push(plain("plain IPv4 between servers", 1, 2));
  out.push(plain("plain IPv4 between servers", 3, 1));
  const c = client();
  out.push({ label: "ARP (not IPv4, dropped)", port: c.port, frame: buildEthernetFrame({ dst: macFromBigint(0xffffffffffffn), src: macFromBigint(c.mac), etherType: EtherType.Arp }, new Uint8Array(28)) });
  return out;
}
