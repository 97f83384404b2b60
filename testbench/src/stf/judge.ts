import type { ExpectPattern } from "./parse.ts";

/**
 * The verdict of p4c's bmv2 STF driver: on every port, the packets that came out must be
 * exactly as many as that port's `expect` lines and match them in order; a port with no
 * `expect` must send nothing; a port with a data-less `expect` may send anything.
 */
export interface StfResult {
  readonly passed: boolean;
  /** Why the test failed (empty when it passed). */
  readonly failures: readonly string[];
  readonly packetsSent: number;
  readonly packetsReceived: number;
}

export interface ExpectedPacket {
  readonly pattern: ExpectPattern | undefined;
  readonly line: number;
}

/** Failures of the packets received per port against those expected (empty when they agree). */
export function judgeOutput(expected: ReadonlyMap<number, readonly ExpectedPacket[]>, received: ReadonlyMap<number, readonly Uint8Array[]>): string[] {
  const failures: string[] = [];
  const ports = new Set([...received.keys(), ...expected.keys()]);
  for (const p of [...ports].sort((a, b) => a - b)) {
    const got = received.get(p) ?? [];
    const want = expected.get(p) ?? [];
    // As in p4c's driver, an `expect` without data lets the port send any number of packets.
    if (want.some((e) => e.pattern === undefined)) {
      if (want.some((e) => e.pattern !== undefined)) failures.push(`port ${p}: has expects both with and without packet data`);
      continue;
    }
    if (got.length !== want.length) {
      failures.push(
        `port ${p}: expected ${want.length} packet(s), got ${got.length}` +
          (got.length > 0 ? `; received: ${got.map(hex).join(" | ")}` : ""),
      );
    }
    const n = Math.min(got.length, want.length);
    for (let i = 0; i < n; i++) {
      const mismatch = comparePacket(want[i]!.pattern, got[i]!);
      if (mismatch) failures.push(`port ${p} packet ${i} (expect on line ${want[i]!.line}): ${mismatch}`);
    }
  }
  return failures;
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

/** undefined when the packet matches; otherwise what differs. */
export function comparePacket(pattern: ExpectPattern | undefined, packet: Uint8Array): string | undefined {
  if (!pattern) return undefined;
  const got = hex(packet);
  const want = pattern.nibbles;
  if (got.length < want.length) return `packet too short: ${got.length / 2} bytes, expected ${want.length / 2}; got ${got}, expected ${pattern.text}`;
  for (let i = 0; i < want.length; i++) {
    const w = want[i];
    if (w !== undefined && parseInt(got[i]!, 16) !== w)
      return `differs at nibble ${i} (byte ${i >> 1}): expected ${pattern.text}, got ${got}`;
  }
  if (pattern.exactLength && got.length !== want.length)
    return `packet too long: ${got.length / 2} bytes, expected exactly ${want.length / 2}; got ${got}`;
  return undefined;
}

