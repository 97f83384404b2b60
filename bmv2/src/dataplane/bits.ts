/**
 * Bit-level reads and writes on byte buffers, MSB first (network order), as
 * header fields are laid out on the wire. Byte-aligned fields and fields of
 * up to 48 bits take Number paths; only wide unaligned ones go through bigint.
 */
const SMALL = Array.from({ length: 1 << 16 }, (_, i) => BigInt(i));

/** The bigint of an exact integer, without allocating for the small ones. */
export function bigOf(n: number): bigint {
  return n >= 0 && n < 65536 ? SMALL[n]! : BigInt(n);
}

export function readBits(buf: Uint8Array, start: number, width: number): bigint {
  if ((start & 7) === 0 && (width & 7) === 0) {
    let i = start >> 3;
    const end = i + (width >> 3);
    if (width <= 48) {
      let v = 0;
      for (; i < end; i++) v = v * 256 + buf[i]!;
      return BigInt(v);
    }
    let v = 0n;
    // 6 bytes at a time keeps the Number part exact.
    while (end - i >= 6) {
      const chunk = buf[i]! * 0x10000000000 + buf[i + 1]! * 0x100000000 + ((buf[i + 2]! << 24) >>> 0) + (buf[i + 3]! << 16) + (buf[i + 4]! << 8) + buf[i + 5]!;
      v = (v << 48n) | BigInt(chunk);
      i += 6;
    }
    for (; i < end; i++) v = (v << 8n) | BigInt(buf[i]!);
    return v;
  }
  if (width <= 48) {
    let v = 0;
    let pos = start;
    let remaining = width;
    while (remaining > 0) {
      const bitInByte = pos & 7;
      const take = Math.min(8 - bitInByte, remaining);
      const chunk = (buf[pos >> 3]! >> (8 - bitInByte - take)) & ((1 << take) - 1);
      v = v * (1 << take) + chunk;
      pos += take;
      remaining -= take;
    }
    return BigInt(v);
  }
  let v = 0n;
  let pos = start;
  let remaining = width;
  while (remaining > 0) {
    const bitInByte = pos & 7;
    const take = Math.min(8 - bitInByte, remaining);
    const chunk = (buf[pos >> 3]! >> (8 - bitInByte - take)) & ((1 << take) - 1);
    v = (v << BigInt(take)) | BigInt(chunk);
    pos += take;
    remaining -= take;
  }
  return v;
}

/** ORs `value` (taken as unsigned, `width` bits) into a zeroed region of `out`. */
export function writeBits(out: Uint8Array, start: number, width: number, value: bigint): void {
  if (width <= 0) return;
  if ((start & 7) === 0 && (width & 7) === 0) {
    const first = start >> 3;
    let i = first + (width >> 3) - 1;
    if (width <= 32) {
      let v = Number(value < 0n ? BigInt.asUintN(width, value) : value);
      for (; i >= first; i--) {
        out[i] = v & 0xff;
        v >>>= 8;
      }
      return;
    }
    if (width <= 48) {
      let v = Number(value < 0n ? BigInt.asUintN(width, value) : value);
      for (; i >= first; i--) {
        out[i] = v % 256;
        v = Math.floor(v / 256);
      }
      return;
    }
    // Wide fields go 32 bits per bigint operation rather than 8.
    let v = BigInt.asUintN(width, value);
    while (i >= first) {
      let chunk = Number(BigInt.asUintN(32, v));
      v >>= 32n;
      for (let k = 0; k < 4 && i >= first; k++, i--) {
        out[i] = chunk & 0xff;
        chunk >>>= 8;
      }
    }
    return;
  }
  if (width <= 32) {
    const v = Number(value < 0n ? BigInt.asUintN(width, value) : value) >>> 0;
    let pos = start;
    let remaining = width;
    while (remaining > 0) {
      const bitInByte = pos & 7;
      const take = Math.min(8 - bitInByte, remaining);
      remaining -= take;
      const chunk = (remaining >= 32 ? 0 : v >>> remaining) & ((1 << take) - 1);
      out[pos >> 3]! |= chunk << (8 - bitInByte - take);
      pos += take;
    }
    return;
  }
  if (width <= 48) {
    let v = Number(BigInt.asUintN(width, value));
    let pos = start;
    let remaining = width;
    while (remaining > 0) {
      const bitInByte = pos & 7;
      const take = Math.min(8 - bitInByte, remaining);
      const shift = remaining - take;
      const div = 2 ** shift;
      const chunk = Math.floor(v / div) & ((1 << take) - 1);
      v -= chunk * div;
      out[pos >> 3]! |= chunk << (8 - bitInByte - take);
      pos += take;
      remaining -= take;
    }
    return;
  }
  const v = BigInt.asUintN(width, value);
  let pos = start;
  let remaining = width;
  while (remaining > 0) {
    const bitInByte = pos & 7;
    const take = Math.min(8 - bitInByte, remaining);
    const shift = BigInt(remaining - take);
    const chunk = Number((v >> shift) & BigInt((1 << take) - 1));
    out[pos >> 3]! |= chunk << (8 - bitInByte - take);
    pos += take;
    remaining -= take;
  }
}
