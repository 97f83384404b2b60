/**
 * UTF-8 encoding of the short strings on the per-request path (answers, small session states).
 * TextEncoder.encode costs a native call, about half a microsecond even for a few bytes; a short
 * ASCII string is copied in a loop an order of magnitude faster. Anything else goes to TextEncoder.
 */
const encoder = new TextEncoder();

/** Longer strings gain nothing from the loop: the native call's cost is spread over their bytes. */
const SHORT = 64;

export function encodeUtf8(text: string): Uint8Array {
  const n = text.length;
  if (n > SHORT) return encoder.encode(text);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return encoder.encode(text);
    out[i] = c;
  }
  return out;
}
