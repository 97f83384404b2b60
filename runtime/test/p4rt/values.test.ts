import test from "ava";
import { canonicalBytes, decodeValue, encodeValue, formatIpv4, formatMac, joinUint128, P4ValueError, splitUint128, toBigint } from "../../src/p4rt/values.ts";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

test("canonical bytes are minimal big-endian, zero is one zero byte", (t) => {
  t.is(hex(canonicalBytes(0n)), "00");
  t.is(hex(canonicalBytes(1n)), "01");
  t.is(hex(canonicalBytes(0x100n)), "0100");
  t.is(hex(canonicalBytes(0x00ff_ffffn)), "ffffff");
  t.is(hex(encodeValue(5, 48)), "05");
});

test("addresses and numbers in every accepted form", (t) => {
  t.is(toBigint("10.0.0.1"), 0x0a000001n);
  t.is(toBigint("aa:bb:cc:dd:ee:ff"), 0xaabbccddeeffn);
  t.is(toBigint("AA:00:00:00:00:01"), 0xaa0000000001n);
  t.is(toBigint("::1"), 1n);
  t.is(toBigint("2001:db8::ff"), 0x20010db80000000000000000000000ffn);
  t.is(toBigint("0x1f"), 31n);
  t.is(toBigint("300"), 300n);
  t.is(toBigint(Uint8Array.of(0, 0, 1, 2)), 0x102n);
  t.is(hex(encodeValue("10.0.0.1", 32)), "0a000001");
  t.is(hex(encodeValue("00:00:00:00:00:02", 48)), "02");
});

test("values that do not fit or make no sense are refused", (t) => {
  t.throws(() => encodeValue(512, 9), { instanceOf: P4ValueError });
  t.throws(() => encodeValue(-1, 9), { instanceOf: P4ValueError });
  t.throws(() => toBigint("10.0.0.256"), { instanceOf: P4ValueError });
  t.throws(() => toBigint("hello"), { instanceOf: P4ValueError });
  t.throws(() => toBigint(1.5), { instanceOf: P4ValueError });
  t.notThrows(() => encodeValue(511, 9));
});

test("values on both sides of 2^53 and of 6 bytes round-trip exactly", (t) => {
  const values = [2n ** 48n - 1n, 2n ** 48n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 64n - 1n, 2n ** 128n - 3n];
  for (const v of values) {
    const bytes = canonicalBytes(v);
    t.is(hex(bytes), v.toString(16).padStart(Math.ceil(v.toString(16).length / 2) * 2, "0"), `canonical bytes of ${v}`);
    t.false(Buffer.isBuffer(bytes));
    t.is(decodeValue(bytes), v);
    t.is(decodeValue(Uint8Array.of(0, 0, ...bytes)), v);
  }
  t.is(decodeValue(new Uint8Array()), 0n);
  t.is(toBigint("255.255.255.255"), 0xffff_ffffn);
  t.is(toBigint("010.0.0.001"), 0x0a000001n);
  t.is(toBigint(" 172.16.1.2 "), 0xac100102n);
  t.throws(() => toBigint("1.300.0.0"), { instanceOf: P4ValueError, message: /bad IPv4 address '1.300.0.0'/ });
});

test("decode reads canonical and padded strings alike", (t) => {
  t.is(decodeValue(Uint8Array.of(0, 0, 0, 7)), 7n);
  t.is(decodeValue(canonicalBytes(123456789n)), 123456789n);
  t.is(formatMac(0xaabbccddeeffn), "aa:bb:cc:dd:ee:ff");
  t.is(formatMac(2n), "00:00:00:00:00:02");
  t.is(formatIpv4(0x0a000001n), "10.0.0.1");
});

test("election ids split into and join from uint64 halves", (t) => {
  const id = (5n << 64n) | 7n;
  t.deepEqual(splitUint128(id), { high: "5", low: "7" });
  t.is(joinUint128(splitUint128(id)), id);
  t.is(joinUint128(null), 0n);
});
