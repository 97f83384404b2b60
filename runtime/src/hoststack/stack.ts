/**
 * A userspace IPv4/UDP host attached to one switch port through a FrameLink, so servers and
 * clients can sit behind the switch model without root or kernel interfaces. Neighbours are
 * static: every packet leaves towards the gateway MAC (the switch), whatever its IP.
 * Frames that are not for this host, or that fail a length or checksum check, are dropped
 * and counted by reason; nothing on the wire can make it throw.
 */
import type { DatagramTransport, ReceiveHandler } from "../transport/datagram.ts";
import { formatIpv4, parseIpv4 } from "../transport/endpoint.ts";
import { decodeArpRequest, encodeArpReply, encodeGratuitousArp } from "./arp.ts";
import { BROADCAST_MAC, ETHERNET_HEADER_BYTES, ETHERTYPE_ARP, ETHERTYPE_IPV4, type MacAddress, decodeEthernet, encodeEthernet } from "./ethernet.ts";
import { IPV4_HEADER_BYTES, IP_PROTOCOL_UDP, decodeIpv4, encodeIpv4 } from "./ipv4.ts";
import type { FrameLink } from "./link.ts";
import { UDP_HEADER_BYTES, decodeUdp, encodeUdp } from "./udp.ts";

/** Largest frame one UDP wire datagram can carry. */
export const MAX_WIRE_FRAME_BYTES = 65_507;
export const MAX_HOST_UDP_PAYLOAD = MAX_WIRE_FRAME_BYTES - ETHERNET_HEADER_BYTES - IPV4_HEADER_BYTES - UDP_HEADER_BYTES;
const EPHEMERAL_FIRST = 49152;
const EPHEMERAL_LAST = 65535;

export type HostDropReason =
  | "runt"
  | "not-our-mac"
  | "ethertype"
  | "arp-not-for-us"
  | "ipv4-short"
  | "ipv4-version"
  | "ipv4-checksum"
  | "ipv4-length"
  | "ipv4-fragment"
  | "not-our-ip"
  | "not-udp"
  | "udp-short"
  | "udp-length"
  | "udp-checksum"
  | "no-listener"
  | "send-too-big"
  | "send-bad-address";

export interface HostStackCounters {
  framesIn: number;
  framesOut: number;
  delivered: number;
  arpReplies: number;
  readonly drops: Map<HostDropReason, number>;
}

export interface HostStackOptions {
  readonly link: FrameLink;
  readonly mac: MacAddress;
  /** This host's IPv4 address as a 32-bit number. */
  readonly ip: number;
  /** The switch's MAC: the static next hop for every destination. */
  readonly gatewayMac: MacAddress;
  readonly ttl?: number;
}

export class HostStack {
  readonly counters: HostStackCounters = { framesIn: 0, framesOut: 0, delivered: 0, arpReplies: 0, drops: new Map() };
  private readonly listeners = new Map<number, ReceiveHandler | undefined>();
  private identification = 0;
  private nextEphemeral = EPHEMERAL_FIRST;

  constructor(private readonly options: HostStackOptions) {
    options.link.onFrame((frame) => this.receive(frame));
  }

  get ip(): string {
    return formatIpv4(this.options.ip);
  }

  /** Opens a UDP port on this host (0 picks a free ephemeral one). Throws if the port is taken. */
  openPort(port = 0): DatagramTransport {
    const local = port === 0 ? this.allocateEphemeral() : port;
    if (!Number.isInteger(local) || local < 1 || local > 65535) throw new RangeError(`bad UDP port ${port}`);
    if (this.listeners.has(local)) throw new Error(`UDP port ${local} is already open on ${this.ip}`);
    this.listeners.set(local, undefined);
    let open = true;
    return {
      local: { ip: this.ip, port: local },
      send: (dst, payload) => {
        if (open) this.sendUdp(local, dst.ip, dst.port, payload);
      },
      onReceive: (handler) => {
        if (open) this.listeners.set(local, handler);
      },
      close: async () => {
        open = false;
        this.listeners.delete(local);
      },
    };
  }

