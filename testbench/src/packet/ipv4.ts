import type { Ipv4Address } from "./address.ts";
import { internetChecksum } from "./checksum.ts";

export const IPV4_MIN_HEADER_BYTES = 20;
export const IpProtocol = { Icmp: 1, Tcp: 6, Udp: 17 } as const;

/** What a test chooses about an IPv4 header; derived fields (ihl, length, checksum) are computed unless overridden. */
export interface Ipv4Fields {
  readonly src: Ipv4Address;
  readonly dst: Ipv4Address;
  readonly protocol: number;
  readonly ttl?: number;
  readonly diffserv?: number;
  readonly identification?: number;
  /** 3 bits: reserved, DF, MF (MF is the lowest). */
  readonly flags?: number;
  /** In 8-byte units. */
  readonly fragOffset?: number;
  /** Raw option bytes; padded with zeros (end-of-options) to a multiple of 4. */
  readonly options?: Uint8Array;
  readonly version?: number;
  /** Overrides the computed header length (in 32-bit words) to build broken headers. */
  readonly ihl?: number;
  readonly totalLength?: number;
  readonly checksum?: number;
}

export interface Ipv4Header {
  readonly version: number;
  readonly ihl: number;
  readonly diffserv: number;
  readonly totalLength: number;
  readonly identification: number;
  readonly flags: number;
  readonly fragOffset: number;
  readonly ttl: number;
  readonly protocol: number;
  readonly checksum: number;
  readonly src: Ipv4Address;
  readonly dst: Ipv4Address;
  readonly options: Uint8Array;
}

/** Encodes header + payload; the checksum covers the header with its options. */
export function encodeIpv4(fields: Ipv4Fields, payload: Uint8Array): Uint8Array {
  const options = padOptions(fields.options ?? new Uint8Array());
  const headerBytes = IPV4_MIN_HEADER_BYTES + options.length;
  if (headerBytes > 60) throw new RangeError(`IPv4 options too long: ${options.length} bytes`);
  const out = new Uint8Array(headerBytes + payload.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, ((fields.version ?? 4) << 4) | ((fields.ihl ?? headerBytes / 4) & 0x0f));
  view.setUint8(1, fields.diffserv ?? 0);
  view.setUint16(2, fields.totalLength ?? out.length);
  view.setUint16(4, fields.identification ?? 0);
  view.setUint16(6, (((fields.flags ?? 0) & 0x7) << 13) | ((fields.fragOffset ?? 0) & 0x1fff));
  view.setUint8(8, fields.ttl ?? 64);
  view.setUint8(9, fields.protocol);
  view.setUint32(12, fields.src);
  view.setUint32(16, fields.dst);
  out.set(options, IPV4_MIN_HEADER_BYTES);
  const checksum = fields.checksum ?? internetChecksum([out.subarray(0, headerBytes)]);
  view.setUint16(10, checksum);
  out.set(payload, headerBytes);
  return out;
}

function padOptions(options: Uint8Array): Uint8Array {
  const padded = new Uint8Array(Math.ceil(options.length / 4) * 4);
  padded.set(options);
  return padded;
}

export type Ipv4Decode =
  | { readonly ok: true; readonly header: Ipv4Header; readonly checksumOk: boolean; readonly payload: Uint8Array }
  | { readonly ok: false; readonly reason: "short" | "ihl" };

/** Decodes an IPv4 packet; the payload is what follows the header, up to the end of the bytes given. */
export function decodeIpv4(bytes: Uint8Array): Ipv4Decode {
  if (bytes.length < IPV4_MIN_HEADER_BYTES) return { ok: false, reason: "short" };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ihl = view.getUint8(0) & 0x0f;
  if (ihl < 5) return { ok: false, reason: "ihl" };
  const headerBytes = ihl * 4;
  if (bytes.length < headerBytes) return { ok: false, reason: "short" };
  const flagsFrag = view.getUint16(6);
  const header: Ipv4Header = {
    version: view.getUint8(0) >> 4,
    ihl,
    diffserv: view.getUint8(1),
    totalLength: view.getUint16(2),
    identification: view.getUint16(4),
    flags: flagsFrag >> 13,
    fragOffset: flagsFrag & 0x1fff,
    ttl: view.getUint8(8),
    protocol: view.getUint8(9),
    checksum: view.getUint16(10),
    src: view.getUint32(12) as Ipv4Address,
    dst: view.getUint32(16) as Ipv4Address,
    options: bytes.slice(IPV4_MIN_HEADER_BYTES, headerBytes),
  };
  const checksumOk = internetChecksum([bytes.subarray(0, headerBytes)]) === 0;
  return { ok: true, header, checksumOk, payload: bytes.subarray(headerBytes) };
}
