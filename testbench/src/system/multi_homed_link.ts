/**
 * A host cabled to several switches (several first hops), as a host with one uplink per LB
 * switch: it sends on one hop at a time and moves to the next when that hop goes quiet.
 *
 * - Replies follow the request: a frame to an address is sent on the hop that address was
 *   last heard on, so a server answers through the switch its client's request came through
 *   (the switch's data-plane failure detector needs to see both directions).
 * - Dead-gateway detection: a hop that has been sent on for `deadAfterMs` without a single
 *   frame coming back is suspected; sends go to the next hop that is not (round robin), and
 *   a hop is trusted again as soon as anything arrives on it. A busy, slow server makes a
 *   client try another switch too: harmless, since every switch routes every session alike.
 */
import type { FrameHandler, FrameLink } from "../../../runtime/src/hoststack/link.ts";

const ETHERTYPE_IPV4 = 0x0800;

interface Hop {
  readonly link: FrameLink;
  /** When the first frame sent since the last one heard went out; undefined while answered. */
  unansweredSince: number | undefined;
}

function ipv4Field(frame: Uint8Array, offset: number): number | undefined {
  if (frame.length < 34 || ((frame[12]! << 8) | frame[13]!) !== ETHERTYPE_IPV4) return undefined;
  return ((frame[offset]! << 24) | (frame[offset + 1]! << 16) | (frame[offset + 2]! << 8) | frame[offset + 3]!) >>> 0;
}

export interface MultiHomedOptions {
  /** Which hop to send on first (spreads hosts over the switches). */
  readonly preferred?: number;
  /** A hop sent on this long without a frame back is suspected. */
  readonly deadAfterMs?: number;
  readonly now?: () => number;
}

export class MultiHomedLink implements FrameLink {
  private readonly hops: Hop[];
  private active: number;
  /** Remote IPv4 address -> the hop it was last heard on. */
  private readonly heardOn = new Map<number, number>();
  private handler: FrameHandler | undefined;
  private readonly deadAfterMs: number;
  private readonly now: () => number;
  /** Times this host moved to another hop, for stats. */
  switches = 0;

  constructor(links: readonly FrameLink[], options: MultiHomedOptions = {}) {
    if (links.length === 0) throw new RangeError("a multi-homed link needs at least one hop");
    this.hops = links.map((link) => ({ link, unansweredSince: undefined }));
    this.active = (options.preferred ?? 0) % links.length;
    this.deadAfterMs = options.deadAfterMs ?? 300;
    this.now = options.now ?? (() => performance.now());
    this.hops.forEach((hop, i) =>
      hop.link.onFrame((frame) => {
        hop.unansweredSince = undefined;
        const src = ipv4Field(frame, 26);
        if (src !== undefined) this.heardOn.set(src, i);
        this.handler?.(frame);
      }),
    );
  }

  get local(): FrameLink["local"] {
    return this.hops[0]!.link.local;
  }

  /** The hop new traffic goes out on. */
  get activeHop(): number {
    return this.active;
  }

  private suspected(i: number, now: number): boolean {
    const since = this.hops[i]!.unansweredSince;
    return since !== undefined && now - since > this.deadAfterMs;
  }

  private pick(dst: number | undefined, now: number): number {
    const learned = dst === undefined ? undefined : this.heardOn.get(dst);
    if (learned !== undefined && !this.suspected(learned, now)) return learned;
    if (this.suspected(this.active, now)) {
      const n = this.hops.length;
      let next: number | undefined;
      for (let k = 1; k < n && next === undefined; k++) if (!this.suspected((this.active + k) % n, now)) next = (this.active + k) % n;
      // Every hop quiet: try the next one in turn afresh, so that each gets another chance.
      next ??= (this.active + 1) % n;
      this.hops[next]!.unansweredSince = undefined;
      this.active = next;
      this.switches++;
    }
    return this.active;
  }

  send(frame: Uint8Array): void {
    const now = this.now();
    const hop = this.hops[this.pick(ipv4Field(frame, 30), now)]!;
    hop.unansweredSince ??= now;
    hop.link.send(frame);
  }

  onFrame(handler: FrameHandler): void {
    this.handler = handler;
  }

  /** Detaches the host; the hops (cables) belong to whoever made them and stay open. */
  async close(): Promise<void> {
    this.handler = undefined;
  }
}
