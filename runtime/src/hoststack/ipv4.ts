/** IPv4 header encode/decode (no options sent, options skipped on receive, no fragments). */
import { internetChecksum } from "./checksum.ts";

export const IPV4_HEADER_BYTES = 20;
export const IP_PROTOCOL_UDP = 17;
const FLAG_DONT_FRAGMENT = 0x4000;
const FRAGMENT_BITS = 0x3fff; // MF flag + fragment offset

export interface Ipv4Packet {
  readonly src: number;
  readonly dst: number;
  readonly protocol: number;
  readonly ttl: number;
  readonly identification: number;
  readonly payload: Uint8Array;
}

export function encodeIpv4(packet: Ipv4Packet): Uint8Array {
  const totalLength = IPV4_HEADER_BYTES + packet.payload.length;
  const out = new Uint8Array(totalLength);
  const view = new DataView(out.buffer);
  view.setUint8(0, 0x45);
  view.setUint16(2, totalLength);
  view.setUint16(4, packet.identification & 0xffff);
  view.setUint16(6, FLAG_DONT_FRAGMENT);
  view.setUint8(8, packet.ttl);
  view.setUint8(9, packet.protocol);
  view.setUint32(12, packet.src >>> 0);
  view.setUint32(16, packet.dst >>> 0);
  view.setUint16(10, internetChecksum(out.subarray(0, IPV4_HEADER_BYTES)));
  out.set(packet.payload, IPV4_HEADER_BYTES);
  return out;
}

export type Ipv4DecodeResult =
  | { readonly ok: true; readonly packet: Ipv4Packet }
  | { readonly ok: false; readonly reason: "ipv4-short" | "ipv4-version" | "ipv4-checksum" | "ipv4-length" | "ipv4-fragment" };

export function decodeIpv4(bytes: Uint8Array): Ipv4DecodeResult {
  if (bytes.length < IPV4_HEADER_BYTES) return { ok: false, reason: "ipv4-short" };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const versionIhl = view.getUint8(0);
  const headerBytes = (versionIhl & 0x0f) * 4;
  if (versionIhl >> 4 !== 4 || headerBytes < IPV4_HEADER_BYTES) return { ok: false, reason: "ipv4-version" };
  const totalLength = view.getUint16(2);
  if (bytes.length < headerBytes || totalLength < headerBytes || totalLength > bytes.length) return { ok: false, reason: "ipv4-length" };
  // A correct header sums (checksum field included) to 0xffff, so the folded complement is 0.
  if (internetChecksum(bytes.subarray(0, headerBytes)) !== 0) return { ok: false, reason: "ipv4-checksum" };
  if ((view.getUint16(6) & FRAGMENT_BITS) !== 0) return { ok: false, reason: "ipv4-fragment" };
  return {
    ok: true,
    packet: {
      src: view.getUint32(12),
      dst: view.getUint32(16),
      protocol: view.getUint8(9),
      ttl: view.getUint8(8),
      identification: view.getUint16(4),
      // Ethernet pads short frames; the IP total length says where the packet really ends.
      payload: bytes.subarray(headerBytes, totalLength),
    },
  };
}
