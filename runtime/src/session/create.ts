/**
 * Opens a session server's sockets and starts it.
 *
 * Kernel sockets (default): the data port is UDP, replication is the peer stream on TCP at the
 * same address and peer port number, the management port is UDP. With `security: mtls` the
 * stream is mutual TLS with the server's certificate of the cluster CA, and management
 * datagrams must be sealed with the cluster key; `insecure` turns both off and must be asked for.
 *
 * Host stack (`attach`): data and peer ports on a userspace host stack behind a switch port. It
 * has no TCP, so replication there is the legacy datagram protocol, which authenticates no one:
 * attaching requires `insecure`. The management port is always kernel UDP, so the controller
 * reaches the server even when its data path is broken.
 */
import { loadClusterKey, loadTlsIdentity } from "../auth/cluster_files.ts";
import type { DatagramTransport } from "../transport/datagram.ts";
import { type HostAttachment, attachHostStack } from "../transport/hoststack.ts";
import { openUdpTransport } from "../transport/udp.ts";
import { DEFAULT_VIP_PORT } from "../wire/session_header.ts";
import type { PeerLink } from "./peer_link.ts";
import { openPeerStream } from "./peer_stream.ts";
import { SessionServer, type SessionServerOptions } from "./server.ts";

export const DEFAULT_PEER_PORT = 7701;
export const DEFAULT_MGMT_PORT = 7702;

/** `mtls`: credentials from a directory `slb certs` wrote (see auth/cluster_files.ts). */
export type ServerSecurity = { readonly kind: "mtls"; readonly dir: string } | { readonly kind: "insecure" };

export interface CreateServerOptions extends Omit<SessionServerOptions, "data" | "peer" | "mgmt" | "mgmtKey"> {
  readonly security: ServerSecurity;
  /** 0 picks an ephemeral port (tests). Defaults: 7700, 7701, 7702. */
  readonly dataPort?: number;
  readonly peerPort?: number;
  readonly mgmtPort?: number;
  /** Kernel address for data and peer ports (default 127.0.0.1). */
  readonly bindIp?: string;
  /** Kernel-UDP address of the management port (default 127.0.0.1). */
  readonly mgmtIp?: string;
  /** Kernel sockets only: the legacy datagram protocol instead of the stream (the bench compares them). */
  readonly peerTransport?: "stream" | "datagram";
  /** Put data and peer ports on a host stack behind this switch port instead of kernel sockets. */
  readonly attach?: HostAttachment;
}

export class ServerSecurityError extends Error {
  override readonly name = "ServerSecurityError";
}

export async function createServer(options: CreateServerOptions): Promise<SessionServer> {
  const { security } = options;
  const datagramPeer = options.attach !== undefined || options.peerTransport === "datagram";
  if (datagramPeer && security.kind !== "insecure") {
    throw new ServerSecurityError("the datagram peer protocol (host stack or --peer-transport datagram) authenticates no one: it needs insecure mode");
  }
  const tls = security.kind === "mtls" ? loadTlsIdentity(security.dir, { role: "server", id: options.id }) : undefined;
  const mgmtKey = security.kind === "mtls" ? loadClusterKey(security.dir) : undefined;
  const opened: { close(): Promise<void> }[] = [];
  try {
    let data: DatagramTransport;
    let peer: PeerLink | DatagramTransport;
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
      const peerPort = options.peerPort ?? DEFAULT_PEER_PORT;
      peer = datagramPeer
        ? await openUdpTransport({ ip, port: peerPort })
        : await openPeerStream({ ip, port: peerPort, security: tls ? { kind: "mtls", tls } : { kind: "insecure" }, log: options.log });
      opened.push(peer);
    }
    const mgmt = await openUdpTransport({ ip: options.mgmtIp ?? "127.0.0.1", port: options.mgmtPort ?? DEFAULT_MGMT_PORT });
    opened.push(mgmt);
    return new SessionServer({ ...options, data, peer, mgmt, mgmtKey });
  } catch (err) {
    await Promise.all(opened.map((t) => t.close()));
    throw err;
  }
}
