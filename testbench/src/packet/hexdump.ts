/** Human-readable views of frames for test failure messages. */
import { formatIpv4, formatMac } from "./address.ts";
import { parseFrame } from "./frame.ts";

/** Classic 16-bytes-a-line dump: offset, hex, printable ASCII. */
export function hexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += 16) {
    const row = bytes.subarray(offset, offset + 16);
    const hex = Array.from(row, (b) => b.toString(16).padStart(2, "0")).join(" ");
    const ascii = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".")).join("");
    lines.push(`${offset.toString(16).padStart(4, "0")}  ${hex.padEnd(47)}  ${ascii}`);
  }
  return lines.join("\n");
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, "");
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new RangeError(`not an even-length hex string: ${hex}`);
  return Uint8Array.from(clean.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

/** One line per layer: what a frame is, at a glance. */
export function describeFrame(frame: Uint8Array): string {
  const parsed = parseFrame(frame);
  const parts: string[] = [`${frame.length} bytes`];
  if (parsed.ethernet) {
    parts.push(`eth ${formatMac(parsed.ethernet.src)} -> ${formatMac(parsed.ethernet.dst)} type 0x${parsed.ethernet.etherType.toString(16)}`);
  }
  if (parsed.ipv4) {
    const ip = parsed.ipv4;
    parts.push(
      `ipv4 ${formatIpv4(ip.src)} -> ${formatIpv4(ip.dst)} ttl ${ip.ttl} proto ${ip.protocol} ihl ${ip.ihl} csum 0x${ip.checksum.toString(16)}${ip.checksumOk ? "" : " (BAD)"}`,
    );
  }
  if (parsed.udp) {
    parts.push(`udp ${parsed.udp.srcPort} -> ${parsed.udp.dstPort} len ${parsed.udp.length} csum ${parsed.udp.checksumStatus}`);
  }
  if (parsed.session) {
    if (parsed.session.ok) {
      const h = parsed.session.message.header;
      parts.push(
        `session type ${h.type} flags 0x${h.flags.toString(16)} cookie 0x${h.cookie.toString(16)} id 0x${h.sessionId.toString(16)} ver ${h.sessionVersion} req ${h.requestId}`,
      );
    } else {
      parts.push(`not a session message (${parsed.session.reason})`);
    }
  }
  return parts.join(" | ");
}

/** undefined when equal; otherwise a report naming the first differing offsets, with both frames described and dumped. */
export function frameDiff(expected: Uint8Array, actual: Uint8Array): string | undefined {
  const differing: number[] = [];
  for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
    if (expected[i] !== actual[i]) differing.push(i);
  }
  if (differing.length === 0) return undefined;
  const shown = differing.slice(0, 16).map((i) => `@${i}: expected ${byteText(expected[i])} got ${byteText(actual[i])}`);
  return [
    `frames differ at ${differing.length} byte(s)${expected.length !== actual.length ? ` (lengths ${expected.length} vs ${actual.length})` : ""}`,
    ...shown,
    `expected: ${describeFrame(expected)}`,
    hexDump(expected),
    `actual:   ${describeFrame(actual)}`,
    hexDump(actual),
  ].join("\n");
}

function byteText(b: number | undefined): string {
  return b === undefined ? "(none)" : `0x${b.toString(16).padStart(2, "0")}`;
}
