/**
 * Matches what the compared switch sent against what the reference sent, packet by packet.
 * The reference's frames for packet i are expected; a frame from the compared switch settles
 * the oldest identical expectation (same port, same bytes) or else is unexpected. Every frame
 * of a run is unique (IPv4 identification), so a match is the same packet's output.
 */
import { frameDiff, toHex } from "../packet/hexdump.ts";
import type { Emitted } from "./diff_targets.ts";
import type { Injection } from "./diff_packets.ts";

export interface PacketDifference {
  readonly index: number;
  readonly kind: string;
  readonly label: string;
  readonly ingressPort: number;
  /** "<port> <hex>" of each frame only the reference sent. */
  readonly onlyReference: readonly string[];
  /** "<port> <hex>" of each frame only the compared switch sent. */
  readonly onlyCompared: readonly string[];
  readonly detail: string;
}

const key = (e: Emitted): string => `${e.port} ${toHex(e.frame)}`;

/** The IPv4 identification of an IPv4 frame (how an unexpected frame is traced to its packet). */
function ipv4Identification(frame: Uint8Array): number | undefined {
  if (frame.length < 34 || frame[12] !== 0x08 || frame[13] !== 0x00) return undefined;
  return (frame[18]! << 8) | frame[19]!;
}

export class FrameLedger {
  private readonly packets: Injection[] = [];
  private readonly expected: Emitted[][] = [];
  /** Unsettled expectations by frame key, oldest packet first. */
  private readonly open = new Map<string, number[]>();
  private readonly unexpected: { readonly afterIndex: number; readonly frame: Emitted }[] = [];
  private framesExpected = 0;
  private framesReceived = 0;
  private lastProgress = performance.now();

  /** Records a packet sent to both switches and what the reference sent for it; returns its index. */
  expect(packet: Injection, outputs: readonly Emitted[]): number {
    const index = this.packets.length;
    this.lastProgress = performance.now();
    this.packets.push(packet);
    this.expected.push([...outputs]);
    for (const o of outputs) {
      const k = key(o);
      const list = this.open.get(k);
      if (list) list.push(index);
      else this.open.set(k, [index]);
      this.framesExpected++;
    }
    return index;
  }

  receive(frame: Emitted): void {
    this.lastProgress = performance.now();
    this.framesReceived++;
    const k = key(frame);
    const list = this.open.get(k);
    if (list && list.length > 0) {
      list.shift();
      if (list.length === 0) this.open.delete(k);
      return;
    }
    this.unexpected.push({ afterIndex: this.packets.length - 1, frame });
  }

  /**
   * Frames sent by the reference and by the compared switch so far. Counted, not matched: a
   * differing frame still means the compared switch has dealt with its packet.
   */
  get frameCounts(): { readonly expected: number; readonly received: number } {
    return { expected: this.framesExpected, received: this.framesReceived };
  }

  get packetCount(): number {
    return this.packets.length;
  }

  /** Milliseconds since the compared switch last sent anything or was last sent a packet. */
  get quietMs(): number {
    return performance.now() - this.lastProgress;
  }

  /** Every packet whose outputs differ, with what differs. */
  differences(): PacketDifference[] {
    const onlyReference = new Map<number, Emitted[]>();
    for (const [k, indexes] of this.open) {
      const space = k.indexOf(" ");
      const emitted: Emitted = { port: Number(k.slice(0, space)), frame: hexBytes(k.slice(space + 1)) };
      for (const i of indexes) onlyReference.set(i, [...(onlyReference.get(i) ?? []), emitted]);
    }
    const onlyCompared = new Map<number, Emitted[]>();
    for (const u of this.unexpected) {
      const i = this.traceUnexpected(u.frame, u.afterIndex);
      onlyCompared.set(i, [...(onlyCompared.get(i) ?? []), u.frame]);
    }
    const indexes = [...new Set([...onlyReference.keys(), ...onlyCompared.keys()])].sort((a, b) => a - b);
    return indexes.map((i) => {
      const packet = this.packets[Math.max(0, i)]!;
      const ref = onlyReference.get(i) ?? [];
      const cmp = onlyCompared.get(i) ?? [];
      return { index: i, kind: packet.kind, label: packet.label, ingressPort: packet.port, onlyReference: ref.map(key), onlyCompared: cmp.map(key), detail: explain(ref, cmp) };
    });
  }

  /** The latest packet up to `afterIndex` with the frame's IPv4 identification, else `afterIndex`. */
  private traceUnexpected(frame: Emitted, afterIndex: number): number {
    const id = ipv4Identification(frame.frame);
    if (id !== undefined) {
      for (let i = afterIndex; i >= 0; i--) if (ipv4Identification(this.packets[i]!.frame) === id) return i;
    }
    return afterIndex;
  }
}

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from({ length: hex.length / 2 }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16));
}

function explain(ref: readonly Emitted[], cmp: readonly Emitted[]): string {
  if (ref.length === 1 && cmp.length === 1) {
    if (ref[0]!.port !== cmp[0]!.port) return `egress port ${ref[0]!.port} vs ${cmp[0]!.port}`;
    return frameDiff(ref[0]!.frame, cmp[0]!.frame) ?? "same bytes";
  }
  const describe = (o: readonly Emitted[]): string => (o.length === 0 ? "nothing" : `${o.length} frame(s) on port(s) ${o.map((x) => x.port).join(",")}`);
  return `only the reference sent ${describe(ref)}; only the compared switch sent ${describe(cmp)}`;
}
