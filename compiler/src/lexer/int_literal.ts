/**
 * Decodes P4 integer literals: optional `<width>w` / `<width>s` prefix, then decimal, `0x`,
 * `0b`, `0o` or `0d` digits, with `_` separators.
 */
export interface DecodedInt {
  value: bigint;
  width?: number;
  signed?: boolean;
}

export function decodeIntLiteral(text: string): DecodedInt | string {
  const m = text.match(/^(?:([0-9]+)([wsWS]))?(.*)$/)!;
  const digits = m[3]!.replace(/_/g, "");
  let value: bigint;
  if (/^0[xX][0-9a-fA-F]+$/.test(digits)) value = BigInt("0x" + digits.slice(2));
  else if (/^0[bB][01]+$/.test(digits)) value = BigInt("0b" + digits.slice(2));
  else if (/^0[oO][0-7]+$/.test(digits)) value = BigInt("0o" + digits.slice(2));
  else if (/^0[dD][0-9]+$/.test(digits)) value = BigInt(digits.slice(2));
  else if (/^[0-9]+$/.test(digits)) value = BigInt(digits);
  else return `invalid integer literal '${text}'`;
  if (m[1] === undefined) return { value };
  const width = Number(m[1]);
  // p4c's limit; a wider literal would also make every later width computation arbitrarily large.
  if (width > 2048) return `integer literal '${text}': width ${width} is too large (at most 2048)`;
  const signed = m[2] === "s" || m[2] === "S";
  if (width === 0 && !signed) return { value, width, signed };
  if (signed && width < 1) return `signed integer literal '${text}' needs a width of at least 1`;
  return { value, width, signed };
}
