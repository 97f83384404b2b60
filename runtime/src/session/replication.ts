/**
 * Copying sessions to peers: the primary's puts to its secondary (picking another when one
 * fails), the hand-off puts of a draining server, and the drop that follows an expiry.
 * Everything here goes through the peer link, so the transport is replaced without touching it.
 */
import type { ServerId } from "../wire/session_header.ts";
import type { ServerContext } from "./context.ts";
import type { PeerTarget } from "./peer_link.ts";
import type { ReplicaId, SessionRecord } from "./record.ts";

export class Replicator {
  constructor(private readonly ctx: ServerContext) {}

  /**
   * Sends the record to its secondary (picking one if it has none); when that one fails
   * (timeout, full, error) picks another and copies the session there. Returns the secondary
   * that holds it, 0 when none would.
   */
  async replicate(record: SessionRecord): Promise<ReplicaId> {
    const { ctx } = this;
    let tried: number[] | undefined;
    let target: ReplicaId = record.secondary !== 0 ? record.secondary : (ctx.membership.pickSecondary(record.id) ?? 0);
    while (target !== 0) {
      const peer = ctx.membership.peerTarget(target);
      if (peer) {
        ctx.stats.replicationsSent++;
        const reply = await ctx.link.call(peer, { kind: "put", from: ctx.id, session: record.secondary === target ? record : { ...record, secondary: target } }, ctx.peerCall);
        // "stale": the peer holds a newer copy than ours; it still holds the session.
        if (reply) ctx.membership.heardFrom(target);
        else ctx.membership.suspect(target);
        if (reply?.kind === "put_ack" && reply.outcome !== "full") return target;
      }
      ctx.stats.replicationFailures++;
      (tried ??= []).push(target);
      target = ctx.membership.pickSecondary(record.id, tried) ?? 0;
      if (target !== 0) ctx.stats.secondaryChanges++;
    }
    return 0;
  }

  /** One put to one peer; true when it holds this version now. */
  async putTo(peer: PeerTarget, record: SessionRecord): Promise<boolean> {
    this.ctx.stats.replicationsSent++;
    const reply = await this.ctx.link.call(peer, { kind: "put", from: this.ctx.id, session: record }, this.ctx.peerCall);
    return reply?.kind === "put_ack" && (reply.outcome === "applied" || reply.outcome === "equal");
  }

  /** Tells the secondary of an expired session this server was primary of to drop its copy, so it cannot come back. */
  dropExpired(record: SessionRecord): void {
    if (record.primary !== this.ctx.id || record.secondary === 0) return;
    const peer = this.ctx.membership.peerTarget(record.secondary);
    if (peer) this.ctx.track(this.ctx.link.call(peer, { kind: "drop", from: this.ctx.id, sessionId: record.id, version: record.version }, this.ctx.peerCall));
  }

  /** Moves a session to its secondary (new primary) and a new secondary; the new pair, or undefined when either refused. */
  async handOff(record: SessionRecord): Promise<{ primary: ServerId; secondary: ServerId } | undefined> {
    const { membership } = this.ctx;
    if (record.secondary === 0) return undefined;
    const newPrimary = record.secondary;
    const newSecondary = membership.pickSecondary(record.id, [newPrimary]);
    const newPrimaryAt = membership.peerTarget(newPrimary);
    const newSecondaryAt = newSecondary === undefined ? undefined : membership.peerTarget(newSecondary);
    if (newSecondary === undefined || !newPrimaryAt || !newSecondaryAt) return undefined;
    const moved: SessionRecord = { ...record, primary: newPrimary, secondary: newSecondary };
    const copied = await this.putTo(newSecondaryAt, moved);
    const promoted = copied && (await this.putTo(newPrimaryAt, moved));
    return promoted ? { primary: newPrimary, secondary: newSecondary } : undefined;
  }
}
