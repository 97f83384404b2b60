/**
 * Packets of the differential test, generated from a seed on the address plan of the embedded
 * system (servers 1..N on ports 1..N, the client on port 100). Each packet says which case it
 * exercises, for the report's table; what the switch must do with it is not predicted here (the
 * comparison is between two switches, not against a model of the program).
 *
 * Every IPv4 packet carries a fresh identification, so no two frames of a run are alike and a
 * frame that comes out can be told apart from every other.
 */
import { EtherType, IpProtocol, buildEthernetFrame, buildUdpFrame, concatBytes, encodeIpv4, ipv4, macFromBigint } from "../packet/index.ts";
import { type Cookie, MessageType, type SessionId, makeCookie, serverId } from "../../../runtime/src/wire/session_header.ts";
import { GATEWAY_MAC, SERVER_PEER_PORT, VIP, clientAddress, serverAddress } from "../system/addressing.ts";
import type { Prng } from "../scenario/prng.ts";

export const CASE_KINDS = [
  "new session",
  "known session, primary up",
  "known session, primary down (controller)",
  "failover to the secondary (the only live server)",
  "request with no live server",
  "known session, data-plane detection on",
  "primary marked down by the data plane (digest)",
  "known session, primary marked down earlier (data plane)",
  "cookie naming an unknown server",
  "invalid cookie (reserved id or primary == secondary)",
  "response from a server (SNAT)",
  "error answer from a server",
  "response from an unknown source",
  "plain IPv4, routed",
  "plain IPv4, no route",
  "non-UDP or other UDP port to the VIP address",
  "non-IPv4 (ARP, IPv6, VLAN, other)",
  "malformed IPv4 header (version, IHL, checksum)",
  "IPv4 with options",
  "TTL expired",
  "fragment",
  "malformed session header (magic, version, type)",
  "truncated frame",
  "random bytes flipped in a request",
  "barrier (plain IPv4, between batches)",
] as const;

export type CaseKind = (typeof CASE_KINDS)[number];

export interface Injection {
  readonly kind: CaseKind;
  /** The specific packet, for a difference report. */
  readonly label: string;
  readonly port: number;
  readonly frame: Uint8Array;
}

/** What the packets of one phase may assume about the switch's tables (set by the runner before them). */
export interface PhaseView {
  readonly servers: number;
  /** Servers the controller has up (in server_map and the selector groups). */
  readonly live: ReadonlySet<number>;
  /** Data-plane failure marking on (timeout small enough that any overdue primary is marked). */
  readonly detection: boolean;
  /** Servers the data plane marked down earlier and the controller has not brought back. */
  readonly markedDown: ReadonlySet<number>;
}

const CLIENT_SRC_PORT = 40000;
const UNROUTED_IP = "192.0.2.7";

/** Builds frames with a running IPv4 identification. */
export class PacketFactory {
  private identification = 0;

  constructor(private readonly rng: Prng) {}

  private nextId(): number {
    this.identification = (this.identification + 1) & 0xffff;
    return this.identification;
  }

  request(sessionId: bigint, cookie: number, extra: { readonly ttl?: number; readonly flags?: number; readonly fragOffset?: number; readonly options?: Uint8Array; readonly type?: number } = {}): Uint8Array {
    const c = clientAddress(0);
    return buildUdpFrame({
      ethernet: { dst: macFromBigint(BigInt(GATEWAY_MAC)), src: macFromBigint(BigInt(c.mac)) },
      ipv4: {
        src: ipv4(c.ip),
        dst: ipv4(VIP.ip),
        ttl: extra.ttl ?? 64,
        identification: this.nextId(),
        ...(extra.flags !== undefined ? { flags: extra.flags } : {}),
        ...(extra.fragOffset !== undefined ? { fragOffset: extra.fragOffset } : {}),
        ...(extra.options ? { options: extra.options } : {}),
      },
      udp: { srcPort: CLIENT_SRC_PORT + this.rng.int(0, 999), dstPort: VIP.port },
      payload: {
        kind: "session",
        header: { type: (extra.type ?? MessageType.Request) as MessageType, flags: 0, cookie: cookie as Cookie, sessionId: sessionId as SessionId, sessionVersion: this.rng.int(0, 5), requestId: this.rng.int(0, 0xffffffff) },
        body: new TextEncoder().encode("incr c"),
      },
    });
  }

