/**
 * P4Runtime bytestrings <-> bigints. The server accepts any big-endian
 * encoding whose value fits the declared width (leading zero bytes and the
 * empty string included, as real simple_switch_grpc does) and always answers
 * in canonical form: the shortest encoding, one zero byte for zero.
 */

/** Up to this many bytes the value is exact in a double, so it is summed without bigint steps. */
const SAFE_NUMBER_BYTES = 6;

export function bytesToBigint(bytes: Uint8Array): bigint {
  if (bytes.length <= SAFE_NUMBER_BYTES) {
    let value = 0;
    for (const b of bytes) value = value * 256 + b;
    return BigInt(value);
  }
  return BigInt("0x" + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("hex"));
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The shortest big-endian encoding of a non-negative value, one zero byte for zero, in an array of its own. */
export function shortestBytes(value: bigint): Uint8Array {
  if (value === 0n) return Uint8Array.of(0);
  // Most fields (ports, addresses, MACs) fit a double exactly and are split without bigint steps.
  if (value <= MAX_SAFE) {
    let v = Number(value);
    let length = 0;
    for (let rest = v; rest > 0; rest = Math.floor(rest / 256)) length++;
    const out = new Uint8Array(length);
    for (let i = length - 1; i >= 0; i--) {
      out[i] = v % 256;
      v = Math.floor(v / 256);
    }
    return out;
  }
  let hex = value.toString(16);
  if (hex.length % 2) hex = "0" + hex;
  return Uint8Array.from(Buffer.from(hex, "hex"));
}

/** The server's answers: the canonical bytestring as a Buffer (a view of its own array, not the shared pool). */
export function canonicalBytes(value: bigint): Buffer {
  if (value < 0n) throw new RangeError("negative bytestring value");
  const bytes = shortestBytes(value);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

export function fitsWidth(value: bigint, bitwidth: number): boolean {
  return value >= 0n && value < 1n << BigInt(bitwidth);
}

export function maxOfWidth(bitwidth: number): bigint {
  return (1n << BigInt(bitwidth)) - 1n;
}

/** Reads `width` bits starting at bit `offset` (MSB first) of a frame. */
export function readBits(frame: Uint8Array, offset: number, width: number): bigint {
  let value = 0n;
  for (let i = 0; i < width; i++) {
    const bit = offset + i;
    const byte = frame[bit >> 3] ?? 0;
    value = (value << 1n) | BigInt((byte >> (7 - (bit & 7))) & 1);
  }
  return value;
}

/** Packs (value, width) fields MSB first into whole bytes (the width sum is rounded up). */
export function packBits(fields: readonly { readonly value: bigint; readonly width: number }[]): Buffer {
  const total = fields.reduce((s, f) => s + f.width, 0);
  const out = Buffer.alloc(Math.ceil(total / 8));
  let bit = 0;
  for (const f of fields) {
    for (let i = f.width - 1; i >= 0; i--) {
      if ((f.value >> BigInt(i)) & 1n) out[bit >> 3]! |= 0x80 >> (bit & 7);
      bit++;
    }
  }
  return out;
}
