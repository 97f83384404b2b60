/**
 * The session server: serves requests for the sessions it is primary of, keeps a replica of each
 * on a secondary, takes sessions over when the switch fails them over to it, and answers the
 * controller's management protocol. See SPEC "What the servers do".
 *
 * This class wires the parts and owns the lifecycle; each concern has its module:
 *   requests.ts       the data port: per-session order, retries, create, takeover, app, answer
 *   fresh_copy.ts     failover fetching: the newest copy the replicas hold, before serving
 *   replication.ts    puts to the secondary (and another when it fails), hand-offs, drops
 *   version_check.ts  the periodic batched version check and its repairs
 *   peer_service.ts   what this server does with its peers' requests
 *   control_port.ts   the management port (probes, membership)
 *   peer_link.ts      the transport under all peer traffic: peer_stream.ts (mutual TLS) or
 *                     peer_rpc.ts (legacy datagrams)
 *
 * Ports: data (session header requests, arriving through the switch's VIP), peer (replication)
 * and management (control.ts). Every request of one session is handled in order (a per-session
 * queue), so fetches and replication never interleave within a session.
 *
 * Replication is synchronous by default: an update is acknowledged by the secondary before the
 * client gets its answer, so losing any one server loses no acknowledged update. When the
 * secondary does not answer, the primary tries the other servers the membership has up, in
 * rendezvous order; when none takes the copy, the update stays applied here (with its answer
 * cached) but the client gets `unavailable`, not the answer. The client retries the same request
 * id: a retry reaching this server replicates first and gets the cached answer only once a
 * secondary holds it (never applied twice); a retry failed over to another server finds the
 * replicas without the unacknowledged update and applies the request there (applied once, as
 * the client sees it). Degraded mode: when the membership has no other server up (all down or
 * draining), the update is answered with secondary 0 (`unreplicated`), since refusing would only
 * turn one failure into an outage; one more failure then loses it. In async mode
 * the answer goes out first and the copy follows; updates acknowledged in that window (about
 * one peer round trip per session, longer while the secondary is slow or being replaced) are
 * lost if the primary dies in it. A loss shows up as `staleServed` on the new primary (the
 * client had seen a newer version than any replica held); the versions still move forward.
 */
import type { DatagramTransport } from "../transport/datagram.ts";
import type { Endpoint } from "../transport/endpoint.ts";
import type { MemberServer } from "../wire/control.ts";
import type { ServerId, SessionId } from "../wire/session_header.ts";
import { type SessionApp, kvApp } from "./app.ts";
import type { ServerContext } from "./context.ts";
import { ControlPort } from "./control_port.ts";
import { MembershipView } from "./membership.ts";
import type { PeerLink, PeerLinkCounters } from "./peer_link.ts";
import { answerPeer } from "./peer_service.ts";
import { PeerRpc } from "./peer_rpc.ts";
import { Replicator } from "./replication.ts";
import { type ReplicationMode, RequestHandler } from "./requests.ts";
import { SessionQueue } from "./session_queue.ts";
import { type SessionServerStats, emptyStats } from "./stats.ts";
import { SessionStore } from "./store.ts";
import { VersionCheck } from "./version_check.ts";

export { pairCookie, type ReplicationMode } from "./requests.ts";
export type { SessionServerStats } from "./stats.ts";

export interface SessionServerOptions {
  readonly id: ServerId;
  /** Where requests arrive (the VIP port, behind the switch's DNAT). */
  readonly data: DatagramTransport;
  /** Server-to-server replication: a peer link, or a datagram socket for the legacy (unauthenticated) datagram protocol. */
  readonly peer: PeerLink | DatagramTransport;
  /** The controller's management protocol; omitted in tests that set membership directly. */
  readonly mgmt?: DatagramTransport;
  /** The cluster key management datagrams must be sealed with; omitted: they are taken unsealed (insecure). */
  readonly mgmtKey?: Uint8Array;
  readonly app?: SessionApp;
  /** sync (default): the secondary acknowledges an update before the client gets its answer. */
  readonly replication?: ReplicationMode;
  readonly maxSessions?: number;
  readonly maxBytes?: number;
  /** Larger request payloads get a `too-large` error. */
  readonly maxPayloadBytes?: number;
  /** A write that would make the state larger gets a `too-large` error. Default and ceiling: what the peer link carries (1 MiB on the stream, 12 KiB in datagrams). */
  readonly maxStateBytes?: number;
  readonly idleTimeoutMs?: number;
  /** How often idle sessions are swept; 0 disables the timer (call expireIdle yourself). */
  readonly expiryIntervalMs?: number;
  /** How often the batched version check runs; 0 disables the timer (call runVersionCheck yourself). */
  readonly versionCheckIntervalMs?: number;
  readonly peerTimeoutMs?: number;
  readonly peerRetries?: number;
  /** How long a peer that stopped answering is avoided before a new membership says otherwise. */
  readonly suspectMs?: number;
  /** Initial membership, for running without a controller. */
  readonly membership?: { readonly epoch: number; readonly servers: readonly MemberServer[] };
  readonly now?: () => number;
  readonly log?: (line: string) => void;
}

function isPeerLink(peer: PeerLink | DatagramTransport): peer is PeerLink {
  return "call" in peer;
}

