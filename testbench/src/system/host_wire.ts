/**
 * The host end of a switch port's UDP wire, bound before the switch starts so the switch can be
 * told where each port's host is (a server that has not sent anything yet must still receive
 * its first request), and kept across server restarts: the cable stays plugged in while the
 * host behind it dies and comes back. `attach()` hands a host stack a view of the wire that it
 * may close without unplugging the cable.
 */
import { createSocket, type Socket } from "node:dgram";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import type { FrameHandler, FrameLink } from "../../../runtime/src/hoststack/link.ts";
import type { Endpoint } from "../../../runtime/src/transport/endpoint.ts";

export class HostWire implements FrameLink {
  private handler: FrameHandler | undefined;
  private switchEnd: Endpoint | undefined;
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    readonly local: Endpoint,
  ) {
    socket.on("message", (bytes, rinfo) => {
      if (!this.switchEnd || rinfo.port !== this.switchEnd.port) return;
      this.handler?.(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    });
    socket.on("error", () => undefined);
  }

  static async bind(): Promise<HostWire> {
    const socket = createSocket("udp4");
    socket.bind(0, "127.0.0.1");
    await once(socket, "listening");
    const address = socket.address() as AddressInfo;
    return new HostWire(socket, { ip: address.address, port: address.port });
  }

  /** Plugs the wire into a switch port (again, after a switch restart). */
  connect(switchPort: Endpoint): void {
    this.switchEnd = switchPort;
  }

  send(frame: Uint8Array): void {
    if (this.closed || !this.switchEnd) return;
    this.socket.send(frame, this.switchEnd.port, this.switchEnd.ip, () => undefined);
  }

  onFrame(handler: FrameHandler): void {
    this.handler = handler;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handler = undefined;
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}

/** A view of a link whose close() only detaches: the host goes away, the cable stays. */
export function detachable(link: FrameLink): FrameLink {
  let attached = true;
  return {
    local: link.local,
    send: (frame) => {
      if (attached) link.send(frame);
    },
    onFrame: (handler) => {
      if (attached) link.onFrame(handler);
    },
    close: async () => {
      attached = false;
      link.onFrame(() => undefined);
    },
  };
}