  /** Sends a gratuitous ARP, so a switch that learns wire addresses from traffic knows this host. */
  announce(): void {
    this.transmit(BROADCAST_MAC, ETHERTYPE_ARP, encodeGratuitousArp(this.options.mac, this.options.ip));
  }

  /** Closes the link; ports opened on this stack stop receiving. */
  async close(): Promise<void> {
    this.listeners.clear();
    await this.options.link.close();
  }

  private allocateEphemeral(): number {
    for (let tries = 0; tries <= EPHEMERAL_LAST - EPHEMERAL_FIRST; tries++) {
      const candidate = this.nextEphemeral;
      this.nextEphemeral = candidate === EPHEMERAL_LAST ? EPHEMERAL_FIRST : candidate + 1;
      if (!this.listeners.has(candidate)) return candidate;
    }
    throw new Error(`no free ephemeral UDP port on ${this.ip}`);
  }

  private drop(reason: HostDropReason): void {
    this.counters.drops.set(reason, (this.counters.drops.get(reason) ?? 0) + 1);
  }

  private sendUdp(srcPort: number, dstIpText: string, dstPort: number, payload: Uint8Array): void {
    const dstIp = parseIpv4(dstIpText);
    if (dstIp === undefined || !Number.isInteger(dstPort) || dstPort < 1 || dstPort > 65535) return this.drop("send-bad-address");
    if (payload.length > MAX_HOST_UDP_PAYLOAD) return this.drop("send-too-big");
    const udp = encodeUdp({ srcPort, dstPort, payload }, this.options.ip, dstIp);
    this.identification = (this.identification + 1) & 0xffff;
    const ip = encodeIpv4({ src: this.options.ip, dst: dstIp, protocol: IP_PROTOCOL_UDP, ttl: this.options.ttl ?? 64, identification: this.identification, payload: udp });
    this.transmit(this.options.gatewayMac, ETHERTYPE_IPV4, ip);
  }

  private transmit(dst: MacAddress, etherType: number, payload: Uint8Array): void {
    this.counters.framesOut++;
    this.options.link.send(encodeEthernet({ dst, src: this.options.mac, etherType, payload }));
  }

  private receive(bytes: Uint8Array): void {
    this.counters.framesIn++;
    const frame = decodeEthernet(bytes);
    if (!frame) return this.drop("runt");
    if (frame.dst !== this.options.mac && frame.dst !== BROADCAST_MAC) return this.drop("not-our-mac");
    if (frame.etherType === ETHERTYPE_ARP) return this.receiveArp(frame.payload);
    if (frame.etherType !== ETHERTYPE_IPV4) return this.drop("ethertype");
    const ip = decodeIpv4(frame.payload);
    if (!ip.ok) return this.drop(ip.reason);
    if (ip.packet.dst !== this.options.ip) return this.drop("not-our-ip");
    if (ip.packet.protocol !== IP_PROTOCOL_UDP) return this.drop("not-udp");
    const udp = decodeUdp(ip.packet.payload, ip.packet.src, ip.packet.dst);
    if (!udp.ok) return this.drop(udp.reason);
    const handler = this.listeners.get(udp.datagram.dstPort);
    if (!handler) return this.drop("no-listener");
    this.counters.delivered++;
    handler({ ip: formatIpv4(ip.packet.src), port: udp.datagram.srcPort }, udp.datagram.payload);
  }

  private receiveArp(payload: Uint8Array): void {
    const request = decodeArpRequest(payload);
    // A gratuitous ARP (ours echoed back, or a neighbour's) asks nothing of us.
    if (!request || request.targetIp !== this.options.ip || request.senderIp === request.targetIp) return this.drop("arp-not-for-us");
    this.counters.arpReplies++;
    this.transmit(request.senderMac, ETHERTYPE_ARP, encodeArpReply(this.options.mac, this.options.ip, request));
  }
}

