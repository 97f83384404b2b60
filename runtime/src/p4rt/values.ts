/**
 * P4Runtime values: what callers may write (numbers, bigints, address strings, bytes) and the
 * canonical byte strings that go on the wire (P4Runtime spec 8.3: big-endian, the shortest string
 * that holds the value, zero as one zero byte).
 *
 * Widths come from P4Info; a value that does not fit its field is a caller error, reported here
 * rather than by the switch so that the message names the field.
 */
import { bytesToBigint, shortestBytes } from "../../../bmv2/src/p4runtime/bytes.ts";
import { parseIpv4 } from "../transport/endpoint.ts";

/** What a caller may give for a bit<W> field. */
export type P4Value = number | bigint | string | Uint8Array;

export class P4ValueError extends Error {
  override readonly name = "P4ValueError";
}

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
const IPV4_RE = /^\d{1,3}(\.\d{1,3}){3}$/;

function ipv4ToBigint(text: string): bigint {
  const value = parseIpv4(text);
  if (value === undefined) throw new P4ValueError(`bad IPv4 address '${text}'`);
  return BigInt(value);
}

function ipv6ToBigint(text: string): bigint {
  const halves = text.split("::");
  if (halves.length > 2) throw new P4ValueError(`bad IPv6 address '${text}'`);
  const parse = (s: string): string[] => (s === "" ? [] : s.split(":"));
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) throw new P4ValueError(`bad IPv6 address '${text}'`);
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) throw new P4ValueError(`bad IPv6 address '${text}'`);
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  return v;
}

/**
 * Turns any accepted form into an unsigned integer:
 * numbers and bigints as they are, "aa:bb:cc:dd:ee:ff" (MAC), "10.0.0.1" (IPv4), IPv6 text,
 * "0x.."/decimal strings, and big-endian bytes.
 */
export function toBigint(value: P4Value): bigint {
  if (typeof value === "bigint") {
    if (value < 0n) throw new P4ValueError(`negative value ${value}`);
    return value;
  }
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 0) throw new P4ValueError(`value ${value} is not a non-negative safe integer`);
    return BigInt(value);
  }
  if (value instanceof Uint8Array) return bytesToBigint(value);
  const text = value.trim();
  if (MAC_RE.test(text)) return BigInt("0x" + text.replaceAll(":", ""));
  if (IPV4_RE.test(text)) return ipv4ToBigint(text);
  if (text.includes(":")) return ipv6ToBigint(text);
  if (/^(0x[0-9a-f]+|\d+)$/i.test(text)) return BigInt(text);
  throw new P4ValueError(`cannot read '${value}' as a number, MAC or IP address`);
}

/** The canonical byte string of an unsigned value: big-endian, no leading zero bytes, 0 as [0]. */
export function canonicalBytes(value: bigint): Uint8Array {
  if (value < 0n) throw new P4ValueError(`negative value ${value}`);
  return shortestBytes(value);
}

/** Encodes a value for a field of `bitwidth` bits, rejecting values that do not fit. */
export function encodeValue(value: P4Value, bitwidth: number, what = "value"): Uint8Array {
  const v = toBigint(value);
  if (bitwidth > 0 && v >> BigInt(bitwidth) !== 0n) throw new P4ValueError(`${what} ${v} does not fit in ${bitwidth} bits`);
  return canonicalBytes(v);
}

/** Reads a (canonical or padded) big-endian byte string back to a bigint. */
export function decodeValue(bytes: Uint8Array): bigint {
  return bytesToBigint(bytes);
}

/** All ones in `bitwidth` bits (the full mask of a ternary field). */
export function fullMask(bitwidth: number): bigint {
  return (1n << BigInt(bitwidth)) - 1n;
}

/** Mask of an LPM prefix of `prefixLen` bits within a `bitwidth`-bit field. */
export function prefixMask(prefixLen: number, bitwidth: number): bigint {
  return fullMask(bitwidth) ^ fullMask(bitwidth - prefixLen);
}

export function formatMac(value: bigint): string {
  return value
    .toString(16)
    .padStart(12, "0")
    .replace(/(..)(?!$)/g, "$1:");
}

export function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => Number((value >> s) & 0xffn)).join(".");
}

/**
 * Formats a value for people, guessing from the width the way network engineers read it:
 * 48 bits as a MAC, 32 bits as an IPv4 address, anything else as a decimal number.
 */
export function formatValue(value: bigint, bitwidth: number): string {
  if (bitwidth === 48) return formatMac(value);
  if (bitwidth === 32) return formatIpv4(value);
  return value.toString();
}

/** Election ids are 128-bit; on the wire they are two uint64 halves. */
export function splitUint128(value: bigint): { high: string; low: string } {
  if (value < 0n || value >> 128n !== 0n) throw new P4ValueError(`election id ${value} is not a 128-bit unsigned value`);
  return { high: (value >> 64n).toString(), low: (value & 0xffff_ffff_ffff_ffffn).toString() };
}

export function joinUint128(parts: { high?: string | number | null; low?: string | number | null } | null | undefined): bigint {
  if (!parts) return 0n;
  return (BigInt(parts.high ?? 0) << 64n) | BigInt(parts.low ?? 0);
}
