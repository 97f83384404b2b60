/**
 * The packet-ring addon (bmv2/native): AF_PACKET sockets with TPACKET_V3 memory-mapped rings.
 * Loaded on demand; a machine where it cannot load (not built, not Linux) gets the reason
 * instead, and the caller falls back to socat bridges.
 */
import { nativeAddon } from "../native_addon.ts";

/** An open packet socket (opaque to JS). */
export type RingHandle = { readonly __ring: unique symbol };
/** A running receive counter (opaque to JS). */
export type CounterHandle = { readonly __counter: unique symbol };

export interface RingStats {
  /** Frames the kernel offered the socket, and those it dropped because the receive ring was full. */
  readonly kernelPackets: number;
  readonly kernelDrops: number;
  /** Frames not sent because every transmit slot was still in flight. */
  readonly txRingFull: number;
  /** Received frames longer than a ring block, skipped. */
  readonly rxTruncated: number;
}

export interface BlastResult {
  readonly sent: number;
  readonly seconds: number;
  /** Frames the sender could not queue because its transmit ring was full. */
  readonly ringFull: number;
}

export interface CountResult {
  readonly received: number;
  readonly kernelDrops: number;
  /** One-way latency of the counted frames (send stamp to kernel receive time). */
  readonly p50Us: number;
  readonly p99Us: number;
  readonly maxUs: number;
}

export interface PacketRingAddon {
  open(ifname: string, rxBlockSize: number, rxBlockCount: number, rxTimeoutMs: number, txFrames: number): RingHandle;
  /** Calls `onBatch(n)` from the event loop with frames copied into `batch` at descriptors[2i] (offset), [2i+1] (length). */
  receive(h: RingHandle, batch: ArrayBuffer, descriptors: Uint32Array, onBatch: (count: number) => void): void;
  /** Queues a frame in the transmit ring; false when the ring is full or the frame too big. */
  send(h: RingHandle, frame: Uint8Array): boolean;
  /** Sends what was queued: 0, or an errno. */
  flush(h: RingHandle): number;
  stats(h: RingHandle): RingStats;
  close(h: RingHandle): void;
  /** Sends the templates round robin at `ratePps` for `seconds`, stamping each frame's last 16 bytes. */
  blast(ifname: string, frames: Uint8Array, lengths: Uint32Array, ratePps: number, seconds: number): Promise<BlastResult>;
  counterStart(ifname: string): CounterHandle;
  counterStop(c: CounterHandle): CountResult;
}

export const loadPacketRings = nativeAddon<PacketRingAddon>("slb_packet", "the packet-ring addon", "packet rings need Linux");

/** Whether an error from `open` means the process lacks CAP_NET_RAW. */
export function isPermissionError(e: unknown): boolean {
  return e instanceof Error && (e as Error & { code?: string }).code === "EPERM";
}
