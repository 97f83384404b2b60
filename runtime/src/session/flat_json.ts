/**
 * A fast path for reading the key-value app's state: a JSON object of string values, as
 * JSON.stringify writes it (no whitespace, no escapes). JSON.parse interns every short string
 * it reads, and a counter's new value is a new string on every request, which made parsing
 * the largest cost of a small update. Anything else (escapes, control characters, other value
 * types, `__proto__`, long texts) is left to JSON.parse: `undefined` says "not this shape".
 */

/** Longer states gain little: parsing is then a small part of an update that copies the state anyway. */
const MAX_FAST_CHARS = 256;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export function parseFlatStringMap(text: string): Record<string, string> | undefined {
  const n = text.length;
  if (n < 2 || n > MAX_FAST_CHARS || text.charCodeAt(0) !== 0x7b || text.charCodeAt(n - 1) !== 0x7d) return undefined;
  // JSON strings may not hold raw control characters, and escapes need JSON.parse.
  for (let i = 1; i < n - 1; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === BACKSLASH) return undefined;
  }
  const out: Record<string, string> = {};
  if (n === 2) return out;
  let i = 1;
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) return undefined;
    const keyEnd = text.indexOf('"', i + 1);
    if (keyEnd < 0 || text.charCodeAt(keyEnd + 1) !== 0x3a || text.charCodeAt(keyEnd + 2) !== QUOTE) return undefined;
    const valueEnd = text.indexOf('"', keyEnd + 3);
    if (valueEnd < 0) return undefined;
    const key = text.slice(i + 1, keyEnd);
    // JSON.parse makes it an own property; assigning it would set the prototype instead.
    if (key === "__proto__") return undefined;
    out[key] = text.slice(keyEnd + 3, valueEnd);
    const next = text.charCodeAt(valueEnd + 1);
    if (next === 0x7d) return valueEnd + 2 === n ? out : undefined;
    if (next !== 0x2c) return undefined;
    i = valueEnd + 2;
  }
}
