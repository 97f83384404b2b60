import type { Ipv4Address } from "./address.ts";
import { internetChecksum } from "./checksum.ts";
import { IpProtocol } from "./ipv4.ts";

export const UDP_HEADER_BYTES = 8;

/** How the UDP checksum is filled: computed over the pseudo-header, 0 ("none"), or a given (possibly wrong) value. */
export type UdpChecksumChoice = { readonly kind: "compute" } | { readonly kind: "none" } | { readonly kind: "value"; readonly value: number };

export interface UdpFields {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly checksum?: UdpChecksumChoice;
  /** Overrides the computed length to build inconsistent datagrams. */
  readonly length?: number;
}

export interface UdpHeader {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly length: number;
  readonly checksum: number;
}

export interface PseudoHeader {
  readonly src: Ipv4Address;
  readonly dst: Ipv4Address;
}

export function encodeUdp(fields: UdpFields, payload: Uint8Array, pseudo: PseudoHeader): Uint8Array {
  const out = new Uint8Array(UDP_HEADER_BYTES + payload.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, fields.srcPort);
  view.setUint16(2, fields.dstPort);
  view.setUint16(4, fields.length ?? out.length);
  out.set(payload, UDP_HEADER_BYTES);
  const choice = fields.checksum ?? { kind: "compute" };
  const checksum = choice.kind === "value" ? choice.value : choice.kind === "none" ? 0 : computeUdpChecksum(out, pseudo);
  view.setUint16(6, checksum);
  return out;
}

/** RFC 768 checksum of a datagram (its checksum field taken as zero); a result of 0 is sent as 0xFFFF. */
export function computeUdpChecksum(datagram: Uint8Array, pseudo: PseudoHeader): number {
  const zeroed = datagram.slice();
  zeroed[6] = 0;
  zeroed[7] = 0;
  const sum = internetChecksum([pseudoHeaderBytes(pseudo, datagram.length), zeroed]);
  return sum === 0 ? 0xffff : sum;
}

function pseudoHeaderBytes(pseudo: PseudoHeader, udpLength: number): Uint8Array {
  const out = new Uint8Array(12);
  const view = new DataView(out.buffer);
  view.setUint32(0, pseudo.src);
  view.setUint32(4, pseudo.dst);
  view.setUint8(9, IpProtocol.Udp);
  view.setUint16(10, udpLength);
  return out;
}

export type UdpDecode =
  | {
      readonly ok: true;
      readonly header: UdpHeader;
      /** "none" when the checksum field is 0. */
      readonly checksum: "ok" | "bad" | "none";
      readonly payload: Uint8Array;
    }
  | { readonly ok: false; readonly reason: "short" };

/** Decodes a UDP datagram; the payload runs to the end of the bytes given (the length field is reported, not trusted). */
export function decodeUdp(bytes: Uint8Array, pseudo: PseudoHeader): UdpDecode {
  if (bytes.length < UDP_HEADER_BYTES) return { ok: false, reason: "short" };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header: UdpHeader = {
    srcPort: view.getUint16(0),
    dstPort: view.getUint16(2),
    length: view.getUint16(4),
    checksum: view.getUint16(6),
  };
  const checksum = header.checksum === 0 ? "none" : computeUdpChecksum(bytes, pseudo) === header.checksum ? "ok" : "bad";
  return { ok: true, header, checksum, payload: bytes.subarray(UDP_HEADER_BYTES) };
}
