/**
 * The server's side of the management protocol (wire/control.ts): probes and membership pushes
 * from the controller. With a cluster key, a datagram without a valid seal is refused (counted
 * in `mgmtRefused`, logged) and never answered or applied.
 */
import { seal, unseal } from "../auth/seal.ts";
import type { DatagramTransport } from "../transport/datagram.ts";
import type { Endpoint } from "../transport/endpoint.ts";
import { type ControlMessage, type MemberServer, decodeControl, encodeControl } from "../wire/control.ts";
import type { ServerContext } from "./context.ts";

export class ControlPort {
  constructor(
    private readonly ctx: ServerContext,
    private readonly transport: DatagramTransport,
    private readonly key: Uint8Array | undefined,
    private readonly setMembership: (epoch: number, servers: readonly MemberServer[]) => void,
  ) {}

  get local(): Endpoint {
    return this.transport.local;
  }

  onDatagram(src: Endpoint, bytes: Uint8Array): void {
    const { ctx } = this;
    let body = bytes;
    if (this.key) {
      const opened = unseal(this.key, bytes);
      if (!opened.ok) {
        ctx.stats.mgmtRefused++;
        ctx.log(`server ${ctx.id}: refused ${opened.reason} management datagram from ${src.ip}:${src.port}`);
        return;
      }
      body = opened.body;
    }
    const decoded = decodeControl(body);
    let reply: ControlMessage | undefined;
    if (!decoded.ok) {
      if (decoded.nonce !== undefined) reply = { kind: "error", nonce: decoded.nonce, reason: decoded.reason };
    } else {
      const message = decoded.message;
      if (message.kind === "probe") {
        reply = { kind: "probe_ack", nonce: message.nonce, serverId: ctx.id, epoch: ctx.membership.epoch, sessions: ctx.store.size, load: ctx.store.load };
      } else if (message.kind === "membership") {
        this.setMembership(message.epoch, message.servers);
        reply = { kind: "membership_ack", nonce: message.nonce, serverId: ctx.id, epoch: ctx.membership.epoch };
      }
    }
    if (!reply) return;
    const encoded = encodeControl(reply);
    this.transport.send(src, this.key ? seal(this.key, encoded) : encoded);
  }
}
