/** The Internet checksum (RFC 1071): ones' complement of the ones' complement sum of 16-bit words. */

/** Adds `bytes` to a running 32-bit partial sum; an odd trailing byte is padded with zero. */
export function sumWords(bytes: Uint8Array, initial = 0): number {
  let sum = initial;
  const end = bytes.length - (bytes.length % 2);
  for (let i = 0; i < end; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (end < bytes.length) sum += bytes[end]! << 8;
  return sum;
}

export function foldChecksum(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 65536);
  return ~s & 0xffff;
}

export function internetChecksum(bytes: Uint8Array): number {
  return foldChecksum(sumWords(bytes));
}
