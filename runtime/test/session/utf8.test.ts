import test from "ava";
import { encodeUtf8 } from "../../src/session/utf8.ts";

test("encodeUtf8 gives TextEncoder's bytes for short ASCII, non-ASCII, lone surrogates and long strings", (t) => {
  const reference = new TextEncoder();
  for (const text of ["", "ok", "12345", '{"c":"41"}', "héllo", "日本", "a\u{1F600}b", "x\uD800y", "z".repeat(64), "y".repeat(65), `${"a".repeat(63)}é`]) {
    const bytes = encodeUtf8(text);
    t.true(bytes instanceof Uint8Array);
    t.deepEqual([...bytes], [...reference.encode(text)], JSON.stringify(text));
  }
});