  response(from: number, type: number, cookie: number, srcIp?: string): Uint8Array {
    const s = serverAddress(serverId(from));
    const c = clientAddress(0);
    return buildUdpFrame({
      ethernet: { dst: macFromBigint(BigInt(GATEWAY_MAC)), src: macFromBigint(BigInt(s.mac)) },
      ipv4: { src: ipv4(srcIp ?? s.ip), dst: ipv4(c.ip), ttl: 64, identification: this.nextId() },
      udp: { srcPort: VIP.port, dstPort: CLIENT_SRC_PORT + this.rng.int(0, 999) },
      payload: {
        kind: "session",
        header: { type: type as MessageType, flags: 0, cookie: cookie as Cookie, sessionId: this.rng.bigint64() as SessionId, sessionVersion: this.rng.int(1, 9), requestId: this.rng.int(0, 0xffffffff) },
        body: new TextEncoder().encode("1"),
      },
    });
  }

  /** UDP (or another protocol) from server `from` to `dstIp`. */
  plain(from: number, dstIp: string, protocol: number = IpProtocol.Udp, dstPort = SERVER_PEER_PORT): Uint8Array {
    const a = serverAddress(serverId(from));
    const ethernet = { dst: macFromBigint(BigInt(GATEWAY_MAC)), src: macFromBigint(BigInt(a.mac)) };
    const body = new TextEncoder().encode(`peer ${from} ${this.rng.int(0, 1e6)}`);
    if (protocol === IpProtocol.Udp) {
      return buildUdpFrame({ ethernet, ipv4: { src: ipv4(a.ip), dst: ipv4(dstIp), ttl: 64, identification: this.nextId() }, udp: { srcPort: SERVER_PEER_PORT, dstPort }, payload: { kind: "raw", bytes: body } });
    }
    const packet = encodeIpv4({ src: ipv4(a.ip), dst: ipv4(dstIp), protocol, ttl: 64, identification: this.nextId() }, body);
    return buildEthernetFrame({ ...ethernet, etherType: EtherType.Ipv4 }, packet);
  }
}

function clientPort(): number {
  return clientAddress(0).switchPort;
}

/** A cookie for primary p and secondary s (both server ids). */
function cookieOf(p: number, s: number): number {
  return makeCookie(serverId(p), serverId(s));
}

function otherThan(rng: Prng, servers: number, not: number): number {
  const choices = Array.from({ length: servers }, (_, i) => i + 1).filter((x) => x !== not);
  return rng.pick(choices);
}

/** A request with a session cookie of (p, s), labelled by what the phase's tables make of it. */
function knownSession(f: PacketFactory, rng: Prng, view: PhaseView): Injection {
  const p = rng.int(1, view.servers);
  const s = otherThan(rng, view.servers, p);
  const frame = f.request(rng.bigint64(), cookieOf(p, s));
  const label = `request for a session of primary ${p}, secondary ${s}`;
  let kind: CaseKind;
  if (!view.live.has(p)) {
    kind = view.live.size === 1 && view.live.has(s) ? "failover to the secondary (the only live server)" : view.live.size === 0 ? "request with no live server" : "known session, primary down (controller)";
  } else if (view.markedDown.has(p)) kind = "known session, primary marked down earlier (data plane)";
  else kind = view.detection ? "known session, data-plane detection on" : "known session, primary up";
  return { kind, label, port: clientPort(), frame };
}

function newSession(f: PacketFactory, rng: Prng, view: PhaseView): Injection {
  const kind: CaseKind = view.live.size === 0 ? "request with no live server" : "new session";
  return { kind, label: "new session (cookie 0)", port: clientPort(), frame: f.request(rng.bigint64(), 0) };
}

