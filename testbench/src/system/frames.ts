/** Reads the addresses and session header out of an Ethernet frame seen on a wire (tests, taps). */
import { ETHERTYPE_IPV4, decodeEthernet } from "../../../runtime/src/hoststack/ethernet.ts";
import { IP_PROTOCOL_UDP, decodeIpv4 } from "../../../runtime/src/hoststack/ipv4.ts";
import { decodeUdp } from "../../../runtime/src/hoststack/udp.ts";
import { formatIpv4 } from "../../../runtime/src/transport/endpoint.ts";
import { type SessionHeader, decodeSessionMessage } from "../../../runtime/src/wire/session_header.ts";

export interface SessionFrame {
  readonly srcIp: string;
  readonly dstIp: string;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly header: SessionHeader;
  readonly payload: Uint8Array;
}

export function readSessionFrame(frame: Uint8Array): SessionFrame | undefined {
  const eth = decodeEthernet(frame);
  if (!eth || eth.etherType !== ETHERTYPE_IPV4) return undefined;
  const ip = decodeIpv4(eth.payload);
  if (!ip.ok || ip.packet.protocol !== IP_PROTOCOL_UDP) return undefined;
  const udp = decodeUdp(ip.packet.payload, ip.packet.src, ip.packet.dst);
  if (!udp.ok) return undefined;
  const session = decodeSessionMessage(udp.datagram.payload);
  if (!session.ok) return undefined;
  return {
    srcIp: formatIpv4(ip.packet.src),
    dstIp: formatIpv4(ip.packet.dst),
    srcPort: udp.datagram.srcPort,
    dstPort: udp.datagram.dstPort,
    header: session.message.header,
    payload: session.message.payload.slice(),
  };
}
