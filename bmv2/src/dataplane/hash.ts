import { writeBits } from "./bits.ts";
import { invalid } from "./json.ts";

/**
 * The hash / checksum algorithms bmv2 offers for calculations, action
 * selectors and hash(). Each takes the packed input bytes and returns an
 * unsigned value; what bmv2 calls the algorithm is the key.
 */
export type HashAlgorithm = (bytes: Uint8Array) => bigint;

function reflectedCrcTable(poly: number, width: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    table[i] = width === 32 ? c >>> 0 : c & 0xffff;
  }
  return table;
}

const CRC16_TABLE = reflectedCrcTable(0xa001, 16);
const CRC32_TABLE = reflectedCrcTable(0xedb88320, 32);

export function crc16(bytes: Uint8Array): bigint {
  let crc = 0;
  for (const b of bytes) crc = (crc >>> 8) ^ CRC16_TABLE[(crc ^ b) & 0xff]!;
  return BigInt(crc & 0xffff);
}

export function crc32(bytes: Uint8Array): bigint {
  let crc = 0xffffffff;
  for (const b of bytes) crc = (crc >>> 8) ^ CRC32_TABLE[(crc ^ b) & 0xff]!;
  return BigInt((crc ^ 0xffffffff) >>> 0);
}

/** Internet checksum: ones' complement of the ones' complement sum of 16-bit words. */
export function csum16(bytes: Uint8Array): bigint {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i]! << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return BigInt(~sum & 0xffff);
}

export function xor16(bytes: Uint8Array): bigint {
  let x = 0;
  for (let i = 0; i < bytes.length; i += 2) x ^= (bytes[i]! << 8) | (bytes[i + 1] ?? 0);
  return BigInt(x);
}

/** The first (up to) 8 bytes as a big-endian integer. */
export function identity(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = 0; i < bytes.length && i < 8; i++) v = (v << 8n) | BigInt(bytes[i]!);
  return v;
}

export function hashAlgorithm(name: string, path: string): HashAlgorithm {
  switch (name) {
    case "crc16":
    case "crc16_custom":
      return crc16;
    case "crc32":
    case "crc32_custom":
      return crc32;
    case "csum16":
      return csum16;
    case "xor16":
      return xor16;
    case "identity":
      return identity;
    case "random":
      return () => BigInt(Math.floor(Math.random() * 0x100000000));
    case "round_robin": {
      let next = 0n;
      return () => next++;
    }
    default:
      throw invalid(path, `unsupported hash algorithm "${name}"`);
  }
}

/** Packs (width, value) pairs and byte runs MSB-first into bytes, zero-padding the last byte. */
export class BitPacker {
  private readonly widths: number[] = [];
  private readonly values: (bigint | Uint8Array)[] = [];
  private bits = 0;

  push(width: number, value: bigint): void {
    if (width <= 0) return;
    this.widths.push(width);
    this.values.push(value);
    this.bits += width;
  }

  pushBytes(bytes: Uint8Array): void {
    this.widths.push(bytes.length * 8);
    this.values.push(bytes);
    this.bits += bytes.length * 8;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(Math.ceil(this.bits / 8));
    let pos = 0;
    for (let i = 0; i < this.widths.length; i++) {
      const w = this.widths[i]!;
      const v = this.values[i]!;
      if (typeof v === "bigint") writeBits(out, pos, w, v);
      else if ((pos & 7) === 0) out.set(v, pos >> 3);
      else for (let j = 0; j < v.length; j++) writeBits(out, pos + 8 * j, 8, BigInt(v[j]!));
      pos += w;
    }
    return out;
  }
}
