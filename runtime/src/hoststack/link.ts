/**
 * A FrameLink carries whole Ethernet frames between the host stack and one switch port.
 * The switch model's ports are UDP "wires" on 127.0.0.1: one frame per datagram, sent to the
 * port's socket; the switch sends frames for this host back to the host's own socket.
 */
import { createSocket } from "node:dgram";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import type { Endpoint } from "../transport/endpoint.ts";

export type FrameHandler = (frame: Uint8Array) => void;

export interface FrameLink {
  /** Where this end receives frames (for the switch to be told, if it does not learn it). */
  readonly local: Endpoint;
  send(frame: Uint8Array): void;
  onFrame(handler: FrameHandler): void;
  close(): Promise<void>;
}

export interface UdpWireOptions {
  /** The switch port's socket. */
  readonly switchPort: Endpoint;
  /** This host's socket; 0 (the default) picks an ephemeral port on 127.0.0.1. */
  readonly localPort?: number;
}

export async function openUdpWire(options: UdpWireOptions): Promise<FrameLink> {
  const socket = createSocket("udp4");
  let handler: FrameHandler | undefined;
  let closed = false;
  // Frames are accepted from any sender: the switch may transmit from a socket other than the
  // port's receive socket, and the host stack drops whatever is not addressed to it anyway.
  socket.on("message", (bytes) => handler?.(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
  socket.on("error", () => undefined);
  socket.bind(options.localPort ?? 0, "127.0.0.1");
  await once(socket, "listening");
  const address = socket.address() as AddressInfo;
  return {
    local: { ip: address.address, port: address.port },
    send(frame) {
      if (!closed) socket.send(frame, options.switchPort.port, options.switchPort.ip, () => undefined);
    },
    onFrame(h) {
      handler = h;
    },
    async close() {
      if (closed) return;
      closed = true;
      handler = undefined;
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}
