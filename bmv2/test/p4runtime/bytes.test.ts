import test from "ava";
import { bytesToBigint, canonicalBytes } from "../../src/p4runtime/bytes.ts";

test("bytestrings of any length read back to their exact value, leading zeros and empty included", (t) => {
  const values = [0n, 1n, 0xffn, 2n ** 48n - 1n, 2n ** 48n, 2n ** 53n + 1n, 2n ** 64n - 1n, 2n ** 128n - 3n];
  for (const v of values) {
    const bytes = canonicalBytes(v);
    t.is(bytesToBigint(bytes), v);
    t.is(bytesToBigint(Buffer.concat([Buffer.alloc(3), bytes])), v, `${v} with leading zeros`);
    // A view into a larger buffer reads only its own bytes.
    const padded = Buffer.concat([Buffer.from([0xaa]), bytes, Buffer.from([0xbb])]);
    t.is(bytesToBigint(padded.subarray(1, 1 + bytes.length)), v, `${v} as a sub-view`);
  }
  t.is(bytesToBigint(new Uint8Array()), 0n);
});
