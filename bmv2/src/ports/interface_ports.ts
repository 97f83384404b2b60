/**
 * Switch ports on Linux interfaces, as simple_switch's `-i 1@veth1`: each port is a packet
 * socket with memory-mapped rings. Received frames arrive in batches (one JS call per batch),
 * are injected into the model one by one, and the egress frames they cause are queued in the
 * transmit rings and sent with one system call per port at the end of the batch.
 */
import type { PortNumber, SwitchModel } from "../dataplane/api.ts";
import type { PacketRingAddon, RingHandle, RingStats } from "./packet_rings.ts";

export interface InterfaceBinding {
  readonly port: PortNumber;
  readonly ifname: string;
}

/** Parses simple_switch's `N@ifname`. */
export function parseInterfaceBinding(text: string): InterfaceBinding | string {
  const m = /^(\d+)@([^\s/]{1,15})$/.exec(text);
  if (!m) return `'${text}' is not PORT@INTERFACE (e.g. 1@veth1; interface names have at most 15 characters)`;
  const p = Number(m[1]);
  if (p > 510) return `'${text}': port ${p} is out of range 0..510`;
  return { port: p as PortNumber, ifname: m[2]! };
}

/** Ring geometry: 2 MiB of receive ring per port (as libpcap's default buffer), a short block timeout for latency. */
const RX_BLOCK_SIZE = 1 << 14;
const RX_BLOCK_COUNT = 128;
const RX_BLOCK_TIMEOUT_MS = 1;
const TX_FRAMES = 256;
const BATCH_FRAMES = 256;
const BATCH_BYTES = 1 << 20;

interface OpenPort {
  readonly binding: InterfaceBinding;
  readonly handle: RingHandle;
  /** Frames queued in the transmit ring since the last flush. */
  pending: boolean;
}

export class InterfacePorts {
  private readonly open: OpenPort[] = [];
  /** Indexed by switch port number: the egress path's lookup. */
  private readonly byPort: (OpenPort | undefined)[] = [];
  private unsubscribe: (() => void) | undefined;
  private inBatch = false;
  private readonly counts = { framesIn: 0, framesOut: 0, txRingFullDrops: 0, noInterfaceDrops: 0, sendErrors: 0 };

  constructor(
    private readonly sw: SwitchModel,
    private readonly addon: PacketRingAddon,
    private readonly bindings: readonly InterfaceBinding[],
    private readonly log?: (line: string) => void,
  ) {
    const seen = new Set<number>();
    for (const b of bindings) {
      if (seen.has(b.port)) throw new Error(`switch port ${b.port} is bound to two interfaces`);
      seen.add(b.port);
    }
  }

  /** Opens every interface (closing what it opened if one fails) and starts receiving. */
  start(): void {
    if (this.unsubscribe) return;
    try {
      for (const binding of this.bindings) {
        const handle = this.addon.open(binding.ifname, RX_BLOCK_SIZE, RX_BLOCK_COUNT, RX_BLOCK_TIMEOUT_MS, TX_FRAMES);
        const p: OpenPort = { binding, handle, pending: false };
        this.open.push(p);
        this.byPort[binding.port] = p;
      }
    } catch (e) {
      this.stop();
      throw e;
    }
    this.unsubscribe = this.sw.onEgress((p, frame) => this.send(p, frame));
    for (const p of this.open) this.receive(p);
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const p of this.open) this.addon.close(p.handle);
    this.open.length = 0;
    this.byPort.length = 0;
  }

  stats(): Readonly<Record<string, number>> {
    const kernel = this.open.map((p) => this.addon.stats(p.handle));
    const sum = (k: keyof RingStats): number => kernel.reduce((a, s) => a + s[k], 0);
    return { ...this.counts, kernelDrops: sum("kernelDrops"), rxTruncated: sum("rxTruncated") };
  }

  private receive(p: OpenPort): void {
    const batch = new ArrayBuffer(BATCH_BYTES);
    const descriptors = new Uint32Array(BATCH_FRAMES * 2);
    const ingress = p.binding.port;
    this.addon.receive(p.handle, batch, descriptors, (count) => {
      this.inBatch = true;
      try {
        for (let i = 0; i < count; i++) {
          // A view, not a copy: the model is done with the frame when inject returns (its egress frames are new arrays).
          this.sw.inject(ingress, new Uint8Array(batch, descriptors[2 * i]!, descriptors[2 * i + 1]!));
        }
        this.counts.framesIn += count;
      } finally {
        this.inBatch = false;
        this.flushPending();
      }
    });
  }

  private send(port: PortNumber, frame: Uint8Array): void {
    const p = this.byPort[port];
    if (!p) {
      this.counts.noInterfaceDrops++;
      return;
    }
    if (!this.addon.send(p.handle, frame)) {
      this.counts.txRingFullDrops++;
      return;
    }
    this.counts.framesOut++;
    p.pending = true;
    // Egress outside a receive batch (a packet-out from the controller) goes at once.
    if (!this.inBatch) this.flushPending();
  }

  private flushPending(): void {
    for (const p of this.open) {
      if (!p.pending) continue;
      p.pending = false;
      const errno = this.addon.flush(p.handle);
      if (errno !== 0) {
        this.counts.sendErrors++;
        this.log?.(`interface ${p.binding.ifname}: send failed (errno ${errno})`);
      }
    }
  }
}
