/**
 * A fault-injecting shim on one switch-port wire. It wraps the host's end of the wire (a
 * FrameLink) and applies, to frames in both directions, what the scenario asks: random loss,
 * a fixed delay, a blackhole (the host stops answering), and partitions (frames between this
 * host's IP and a named peer IP are dropped, so replication between two servers breaks while
 * both stay reachable from the switch). Frames are real bytes on the real wire; the shim only
 * decides whether and when each one crosses.
 */
import type { FrameHandler, FrameLink } from "../../../runtime/src/hoststack/link.ts";
import type { Endpoint } from "../../../runtime/src/transport/endpoint.ts";

export interface WireFault {
  /** Probability in 0..1 that a frame is dropped. */
  readonly lossRate: number;
  /** Extra one-way delay per frame, in ms. */
  readonly delayMs: number;
  /** Drop everything (a paused or cut-off host). */
  readonly blackhole: boolean;
}

export const NO_FAULT: WireFault = { lossRate: 0, delayMs: 0, blackhole: false };

export interface FaultCounters {
  passed: number;
  lost: number;
  delayed: number;
  blackholed: number;
  partitioned: number;
}

const ETHERTYPE_IPV4 = 0x0800;

/** IPv4 source and destination of an Ethernet frame carrying IPv4, as 32-bit numbers. */
function ipv4Addresses(frame: Uint8Array): { readonly src: number; readonly dst: number } | undefined {
  if (frame.length < 14 + 20) return undefined;
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (view.getUint16(12) !== ETHERTYPE_IPV4) return undefined;
  return { src: view.getUint32(14 + 12), dst: view.getUint32(14 + 16) };
}

export type FrameDirection = "to-switch" | "from-switch";

export class FaultLink implements FrameLink {
  fault: WireFault = NO_FAULT;
  /** Sees every frame that crosses (after the faults), for tests that check what is on the wire. */
  tap: ((direction: FrameDirection, frame: Uint8Array) => void) | undefined;
  readonly counters: FaultCounters = { passed: 0, lost: 0, delayed: 0, blackholed: 0, partitioned: 0 };
  /** IPs this host may not exchange frames with (32-bit numbers). */
  private readonly partitionedFrom = new Set<number>();
  private handler: FrameHandler | undefined;
  private readonly pending = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly inner: FrameLink,
    private readonly random: () => number = Math.random,
  ) {
    inner.onFrame((frame) => this.cross(frame, "from-switch", (f) => this.handler?.(f)));
  }

  get local(): Endpoint {
    return this.inner.local;
  }

  send(frame: Uint8Array): void {
    this.cross(frame, "to-switch", (f) => this.inner.send(f));
  }

  onFrame(handler: FrameHandler): void {
    this.handler = handler;
  }

  partition(peerIp: number): void {
    this.partitionedFrom.add(peerIp >>> 0);
  }

  unpartition(peerIp: number): void {
    this.partitionedFrom.delete(peerIp >>> 0);
  }

  heal(): void {
    this.fault = NO_FAULT;
    this.partitionedFrom.clear();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
    this.handler = undefined;
    await this.inner.close();
  }

  private cross(frame: Uint8Array, direction: FrameDirection, deliver: (frame: Uint8Array) => void): void {
    if (this.closed) return;
    const tapped = (f: Uint8Array): void => {
      this.tap?.(direction, f);
      deliver(f);
    };
    const fault = this.fault;
    if (fault.blackhole) {
      this.counters.blackholed++;
      return;
    }
    if (this.partitionedFrom.size > 0) {
      const ips = ipv4Addresses(frame);
      if (ips && (this.partitionedFrom.has(ips.src) || this.partitionedFrom.has(ips.dst))) {
        this.counters.partitioned++;
        return;
      }
    }
    if (fault.lossRate > 0 && this.random() < fault.lossRate) {
      this.counters.lost++;
      return;
    }
    if (fault.delayMs > 0) {
      this.counters.delayed++;
      // The frame may be reused by the sender after this returns; hold a copy.
      const copy = frame.slice();
      const timer = setTimeout(() => {
        this.pending.delete(timer);
        if (!this.closed) tapped(copy);
      }, fault.delayMs);
      this.pending.add(timer);
      return;
    }
    this.counters.passed++;
    tapped(frame);
  }
}