export class SessionServer {
  readonly id: ServerId;
  readonly stats: SessionServerStats = emptyStats();
  readonly store: SessionStore;
  readonly membership: MembershipView;
  private readonly link: PeerLink;
  private readonly ctx: ServerContext;
  private readonly queue = new SessionQueue();
  private readonly requests: RequestHandler;
  private readonly replicator: Replicator;
  private readonly versionCheck: VersionCheck;
  private readonly control: ControlPort | undefined;
  private readonly idleTimeoutMs: number;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly background = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly options: SessionServerOptions) {
    this.id = options.id;
    const now = options.now ?? Date.now;
    const log = options.log ?? (() => undefined);
    this.idleTimeoutMs = options.idleTimeoutMs ?? 300_000;
    this.link = isPeerLink(options.peer) ? options.peer : new PeerRpc(options.peer);
    const maxStateBytes = Math.min(options.maxStateBytes ?? this.link.maxStateBytes, this.link.maxStateBytes);
    this.store = new SessionStore({ maxSessions: options.maxSessions ?? 100_000, maxBytes: options.maxBytes ?? 64 * 1024 * 1024 }, now);
    this.membership = new MembershipView(this.id, now, options.suspectMs ?? 2000);
    if (options.membership) this.membership.update(options.membership.epoch, options.membership.servers);
    this.ctx = {
      id: this.id,
      store: this.store,
      membership: this.membership,
      stats: this.stats,
      link: this.link,
      peerCall: { timeoutMs: options.peerTimeoutMs ?? 100, retries: options.peerRetries ?? 2 },
      queue: this.queue,
      log,
      track: (work) => this.track(work),
    };
    this.replicator = new Replicator(this.ctx);
    this.versionCheck = new VersionCheck(this.ctx, this.replicator);
    this.requests = new RequestHandler(this.ctx, this.replicator, options.data, {
      app: options.app ?? kvApp,
      replication: options.replication ?? "sync",
      maxPayloadBytes: options.maxPayloadBytes ?? 8192,
      maxStateBytes,
    });
    this.link.serve((request) => answerPeer(this.ctx, maxStateBytes, request));
    options.data.onReceive((src, bytes) => {
      if (!this.closed) this.requests.onData(src, bytes);
    });
    if (options.mgmt) {
      const control = new ControlPort(this.ctx, options.mgmt, options.mgmtKey, (epoch, servers) => this.setMembership(epoch, servers));
      options.mgmt.onReceive((src, bytes) => {
        if (!this.closed) control.onDatagram(src, bytes);
      });
      this.control = control;
    }
    const expiryEvery = options.expiryIntervalMs ?? Math.min(5000, Math.max(10, this.idleTimeoutMs / 4));
    if (expiryEvery > 0) this.timers.push(setInterval(() => this.expireIdle(), expiryEvery));
    const checkEvery = options.versionCheckIntervalMs ?? 1000;
    if (checkEvery > 0) this.timers.push(setInterval(() => void this.runVersionCheck(), checkEvery));
  }

  get dataEndpoint(): Endpoint {
    return this.options.data.local;
  }

  get peerEndpoint(): Endpoint {
    return this.link.local;
  }

  get mgmtEndpoint(): Endpoint | undefined {
    return this.control?.local;
  }

  /** Which transport replication runs on, and its counters (refused = unauthenticated or forged peer traffic). */
  get peerLink(): { readonly kind: PeerLink["kind"]; readonly authenticated: boolean; readonly counters: Readonly<PeerLinkCounters> } {
    return this.link;
  }

  /** Adopts a membership if its epoch is newer (what a MEMBERSHIP message does). */
  setMembership(epoch: number, servers: readonly MemberServer[]): boolean {
    const adopted = this.membership.update(epoch, servers);
    if (adopted && !this.closed) {
      this.link.prepare(servers.filter((m) => m.id !== this.id && m.state !== "down").flatMap((m) => this.membership.peerTarget(m.id) ?? []));
      // Sessions whose secondary just left get a new one now rather than at their next request.
      void this.runVersionCheck();
    }
    return adopted;
  }

  /** The periodic version check (version_check.ts); concurrent calls share one run. */
  runVersionCheck(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.versionCheck.run();
  }

  /** Waits for background replication and version checks started so far (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.background.size > 0 || this.versionCheck.inProgress) {
      await Promise.allSettled([...this.background, this.versionCheck.inProgress]);
    }
    await this.queue.settled();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    const closingLink = this.link.close();
    await this.settle();
    await Promise.all([closingLink, this.options.data.close(), this.options.mgmt?.close()]);
  }

  /** Stops at once, as a crash looks to the peers: sockets closed, queued copies never sent. */
  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    await Promise.all([this.link.close(), this.options.data.close(), this.options.mgmt?.close()]);
  }

  /**
   * Removes sessions idle for longer than the idle timeout, and tells the secondary of each one
   * this server was primary of to drop its copy too, so an expired session cannot come back
   * from its replica. Returns the expired ids.
   */
  expireIdle(): SessionId[] {
    const expired = this.store.expireIdle(this.idleTimeoutMs);
    this.stats.expired += expired.length;
    for (const record of expired) this.replicator.dropExpired(record);
    return expired.map((r) => r.id);
  }

  private track(work: Promise<unknown>): void {
    const tracked = work.catch((err: unknown) => this.ctx.log(`server ${this.id}: background replication failed: ${String(err)}`));
    this.background.add(tracked);
    void tracked.then(() => this.background.delete(tracked));
  }
}
