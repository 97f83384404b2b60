import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import type { PortNumber, SwitchModel } from "../dataplane/api.ts";

/**
 * Switch ports as UDP sockets on loopback: one Ethernet frame per datagram.
 * Port N listens on basePort + N; a host attaches by sending frames to that
 * socket and gets the port's egress frames back at the address it last sent
 * from (or at a configured peer address).
 */
export interface UdpEndpoint {
  readonly address: string;
  readonly port: number;
}

export interface UdpWiresOptions {
  /** Switch ports to open. The CPU port should not be listed: packet-in/out go through the P4Runtime server. */
  readonly ports: readonly PortNumber[];
  /** UDP port of switch port 0; port N uses basePort + N. 0 lets the OS pick each socket's port (see endpoint()). */
  readonly basePort: number;
  /** Address to bind; loopback by default. */
  readonly host?: string;
  /** Fixed peers: frames leaving these switch ports go there whatever sent last. */
  readonly peers?: ReadonlyMap<PortNumber, UdpEndpoint>;
  readonly log?: (line: string) => void;
}

interface Wire {
  readonly socket: Socket;
  peer: UdpEndpoint | undefined;
  readonly fixedPeer: boolean;
}

export class UdpWires {
  private readonly wires = new Map<number, Wire>();
  private unsubscribe: (() => void) | undefined;
  private readonly counts = { framesIn: 0, framesOut: 0, noPeerDrops: 0, noWireDrops: 0, sendErrors: 0 };

  constructor(
    private readonly sw: SwitchModel,
    private readonly options: UdpWiresOptions,
  ) {}

  get running(): boolean {
    return this.unsubscribe !== undefined;
  }

  /** Binds one socket per port; rejects (and closes what it opened) if any bind fails. */
  async start(): Promise<void> {
    if (this.running) return;
    const host = this.options.host ?? "127.0.0.1";
    try {
      for (const p of this.options.ports) {
        const socket = createSocket(host.includes(":") ? "udp6" : "udp4");
        const fixed = this.options.peers?.get(p);
        const wire: Wire = { socket, peer: fixed, fixedPeer: fixed !== undefined };
        this.wires.set(p, wire);
        socket.on("message", (msg: Buffer, from: RemoteInfo) => this.receive(p, wire, msg, from));
        socket.on("error", (e) => this.options.log?.(`udp wire ${p}: ${e.message}`));
        await new Promise<void>((resolve, reject) => {
          socket.once("error", reject);
          socket.bind(this.options.basePort === 0 ? 0 : this.options.basePort + p, host, () => {
            socket.off("error", reject);
            resolve();
          });
        });
      }
    } catch (e) {
      await this.closeAll();
      throw e;
    }
    this.unsubscribe = this.sw.onEgress((p, frame) => this.send(p, frame));
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.closeAll();
  }

  /** Where switch port `p` listens. */
  endpoint(p: PortNumber): UdpEndpoint {
    const wire = this.wires.get(p);
    if (!wire) throw new Error(`switch port ${p} has no UDP wire`);
    const a = wire.socket.address();
    return { address: a.address, port: a.port };
  }

  stats(): Readonly<Record<string, number>> {
    return { ...this.counts };
  }

  private receive(p: PortNumber, wire: Wire, msg: Buffer, from: RemoteInfo): void {
    if (!wire.fixedPeer) wire.peer = { address: from.address, port: from.port };
    this.counts.framesIn++;
    this.sw.inject(p, new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength));
  }

  private send(p: PortNumber, frame: Uint8Array): void {
    const wire = this.wires.get(p);
    // A port the switch knows but this process opened no socket for (the CPU port, a port left out): counted, not sent.
    if (!wire) {
      this.counts.noWireDrops++;
      return;
    }
    if (!wire.peer) {
      this.counts.noPeerDrops++;
      return;
    }
    this.counts.framesOut++;
    wire.socket.send(frame, wire.peer.port, wire.peer.address, (err) => {
      if (err) {
        this.counts.sendErrors++;
        this.options.log?.(`udp wire ${p}: send failed: ${err.message}`);
      }
    });
  }

  private async closeAll(): Promise<void> {
    const closing = [...this.wires.values()].map(
      (w) =>
        new Promise<void>((resolve) => {
          try {
            w.socket.close(() => resolve());
          } catch {
            resolve();
          }
        }),
    );
    this.wires.clear();
    await Promise.all(closing);
  }
}
