/** UDP encode/decode with the IPv4 pseudo-header checksum. */
import { foldChecksum, sumWords } from "./checksum.ts";
import { IP_PROTOCOL_UDP } from "./ipv4.ts";

export const UDP_HEADER_BYTES = 8;

export interface UdpDatagram {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly payload: Uint8Array;
}

function pseudoHeaderSum(src: number, dst: number, udpLength: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + IP_PROTOCOL_UDP + udpLength;
}

export function encodeUdp(datagram: UdpDatagram, srcIp: number, dstIp: number): Uint8Array {
  const length = UDP_HEADER_BYTES + datagram.payload.length;
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  view.setUint16(0, datagram.srcPort);
  view.setUint16(2, datagram.dstPort);
  view.setUint16(4, length);
  out.set(datagram.payload, UDP_HEADER_BYTES);
  const checksum = foldChecksum(sumWords(out, pseudoHeaderSum(srcIp, dstIp, length)));
  // 0 means "no checksum" in UDP over IPv4, so a computed 0 is sent as its ones' complement twin.
  view.setUint16(6, checksum === 0 ? 0xffff : checksum);
  return out;
}

export type UdpDecodeResult =
  | { readonly ok: true; readonly datagram: UdpDatagram }
  | { readonly ok: false; readonly reason: "udp-short" | "udp-length" | "udp-checksum" };

export function decodeUdp(bytes: Uint8Array, srcIp: number, dstIp: number): UdpDecodeResult {
  if (bytes.length < UDP_HEADER_BYTES) return { ok: false, reason: "udp-short" };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint16(4);
  if (length < UDP_HEADER_BYTES || length > bytes.length) return { ok: false, reason: "udp-length" };
  const segment = bytes.subarray(0, length);
  if (view.getUint16(6) !== 0 && foldChecksum(sumWords(segment, pseudoHeaderSum(srcIp, dstIp, length))) !== 0) {
    return { ok: false, reason: "udp-checksum" };
  }
  return { ok: true, datagram: { srcPort: view.getUint16(0), dstPort: view.getUint16(2), payload: segment.subarray(UDP_HEADER_BYTES) } };
}
