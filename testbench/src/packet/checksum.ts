/** The Internet checksum (RFC 1071): one's complement of the one's complement sum of 16-bit words. */

/** One's complement sum of the bytes as big-endian 16-bit words (odd length padded with a zero byte), folded to 16 bits. */
export function onesComplementSum(chunks: readonly Uint8Array[]): number {
  let sum = 0;
  for (const bytes of chunks) {
    // Chunks are summed as if concatenated; every caller passes even-length chunks except the last.
    for (let i = 0; i + 1 < bytes.length; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
    if (bytes.length % 2 === 1) sum += bytes[bytes.length - 1]! << 8;
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

export function internetChecksum(chunks: readonly Uint8Array[]): number {
  return ~onesComplementSum(chunks) & 0xffff;
}
