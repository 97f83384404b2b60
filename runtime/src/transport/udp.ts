/**
 * DatagramTransport over a kernel UDP socket: batched (udp_batch.ts, one system call per batch
 * each way) where the slb_udp addon is built, node:dgram otherwise or when asked for.
 */
import { createSocket } from "node:dgram";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import type { DatagramTransport, ReceiveHandler } from "./datagram.ts";
import type { Endpoint } from "./endpoint.ts";
import { loadBatchedUdp, openBatchedUdp } from "./udp_batch.ts";

export interface UdpTransportOptions {
  /** Address to bind; defaults to 127.0.0.1 so tests never listen beyond the machine. */
  readonly ip?: string;
  /** Port to bind; 0 (the default) picks an ephemeral one. */
  readonly port?: number;
  /** "auto" (default): batched where the addon loads, unless SLB_UDP=dgram; "dgram": node:dgram always. */
  readonly engine?: "auto" | "dgram";
}

/** What openUdpTransport uses by default here, for start-up lines: "batched" or why not. */
export function defaultUdpEngine(): string {
  if (process.env.SLB_UDP === "dgram") return "node:dgram (SLB_UDP=dgram)";
  const batched = loadBatchedUdp();
  return batched.ok ? "batched (recvmmsg/sendmmsg)" : `node:dgram (${batched.reason})`;
}

export async function openUdpTransport(options: UdpTransportOptions = {}): Promise<DatagramTransport> {
  const engine = options.engine ?? (process.env.SLB_UDP === "dgram" ? "dgram" : "auto");
  const batched = engine === "dgram" ? undefined : loadBatchedUdp();
  if (batched?.ok) return openBatchedUdp(batched.addon, options.ip ?? "127.0.0.1", options.port ?? 0);
  return openDgramTransport(options);
}

async function openDgramTransport(options: UdpTransportOptions): Promise<DatagramTransport> {
  const socket = createSocket("udp4");
  let handler: ReceiveHandler | undefined;
  let closed = false;
  socket.on("message", (bytes, rinfo) => handler?.({ ip: rinfo.address, port: rinfo.port }, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
  // A send to an unreachable port surfaces here on some platforms; UDP semantics say drop it.
  socket.on("error", () => undefined);
  socket.bind(options.port ?? 0, options.ip ?? "127.0.0.1");
  await Promise.race([
    once(socket, "listening"),
    once(socket, "error").then(([err]) => {
      throw err;
    }),
  ]);
  const address = socket.address() as AddressInfo;
  const local: Endpoint = { ip: address.address, port: address.port };
  return {
    local,
    send(dst, payload) {
      if (closed) return;
      // No callback: Node then sends at once without tracking completion; failures reach the 'error' handler.
      socket.send(payload, dst.port, dst.ip);
    },
    onReceive(h) {
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