function invalidCookie(f: PacketFactory, rng: Prng, view: PhaseView): Injection {
  const p = rng.int(1, view.servers);
  const cookies: [string, number][] = [
    [`primary == secondary == ${p}`, (p << 16) | p],
    ["primary 0", p],
    ["secondary 0", p << 16],
    ["primary 0xffff", (0xffff << 16) | p],
    ["secondary 0xffff", (p << 16) | 0xffff],
  ];
  const [what, cookie] = rng.pick(cookies);
  return { kind: "invalid cookie (reserved id or primary == secondary)", label: `cookie with ${what}`, port: clientPort(), frame: f.request(rng.bigint64(), cookie >>> 0) };
}

function unknownServer(f: PacketFactory, rng: Prng, view: PhaseView): Injection {
  const unknown = rng.int(view.servers + 1, 300);
  const s = rng.int(1, view.servers);
  const [p, sec] = rng.next() < 0.5 ? [unknown, s] : [s, unknown];
  return { kind: "cookie naming an unknown server", label: `cookie primary ${p}, secondary ${sec}`, port: clientPort(), frame: f.request(rng.bigint64(), cookieOf(p, sec)) };
}

function serverAnswer(f: PacketFactory, rng: Prng, view: PhaseView): Injection {
  const from = rng.int(1, view.servers);
  const cookie = cookieOf(from, otherThan(rng, view.servers, from));
  if (rng.next() < 0.2) return { kind: "error answer from a server", label: `error answer from server ${from}`, port: from, frame: f.response(from, MessageType.Error, cookie) };
  return { kind: "response from a server (SNAT)", label: `response from server ${from}`, port: from, frame: f.response(from, MessageType.Response, cookie) };
}

function unknownSource(f: PacketFactory, rng: Prng, view: PhaseView): Injection {
  const from = rng.int(1, view.servers);
  return { kind: "response from an unknown source", label: `response from 10.0.9.${from} on server ${from}'s port`, port: from, frame: f.response(from, MessageType.Response, cookieOf(from, otherThan(rng, view.servers, from)), `10.0.9.${from}`) };
}

function plainRouted(f: PacketFactory, rng: Prng, view: PhaseView): Injection {
  const from = rng.int(1, view.servers);
  const toClient = rng.next() < 0.3;
  const to = toClient ? clientAddress(0).ip : serverAddress(serverId(otherThan(rng, view.servers, from))).ip;
  const protocol = rng.pick([IpProtocol.Udp, IpProtocol.Udp, IpProtocol.Tcp, IpProtocol.Icmp]);
  return { kind: "plain IPv4, routed", label: `protocol ${protocol} from server ${from} to ${to}`, port: from, frame: f.plain(from, to, protocol) };
}

function plainUnrouted(f: PacketFactory, rng: Prng, view: PhaseView): Injection {
  const from = rng.int(1, view.servers);
  return { kind: "plain IPv4, no route", label: `UDP from server ${from} to ${UNROUTED_IP}`, port: from, frame: f.plain(from, UNROUTED_IP) };
}

function toVipNotSession(f: PacketFactory, rng: Prng, view: PhaseView): Injection {
  const from = rng.int(1, view.servers);
  const [what, protocol, port] = rng.pick([
    ["TCP to the VIP", IpProtocol.Tcp, VIP.port],
    ["ICMP to the VIP", IpProtocol.Icmp, VIP.port],
    ["UDP to the VIP on port 7799", IpProtocol.Udp, 7799],
  ] as const);
  return { kind: "non-UDP or other UDP port to the VIP address", label: what, port: from, frame: f.plain(from, VIP.ip, protocol, port) };
}

function nonIpv4(_f: PacketFactory, rng: Prng): Injection {
  const c = clientAddress(0);
  const [what, etherType, length] = rng.pick([
    ["ARP", EtherType.Arp, 28],
    ["IPv6", EtherType.Ipv6, 60],
    ["VLAN-tagged", 0x8100, 64],
    ["ethertype 0x88b5", 0x88b5, 46],
  ] as const);
  const body = new Uint8Array(length).map(() => rng.int(0, 255));
  return { kind: "non-IPv4 (ARP, IPv6, VLAN, other)", label: what, port: c.switchPort, frame: buildEthernetFrame({ dst: macFromBigint(rng.next() < 0.5 ? 0xffffffffffffn : BigInt(GATEWAY_MAC)), src: macFromBigint(BigInt(c.mac)), etherType }, body) };
}

