/**
 * Opens a session server's sockets and starts it: kernel UDP by default, or data and peer ports
 * on a userspace host stack attached to a switch port's wire (`attach`). The management port is
 * always kernel UDP, so the controller reaches the server even when its data path is broken.
 */
import type { DatagramTransport } from "../transport/datagram.ts";
import { type HostAttachment, attachHostStack } from "../transport/hoststack.ts";
import { openUdpTransport } from "../transport/udp.ts";
import { DEFAULT_VIP_PORT } from "../wire/session_header.ts";
import { SessionServer, type SessionServerOptions } from "./server.ts";

export const DEFAULT_PEER_PORT = 7701;
export const DEFAULT_MGMT_PORT = 7702;

export interface CreateServerOptions extends Omit<SessionServerOptions, "data" | "peer" | "mgmt"> {
  /** 0 picks an ephemeral port (tests). Defaults: 7700, 7701, 7702. */
  readonly dataPort?: number;
  readonly peerPort?: number;
  readonly mgmtPort?: number;
  /** Kernel-UDP address for data and peer ports (default 127.0.0.1). */
  readonly bindIp?: string;
  /** Kernel-UDP address of the management port (default 127.0.0.1). */
  readonly mgmtIp?: string;
  /** Put data and peer ports on a host stack behind this switch port instead of kernel UDP. */
  readonly attach?: HostAttachment;
}

export async function createServer(options: CreateServerOptions): Promise<SessionServer> {
  const opened: DatagramTransport[] = [];
  try {
    let data: DatagramTransport;
    let peer: DatagramTransport;
    if (options.attach) {
      const stack = await attachHostStack(options.attach);
      data = stack.openPort(options.dataPort ?? DEFAULT_VIP_PORT);
      const peerPort = stack.openPort(options.peerPort ?? DEFAULT_PEER_PORT);
      // The host (and its wire socket) goes away with the last port the server closes.
      peer = {
        local: peerPort.local,
        send: (dst, payload) => peerPort.send(dst, payload),
        onReceive: (handler) => peerPort.onReceive(handler),
        close: async () => {
          await peerPort.close();
          await stack.close();
        },
      };
      opened.push(data, peer);
    } else {
      const ip = options.bindIp ?? "127.0.0.1";
      data = await openUdpTransport({ ip, port: options.dataPort ?? DEFAULT_VIP_PORT });
      opened.push(data);
      peer = await openUdpTransport({ ip, port: options.peerPort ?? DEFAULT_PEER_PORT });
      opened.push(peer);
    }
    const mgmt = await openUdpTransport({ ip: options.mgmtIp ?? "127.0.0.1", port: options.mgmtPort ?? DEFAULT_MGMT_PORT });
    opened.push(mgmt);
    return new SessionServer({ ...options, data, peer, mgmt });
  } catch (err) {
    await Promise.all(opened.map((t) => t.close()));
    throw err;
  }
}
