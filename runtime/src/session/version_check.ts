/**
 * The periodic version check: for the sessions this server is primary of, one batched message
 * per secondary (up to VERSION_BATCH_SIZE entries each) compares versions; out-of-date or
 * missing copies are re-sent, newer ones fetched, sessions another server has taken over are
 * relinquished, and sessions whose secondary is dead or silent get a new one.
 */
import type { ServerId, SessionId } from "../wire/session_header.ts";
import type { ServerContext } from "./context.ts";
import { VERSION_BATCH_SIZE } from "./peer_protocol.ts";
import type { SessionRecord } from "./record.ts";
import type { Replicator } from "./replication.ts";

export class VersionCheck {
  private running: Promise<void> | undefined;

  constructor(
    private readonly ctx: ServerContext,
    private readonly replicator: Replicator,
  ) {}

  get inProgress(): Promise<void> | undefined {
    return this.running;
  }

  /** Concurrent calls share one run. */
  run(): Promise<void> {
    this.running ??= this.check().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async check(): Promise<void> {
    const bySecondary = new Map<number, SessionRecord[]>();
    const orphans: SessionRecord[] = [];
    for (const { record } of this.ctx.store.values()) {
      if (record.primary !== this.ctx.id) continue;
      if (record.secondary === 0 || !this.ctx.membership.isAlive(record.secondary)) orphans.push(record);
      else {
        const group = bySecondary.get(record.secondary);
        if (group) group.push(record);
        else bySecondary.set(record.secondary, [record]);
      }
    }
    await Promise.all([...bySecondary].map(([secondary, records]) => this.checkSecondary(secondary as ServerId, records)));
    for (const record of orphans) await this.moveToNewSecondary(record.id);
  }

  private async checkSecondary(secondary: ServerId, records: readonly SessionRecord[]): Promise<void> {
    const { ctx } = this;
    const peer = ctx.membership.peerTarget(secondary);
    if (!peer) return;
    for (let i = 0; i < records.length; i += VERSION_BATCH_SIZE) {
      const batch = records.slice(i, i + VERSION_BATCH_SIZE);
      ctx.stats.versionChecksSent++;
      ctx.stats.versionCheckEntriesSent += batch.length;
      const reply = await ctx.link.call(peer, { kind: "versions", from: ctx.id, entries: batch.map((r) => [r.id, r.version] as const) }, ctx.peerCall);
      if (reply) ctx.membership.heardFrom(secondary);
      if (reply?.kind !== "versions_reply") {
        if (!reply) ctx.membership.suspect(secondary);
        for (const record of records.slice(i)) await this.moveToNewSecondary(record.id);
        return;
      }
      for (const [id, theirs] of reply.mismatches) await this.resync(id, secondary, theirs);
      for (const [id] of reply.foreign) await this.relinquish(id, secondary);
    }
  }

  private resync(id: SessionId, secondary: ServerId, theirVersion: number): Promise<void> {
    const { ctx } = this;
    return ctx.queue.run(id, async () => {
      const mine = ctx.store.get(id)?.record;
      const peer = ctx.membership.peerTarget(secondary);
      if (!mine || mine.primary !== ctx.id || mine.secondary !== secondary || !peer) return;
      if (theirVersion === -1 || theirVersion < mine.version) {
        ctx.stats.resyncs++;
        if (!(await this.replicator.putTo(peer, mine))) ctx.stats.replicationFailures++;
        return;
      }
      if (theirVersion > mine.version) {
        const reply = await ctx.link.call(peer, { kind: "get", from: ctx.id, sessionId: id }, ctx.peerCall);
        // Keep the pair the newer copy names: if another server took the session over, this copy is an orphan now.
        if (reply?.kind === "get_reply" && reply.session && ctx.store.put(reply.session).kind === "applied") {
          ctx.stats.fetches++;
          ctx.stats.staleRefreshes++;
        }
      }
    });
  }

  /**
   * The secondary says another server is the session's primary now (this server was failed over
   * while paused or partitioned). Confirmed with a fresh read, this server stops acting as
   * primary: its copy keeps its (stale) version and state but names the new pair, so it is never
   * pushed over the newer one, and a request that still reaches it refreshes it first.
   */
  private relinquish(id: SessionId, secondary: ServerId): Promise<void> {
    const { ctx } = this;
    return ctx.queue.run(id, async () => {
      const mine = ctx.store.get(id)?.record;
      const peer = ctx.membership.peerTarget(secondary);
      if (!mine || mine.primary !== ctx.id || !peer) return;
      const reply = await ctx.link.call(peer, { kind: "get", from: ctx.id, sessionId: id }, ctx.peerCall);
      if (reply?.kind !== "get_reply" || !reply.session || reply.session.primary === ctx.id) return;
      ctx.store.setPair(id, reply.session.primary, reply.session.secondary);
      ctx.stats.relinquished++;
    });
  }

  private moveToNewSecondary(id: SessionId): Promise<void> {
    const { ctx } = this;
    return ctx.queue.run(id, async () => {
      const mine = ctx.store.get(id)?.record;
      if (!mine || mine.primary !== ctx.id) return;
      if (mine.secondary !== 0 && ctx.membership.isAlive(mine.secondary)) return;
      const exclude = mine.secondary === 0 ? [] : [mine.secondary];
      const candidate = ctx.membership.pickSecondary(id, exclude);
      if (candidate === undefined) return;
      ctx.stats.secondaryChanges++;
      const secondary = await this.replicator.replicate({ ...mine, secondary: candidate });
      ctx.store.setPair(id, ctx.id, secondary);
    });
  }
}