/** A valid request with one IPv4 header field broken. */
function badIpv4Header(f: PacketFactory, rng: Prng, _view: PhaseView): Injection {
  const frame = f.request(rng.bigint64(), rng.next() < 0.5 ? 0 : cookieOf(1, 2)).slice();
  const breakers: [string, (b: Uint8Array) => void][] = [
    ["IPv4 version 6", (b) => (b[14] = (6 << 4) | (b[14]! & 0x0f))],
    ["IHL 4", (b) => (b[14] = (b[14]! & 0xf0) | 4)],
    ["IHL 0", (b) => (b[14] = b[14]! & 0xf0)],
    ["IHL 15 (options beyond the packet)", (b) => (b[14] = (b[14]! & 0xf0) | 15)],
    ["IHL 7 (options not in the packet)", (b) => (b[14] = (b[14]! & 0xf0) | 7)],
    ["bad header checksum", (b) => (b[24] = b[24]! ^ (1 << rng.int(0, 7)))],
  ];
  const [what, breakIt] = rng.pick(breakers);
  breakIt(frame);
  return { kind: "malformed IPv4 header (version, IHL, checksum)", label: what, port: clientPort(), frame };
}

function withOptions(f: PacketFactory, rng: Prng, view: PhaseView): Injection {
  const words = rng.int(1, 10);
  const options = new Uint8Array(words * 4).fill(1); // NOPs
  const isRequest = rng.next() < 0.7;
  if (isRequest) {
    const p = rng.int(1, view.servers);
    const cookie = rng.next() < 0.5 ? 0 : cookieOf(p, otherThan(rng, view.servers, p));
    return { kind: "IPv4 with options", label: `request with ${words * 4} option bytes`, port: clientPort(), frame: f.request(rng.bigint64(), cookie, { options }) };
  }
  const from = rng.int(1, view.servers);
  const base = f.plain(from, clientAddress(0).ip);
  // Re-encode the plain packet with options: the IPv4 payload starts after the 20-byte header.
  const ipPayload = base.subarray(14 + 20);
  const a = serverAddress(serverId(from));
  const packet = encodeIpv4({ src: ipv4(a.ip), dst: ipv4(clientAddress(0).ip), protocol: IpProtocol.Udp, ttl: 64, identification: rng.int(0, 0xffff), options }, ipPayload);
  return { kind: "IPv4 with options", label: `plain UDP with ${words * 4} option bytes`, port: from, frame: concatBytes([base.subarray(0, 14), packet]) };
}

function ttlExpired(f: PacketFactory, rng: Prng): Injection {
  const ttl = rng.int(0, 1);
  return { kind: "TTL expired", label: `request with TTL ${ttl}`, port: clientPort(), frame: f.request(rng.bigint64(), 0, { ttl }) };
}

function fragment(f: PacketFactory, rng: Prng, view: PhaseView): Injection {
  const p = rng.int(1, view.servers);
  const [what, extra] = rng.pick([
    ["more fragments", { flags: 0x1 }],
    ["fragment offset 185", { fragOffset: 185 }],
    ["don't fragment", { flags: 0x2 }],
    ["more fragments, offset 8", { flags: 0x1, fragOffset: 8 }],
  ] as const);
  return { kind: "fragment", label: `request with ${what}`, port: clientPort(), frame: f.request(rng.bigint64(), cookieOf(p, otherThan(rng, view.servers, p)), extra) };
}

const SESSION_OFFSET = 14 + 20 + 8;

