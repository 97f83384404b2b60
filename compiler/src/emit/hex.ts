/**
 * Hex text as p4c writes it in BMv2 JSON: constants of a known width are zero-padded to
 * whole bytes ("0x0000" for a bit<9>), values without one (action data, ids) are bare.
 * Negative values keep their sign, as bmv2 parses them.
 */
export function hexString(value: bigint, width: number | null): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString(16);
  const padded = width === null ? digits : digits.padStart(Math.max(1, Math.ceil(width / 8)) * 2, "0");
  return `${negative ? "-" : ""}0x${padded}`;
}

/** Big-endian bytes of `value` in ceil(width/8) bytes, as P4Runtime carries values. */
export function toBytes(value: bigint, width: number): Uint8Array {
  const length = Math.max(1, Math.ceil(width / 8));
  const out = new Uint8Array(length);
  let rest = BigInt.asUintN(length * 8, value);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}