function badSessionHeader(f: PacketFactory, rng: Prng, view: PhaseView): Injection {
  const p = rng.int(1, view.servers);
  const frame = f.request(rng.bigint64(), rng.next() < 0.5 ? 0 : cookieOf(p, otherThan(rng, view.servers, p))).slice();
  const breakers: [string, (b: Uint8Array) => void][] = [
    ["bad magic", (b) => (b[SESSION_OFFSET + rng.int(0, 1)] ^= 0x20)],
    ["session version 2", (b) => (b[SESSION_OFFSET + 2] = (2 << 4) | (b[SESSION_OFFSET + 2]! & 0x0f))],
    ["message type response", (b) => (b[SESSION_OFFSET + 2] = (b[SESSION_OFFSET + 2]! & 0xf0) | MessageType.Response)],
    ["message type 9", (b) => (b[SESSION_OFFSET + 2] = (b[SESSION_OFFSET + 2]! & 0xf0) | 9)],
  ];
  const [what, breakIt] = rng.pick(breakers);
  breakIt(frame);
  return { kind: "malformed session header (magic, version, type)", label: `request with ${what}`, port: clientPort(), frame };
}

/** Any other case's frame cut short anywhere, from 1 byte to one byte short of whole. */
function truncated(f: PacketFactory, rng: Prng, view: PhaseView): Injection {
  const whole = rng.pick([newSession, knownSession, serverAnswer, plainRouted])(f, rng, view);
  const length = rng.next() < 0.5 ? rng.int(SESSION_OFFSET, SESSION_OFFSET + 23) : rng.int(1, whole.frame.length - 1);
  return { kind: "truncated frame", label: `${whole.label}, cut to ${length} of ${whole.frame.length} bytes`, port: whole.port, frame: whole.frame.slice(0, length) };
}

/** A request with 1..3 header bytes flipped (checksums left stale, as on a real wire). */
function flipped(f: PacketFactory, rng: Prng, view: PhaseView): Injection {
  const base = (rng.next() < 0.5 ? newSession : knownSession)(f, rng, view);
  const frame = base.frame.slice();
  const at: number[] = [];
  for (let i = rng.int(1, 3); i > 0; i--) {
    const offset = rng.int(0, Math.min(frame.length, SESSION_OFFSET + 24) - 1);
    frame[offset] = frame[offset]! ^ rng.int(1, 255);
    at.push(offset);
  }
  return { kind: "random bytes flipped in a request", label: `${base.label}, bytes ${at.join(",")} flipped`, port: base.port, frame };
}

type Generator = (f: PacketFactory, rng: Prng, view: PhaseView) => Injection;

/** Relative weights: most traffic is requests and answers, every malformed kind is still frequent. */
const MIX: readonly (readonly [Generator, number])[] = [
  [newSession, 14],
  [knownSession, 30],
  [invalidCookie, 4],
  [unknownServer, 3],
  [serverAnswer, 12],
  [unknownSource, 2],
  [plainRouted, 5],
  [plainUnrouted, 2],
  [toVipNotSession, 2],
  [nonIpv4, 3],
  [badIpv4Header, 4],
  [withOptions, 3],
  [ttlExpired, 2],
  [fragment, 3],
  [badSessionHeader, 4],
  [truncated, 5],
  [flipped, 4],
];
const TOTAL_WEIGHT = MIX.reduce((n, [, w]) => n + w, 0);

/** `count` packets for a phase, drawn from the mix. */
export function phasePackets(f: PacketFactory, rng: Prng, view: PhaseView, count: number): Injection[] {
  const out: Injection[] = [];
  for (let i = 0; i < count; i++) {
    let pick = rng.next() * TOTAL_WEIGHT;
    const [generate] = MIX.find(([, w]) => (pick -= w) < 0) ?? MIX[0]!;
    out.push(generate(f, rng, view));
  }
  return out;
}

/** A packet whose way through the switch is certain (routed UDP between two servers): closes a batch. */
export function barrierPacket(f: PacketFactory, servers: number, sequence: number): Injection {
  const from = (sequence % servers) + 1;
  const to = (from % servers) + 1;
  return { kind: "barrier (plain IPv4, between batches)", label: `barrier ${sequence}: server ${from} to server ${to}`, port: from, frame: f.plain(from, serverAddress(serverId(to)).ip) };
}
