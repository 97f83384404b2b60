/**
 * The session server: serves requests for the sessions it is primary of, keeps a replica of each
 * on a secondary, takes sessions over when the switch fails them over to it, and answers the
 * controller's management protocol. See SPEC "What the servers do".
 *
 * Ports: data (session header requests, arriving through the switch's VIP), peer (replication,
 * peer_protocol.ts) and management (control.ts). Every request of one session is handled in
 * order (a per-session queue), so fetches and replication never interleave within a session.
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
import { type ControlMessage, decodeControl, encodeControl, type MemberServer } from "../wire/control.ts";
import {
  type Cookie,
  Flags,
  MessageType,
  SESSION_HEADER_BYTES,
  type ServerId,
  type SessionHeader,
  type SessionId,
  decodeCookie,
  decodeSessionMessage,
  encodeSessionMessage,
  isServerId,
} from "../wire/session_header.ts";
import { type AppOutcome, type SessionApp, kvApp } from "./app.ts";
import { ServerErrorCode } from "./errors.ts";
import { MembershipView } from "./membership.ts";
import { type PeerReply, type PeerRequest, VERSION_BATCH_SIZE } from "./peer_protocol.ts";
import { type PeerCallOptions, PeerRpc } from "./peer_rpc.ts";
import { type CachedAnswer, type ReplicaId, type SessionRecord, withAnswer } from "./record.ts";
import { SessionStore } from "./store.ts";

export type ReplicationMode = "sync" | "async";

type FreshCopy =
  | { readonly kind: "copy"; readonly record: SessionRecord }
  /** Neither this server nor any replica asked has the session. */
  | { readonly kind: "missing" }
  | { readonly kind: "unavailable"; readonly detail: string };

export interface SessionServerOptions {
  readonly id: ServerId;
  /** Where requests arrive (the VIP port, behind the switch's DNAT). */
  readonly data: DatagramTransport;
  /** Server-to-server replication. */
  readonly peer: DatagramTransport;
  /** The controller's management protocol; omitted in tests that set membership directly. */
  readonly mgmt?: DatagramTransport;
  readonly app?: SessionApp;
  /** sync (default): the secondary acknowledges an update before the client gets its answer. */
  readonly replication?: ReplicationMode;
  readonly maxSessions?: number;
  readonly maxBytes?: number;
  /** Larger request payloads get a `too-large` error. */
  readonly maxPayloadBytes?: number;
  /** A write that would make the state larger gets a `too-large` error (a record must fit one peer datagram). Default 12288. */
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

export interface SessionServerStats {
  requests: number;
  responses: number;
  errors: number;
  /** Datagrams on the data port that were not ours (bad magic, runt) or were not requests. */
  dropped: number;
  created: number;
  /** FAILOVER-flagged requests for sessions whose primary was another server. */
  failovers: number;
  /** Unflagged requests for sessions whose primary was another server (e.g. a stale route). */
  takeovers: number;
  /** Copies fetched from a peer because this server had none or an older one. */
  fetches: number;
  /** Fetches that replaced an older local copy (the "stale copy refreshed" rule). */
  staleRefreshes: number;
  /** Requests served from a copy older than the version the client had seen (data lost). */
  staleServed: number;
  retriesAnswered: number;
  replicationsSent: number;
  replicationFailures: number;
  secondaryChanges: number;
  /** Answers sent for sessions with no secondary: async mode, or sync mode with no other server up (degraded). */
  unreplicated: number;
  /** Sync mode: updates applied here that no secondary took, answered `unavailable` instead of acknowledged. */
  unacknowledged: number;
  replicasApplied: number;
  /** Replica updates refused because their version was not higher (equal ones may move the pair). */
  replicasNotApplied: number;
  versionChecksSent: number;
  versionCheckEntriesSent: number;
  versionChecksReceived: number;
  versionCheckEntriesReceived: number;
  /** Sessions a version check found out of date on the secondary and the primary re-sent. */
  resyncs: number;
  handoffs: number;
  /** Sessions this server stopped being primary of because a version check showed another server had taken them over. */
  relinquished: number;
  expired: number;
  rejectedFull: number;
}

function emptyStats(): SessionServerStats {
  return {
    requests: 0, responses: 0, errors: 0, dropped: 0, created: 0, failovers: 0, takeovers: 0, fetches: 0,
    staleRefreshes: 0, staleServed: 0, retriesAnswered: 0, replicationsSent: 0, replicationFailures: 0,
    secondaryChanges: 0, unreplicated: 0, unacknowledged: 0, replicasApplied: 0, replicasNotApplied: 0, versionChecksSent: 0,
    versionCheckEntriesSent: 0, versionChecksReceived: 0, versionCheckEntriesReceived: 0, resyncs: 0,
    handoffs: 0, relinquished: 0, expired: 0, rejectedFull: 0,
  };
}

/** The cookie naming a pair; a session without a secondary gets secondary number 0. */
export function pairCookie(primary: ServerId, secondary: ReplicaId): Cookie {
  return (primary * 65536 + secondary) as Cookie;
}

const MAX_VERSION = 0xffffffff;
const utf8 = new TextEncoder();

export class SessionServer {
  readonly id: ServerId;
  readonly stats: SessionServerStats = emptyStats();
  readonly store: SessionStore;
  readonly membership: MembershipView;
  private readonly app: SessionApp;
  private readonly replication: ReplicationMode;
  private readonly maxPayloadBytes: number;
  private readonly maxStateBytes: number;
  private readonly idleTimeoutMs: number;
  private readonly peerCall: PeerCallOptions;
  private readonly rpc: PeerRpc;
  private readonly queues = new Map<SessionId, Promise<void>>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly background = new Set<Promise<unknown>>();
  private versionCheckRunning: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: SessionServerOptions) {
    this.id = options.id;
    const now = options.now ?? Date.now;
    this.app = options.app ?? kvApp;
    this.replication = options.replication ?? "sync";
    this.maxPayloadBytes = options.maxPayloadBytes ?? 8192;
    this.maxStateBytes = options.maxStateBytes ?? 12288;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 300_000;
    this.peerCall = { timeoutMs: options.peerTimeoutMs ?? 100, retries: options.peerRetries ?? 2 };
    this.store = new SessionStore({ maxSessions: options.maxSessions ?? 100_000, maxBytes: options.maxBytes ?? 64 * 1024 * 1024 }, now);
    this.membership = new MembershipView(this.id, now, options.suspectMs ?? 2000);
    if (options.membership) this.membership.update(options.membership.epoch, options.membership.servers);
    this.rpc = new PeerRpc(options.peer, (src, request) => this.onPeerRequest(src, request));
    options.data.onReceive((src, bytes) => this.onData(src, bytes));
    options.mgmt?.onReceive((src, bytes) => this.onControl(src, bytes));
    const expiryEvery = options.expiryIntervalMs ?? Math.min(5000, Math.max(10, this.idleTimeoutMs / 4));
    if (expiryEvery > 0) this.timers.push(setInterval(() => this.expireIdle(), expiryEvery));
    const checkEvery = options.versionCheckIntervalMs ?? 1000;
    if (checkEvery > 0) this.timers.push(setInterval(() => void this.runVersionCheck(), checkEvery));
  }

  get dataEndpoint(): Endpoint {
    return this.options.data.local;
  }

  get peerEndpoint(): Endpoint {
    return this.options.peer.local;
  }

  get mgmtEndpoint(): Endpoint | undefined {
    return this.options.mgmt?.local;
  }

  /** Adopts a membership if its epoch is newer (what a MEMBERSHIP message does). */
  setMembership(epoch: number, servers: readonly MemberServer[]): boolean {
    const adopted = this.membership.update(epoch, servers);
    // Sessions whose secondary just left get a new one now rather than at their next request.
    if (adopted && !this.closed) void this.runVersionCheck();
    return adopted;
  }

  /** Waits for background replication and version checks started so far (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.background.size > 0 || this.versionCheckRunning) {
      await Promise.allSettled([...this.background, this.versionCheckRunning]);
    }
    await Promise.allSettled([...this.queues.values()]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    this.rpc.close();
    await this.settle();
    await Promise.all([this.options.data.close(), this.options.peer.close(), this.options.mgmt?.close()]);
  }

  /**
   * Removes sessions idle for longer than the idle timeout, and tells the secondary of each one
   * this server was primary of to drop its copy too, so an expired session cannot come back
   * from its replica. Returns the expired ids.
   */
  expireIdle(): SessionId[] {
    const expired = this.store.expireIdle(this.idleTimeoutMs);
    this.stats.expired += expired.length;
    for (const record of expired) {
      if (record.primary !== this.id || record.secondary === 0) continue;
      const endpoint = this.membership.peerEndpoint(record.secondary);
      if (endpoint) this.track(this.rpc.call(endpoint, { kind: "drop", from: this.id, sessionId: record.id, version: record.version }, this.peerCall));
    }
    return expired.map((r) => r.id);
  }

  // ---- data port ----

  private onData(src: Endpoint, bytes: Uint8Array): void {
    if (this.closed) return;
    const decoded = decodeSessionMessage(bytes);
    if (!decoded.ok) {
      // Bad magic or a runt is not ours at all: answering could reflect traffic at a stranger.
      if (decoded.reason === "short" || decoded.reason === "magic") {
        this.stats.dropped++;
        return;
      }
      this.sendError(src, rawHeader(bytes), ServerErrorCode.Malformed, `unsupported session header (${decoded.reason})`);
      return;
    }
    const { header, payload } = decoded.message;
    // Never answer an answer: a response looping back must not start a ping-pong.
    if (header.type !== MessageType.Request) {
      this.stats.dropped++;
      return;
    }
    if (payload.length > this.maxPayloadBytes) {
      this.sendError(src, header, ServerErrorCode.TooLarge, `payload of ${payload.length} bytes exceeds ${this.maxPayloadBytes}`);
      return;
    }
    this.stats.requests++;
    this.inSessionOrder(header.sessionId, () => this.serve(src, header, payload)).catch((err: unknown) => {
      this.options.log?.(`server ${this.id}: internal error serving session ${header.sessionId}: ${String(err)}`);
      this.sendError(src, header, ServerErrorCode.Internal, "internal error");
    });
  }

  private inSessionOrder<T>(sessionId: SessionId, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(sessionId) ?? Promise.resolve();
    const run = previous.then(work);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(sessionId, tail);
    void tail.then(() => {
      if (this.queues.get(sessionId) === tail) this.queues.delete(sessionId);
    });
    return run;
  }

  private async serve(src: Endpoint, header: SessionHeader, payload: Uint8Array): Promise<void> {
    const stored = this.store.get(header.sessionId)?.record;
    if (stored?.primary === this.id && (await this.answerRetry(src, header, stored))) return;
    if (header.cookie === 0 && !stored) return this.create(src, header, payload);

    const named = decodeCookie(header.cookie);
    const failover = (header.flags & Flags.Failover) !== 0;
    // The switch only sets FAILOVER when it found the named primary down: believe it at once.
    if (failover && named.primary !== this.id && isServerId(named.primary)) this.membership.suspect(named.primary);
    const fresh = await this.freshCopy(header, named, stored, failover);
    if (fresh.kind === "missing") {
      this.sendError(src, header, ServerErrorCode.UnknownSession, `session ${header.sessionId} is not held by this server or its replicas`);
      return;
    }
    if (fresh.kind === "unavailable") {
      this.sendError(src, header, ServerErrorCode.Unavailable, fresh.detail);
      return;
    }
    const current = fresh.record;
    let record = current;
    if (record.primary !== this.id) {
      if (failover) this.stats.failovers++;
      else this.stats.takeovers++;
      const keep = [named.secondary, record.secondary].find((id) => id !== this.id && id !== 0 && this.membership.isAlive(id));
      record = { ...record, primary: this.id, secondary: (keep as ServerId | undefined) ?? 0 };
    }
    let pairChanged = record !== current;
    if (record.secondary === 0 || record.secondary === this.id || !this.membership.isAlive(record.secondary)) {
      record = { ...record, secondary: this.membership.pickSecondary(record.id) ?? 0 };
      pairChanged = true;
    }
    // A retransmission answered before (perhaps by the previous primary): same answer, but the
    // takeover still happens, so the secondary learns its new primary.
    const cached = (header.flags & Flags.Retry) !== 0 ? record.answers.find((a) => a.requestId === header.requestId) : undefined;
    if (cached) this.stats.retriesAnswered++;
    await this.applyAndAnswer(src, header, payload, record, pairChanged, cached);
  }

  /**
   * Answers a RETRY-flagged request for a session this server is primary of from the answer
   * cache; false when it was never answered. In sync mode a cached answer whose update no
   * secondary took (answered `unavailable` the first time) goes out only once a secondary holds
   * the session, so a retry never acknowledges an unreplicated update either.
   */
  private async answerRetry(src: Endpoint, header: SessionHeader, record: SessionRecord): Promise<boolean> {
    if ((header.flags & Flags.Retry) === 0) return false;
    const cached = record.answers.find((a) => a.requestId === header.requestId);
    if (!cached) return false;
    this.store.touch(record.id);
    let current = record;
    if (this.replication === "sync" && current.secondary === 0) {
      current = this.store.setPair(record.id, this.id, await this.replicate(current)) ?? current;
      if (current.secondary === 0 && this.mustReplicate()) {
        this.refuseUnreplicated(src, header);
        return true;
      }
    }
    this.stats.retriesAnswered++;
    this.sendAnswer(src, header, cached, pairCookie(this.id, current.secondary), current.version);
    return true;
  }

  /**
   * Sync mode acknowledges only replicated updates, except when the membership leaves no other
   * server that could take a copy (every other one down or draining): then the update is
   * answered with secondary 0, the documented degraded mode.
   */
  private mustReplicate(): boolean {
    return this.membership.servers().some((m) => m.id !== this.id && m.state === "up");
  }

  /** The update is applied here but no secondary took it: not acknowledged, the client retries the same request. */
  private refuseUnreplicated(src: Endpoint, header: SessionHeader): void {
    this.stats.unacknowledged++;
    this.sendError(src, header, ServerErrorCode.Unavailable, `server ${this.id}: no secondary took the update; retry`);
  }

  private async create(src: Endpoint, header: SessionHeader, payload: Uint8Array): Promise<void> {
    const record: SessionRecord = {
      id: header.sessionId,
      version: 1,
      state: this.app.initialState(),
      primary: this.id,
      secondary: this.membership.pickSecondary(header.sessionId) ?? 0,
      answers: [],
    };
    if (!this.store.fits(record)) {
      this.stats.rejectedFull++;
      this.sendError(src, header, ServerErrorCode.Full, `server ${this.id} is at its session limit`);
      return;
    }
    this.stats.created++;
    await this.applyAndAnswer(src, header, payload, record, true);
  }

  /**
   * Makes sure the copy served is at least as new as the version the client has seen, and on a
   * takeover consults the replicas the cookie names (the new primary fetches from the
   * secondary). A replica that is only suspected here is still asked (it may hold the only
   * copy), after the others. The primary the switch failed over from is asked after those, only
   * when no one else has what the client saw (in async mode it may be alive after all, holding
   * updates the secondary has not got yet). Replicas the controller marks down are asked last,
   * and only then: a verdict taken under overload can be wrong, and a "down" replica that
   * answers holds the truth.
   * Never serves an older copy while some replica not known down could not be asked, and never
   * says "unknown session" while any replica could not be asked: both are `unavailable` (the
   * client retries), since the newer copy may well exist. Only a silent replica the controller
   * marks down lets an older copy be served (the loss is counted in `staleServed`).
   */
  private async freshCopy(header: SessionHeader, named: { primary: number; secondary: number }, stored: SessionRecord | undefined, failover: boolean): Promise<FreshCopy> {
    if (stored && stored.version >= header.sessionVersion && stored.primary === this.id) return { kind: "copy", record: stored };
    const candidates = [named.secondary, named.primary, stored?.secondary ?? 0, stored?.primary ?? 0].filter(
      (id, i, all) => id !== this.id && isServerId(id) && all.indexOf(id) === i,
    );
    const rank = (id: number): number => (this.membership.isDown(id) ? 3 : failover && id === named.primary ? 2 : this.membership.suspected(id) ? 1 : 0);
    const sources = [...candidates].sort((a, b) => rank(a) - rank(b));
    let best = stored;
    let unreachable = 0;
    let silentDown = 0;
    for (const source of sources) {
      const endpoint = this.membership.peerEndpoint(source);
      const reply = endpoint ? await this.rpc.call(endpoint, { kind: "get", from: this.id, sessionId: header.sessionId }, this.peerCall) : undefined;
      if (reply?.kind !== "get_reply") {
        if (endpoint && !reply) this.membership.suspect(source);
        if (this.membership.isDown(source)) silentDown++;
        else unreachable++;
        continue;
      }
      this.membership.heardFrom(source);
      if (reply.session && (!best || reply.session.version > best.version)) best = reply.session;
      if (best && best.version >= header.sessionVersion) break;
    }
    if (!best) {
      const silent = unreachable + silentDown;
      return silent > 0 ? { kind: "unavailable", detail: `${silent} replica(s) of session ${header.sessionId} did not answer` } : { kind: "missing" };
    }
    if (best.version < header.sessionVersion) {
      if (unreachable > 0) return { kind: "unavailable", detail: `only version ${best.version} reachable, client has seen ${header.sessionVersion}` };
      // Every replica answered or is known down, and none has what the client saw: that update is gone.
      this.stats.staleServed++;
    }
    if (best !== stored) {
      if (this.store.put(best).kind === "full") return { kind: "unavailable", detail: `server ${this.id} is at its memory limit` };
      this.stats.fetches++;
      if (stored && best.version > stored.version) this.stats.staleRefreshes++;
    }
    return { kind: "copy", record: best };
  }

  private runApp(payload: Uint8Array, state: Uint8Array): AppOutcome {
    try {
      return this.app.handle(payload, state);
    } catch (err) {
      return { kind: "error", message: `app failed: ${String(err).slice(0, 200)}` };
    }
  }

  private async applyAndAnswer(src: Endpoint, header: SessionHeader, payload: Uint8Array, base: SessionRecord, pairChanged: boolean, cached?: CachedAnswer): Promise<void> {
    const outcome: AppOutcome = cached
      ? { kind: "read", response: cached.payload }
      : this.runApp(payload, base.state);
    let record = base;
    let answer: CachedAnswer;
    if (outcome.kind === "error") {
      answer = { requestId: header.requestId, type: MessageType.Error, payload: utf8.encode(`${ServerErrorCode.App}: ${outcome.message}`) };
    } else if (outcome.kind === "write" && outcome.state.length > this.maxStateBytes) {
      answer = { requestId: header.requestId, type: MessageType.Error, payload: utf8.encode(`${ServerErrorCode.TooLarge}: session state would grow to ${outcome.state.length} bytes (limit ${this.maxStateBytes})`) };
    } else {
      answer = { requestId: header.requestId, type: cached?.type ?? MessageType.Response, payload: outcome.response };
    }
    const wrote = outcome.kind === "write" && answer.type === MessageType.Response;
    if (wrote) {
      // Never below what the client has seen, so versions stay monotonic even after a loss.
      const version = Math.max(base.version, header.sessionVersion) + 1;
      if (version > MAX_VERSION) {
        this.sendError(src, header, ServerErrorCode.Conflict, "session version space exhausted");
        return;
      }
      record = { ...base, version, state: outcome.state };
    }
    // The answer cache changes the record but not its version: it travels with the next copy.
    record = { ...record, answers: withAnswer(record.answers, answer) };
    // A read leaves the version alone, so its new answer cache replaces the copy in place.
    const put = wrote || !this.store.get(record.id) ? this.store.put(record) : this.store.refresh(record);
    if (put.kind === "full") {
      this.stats.rejectedFull++;
      this.sendError(src, header, ServerErrorCode.Full, `server ${this.id} is at its memory limit`);
      return;
    }
    if (put.kind === "stale") {
      this.sendError(src, header, ServerErrorCode.Conflict, `a newer copy (version ${put.storedVersion}) arrived while serving; retry`);
      return;
    }

    const mustReplicate = wrote || pairChanged;
    if (!mustReplicate) {
      this.finish(src, header, answer, record);
      return;
    }
    if (this.replication === "sync") {
      const secondary = await this.replicate(record);
      record = this.store.setPair(record.id, this.id, secondary) ?? record;
      if (secondary === 0 && this.mustReplicate()) return this.refuseUnreplicated(src, header);
      await this.finishOrHandOff(src, header, answer, record);
      return;
    }
    this.finish(src, header, answer, record);
    this.track(this.inSessionOrder(record.id, async () => {
      const latest = this.store.get(record.id)?.record;
      if (!latest || latest.primary !== this.id) return;
      const secondary = await this.replicate(latest);
      this.store.setPair(record.id, this.id, secondary);
    }));
  }

  private finish(src: Endpoint, header: SessionHeader, answer: CachedAnswer, record: SessionRecord): void {
    if (record.secondary === 0) this.stats.unreplicated++;
    this.sendAnswer(src, header, answer, pairCookie(this.id, record.secondary), record.version);
  }

  /** A draining server hands each session to its secondary on the session's next request. */
  private async finishOrHandOff(src: Endpoint, header: SessionHeader, answer: CachedAnswer, record: SessionRecord): Promise<void> {
    if (!this.membership.isDraining(this.id) || record.secondary === 0) return this.finish(src, header, answer, record);
    const newPrimary = record.secondary;
    const newSecondary = this.membership.pickSecondary(record.id, [newPrimary]);
    const newPrimaryAt = this.membership.peerEndpoint(newPrimary);
    const newSecondaryAt = newSecondary === undefined ? undefined : this.membership.peerEndpoint(newSecondary);
    if (newSecondary === undefined || !newPrimaryAt || !newSecondaryAt) return this.finish(src, header, answer, record);
    const moved: SessionRecord = { ...record, primary: newPrimary, secondary: newSecondary };
    const copied = await this.putTo(newSecondaryAt, moved);
    const promoted = copied && (await this.putTo(newPrimaryAt, moved));
    if (!promoted) return this.finish(src, header, answer, record);
    this.stats.handoffs++;
    this.store.delete(record.id);
    this.sendAnswer(src, header, answer, pairCookie(newPrimary, newSecondary), record.version);
  }

  private async putTo(endpoint: Endpoint, record: SessionRecord): Promise<boolean> {
    this.stats.replicationsSent++;
    const reply = await this.rpc.call(endpoint, { kind: "put", from: this.id, session: record }, this.peerCall);
    return reply?.kind === "put_ack" && (reply.outcome === "applied" || reply.outcome === "equal");
  }

  /**
   * Sends the record to its secondary (picking one if it has none); when that one fails
   * (timeout, full, error) picks another and copies the session there. Returns the secondary
   * that holds it, 0 when none would.
   */
  private async replicate(record: SessionRecord): Promise<ReplicaId> {
    const tried: number[] = [];
    let target: ReplicaId = record.secondary !== 0 ? record.secondary : (this.membership.pickSecondary(record.id) ?? 0);
    while (target !== 0) {
      const endpoint = this.membership.peerEndpoint(target);
      if (endpoint) {
        this.stats.replicationsSent++;
        const reply = await this.rpc.call(endpoint, { kind: "put", from: this.id, session: { ...record, secondary: target } }, this.peerCall);
        // "stale": the peer holds a newer copy than ours; it still holds the session.
        if (reply) this.membership.heardFrom(target);
        else this.membership.suspect(target);
        if (reply?.kind === "put_ack" && reply.outcome !== "full") return target;
      }
      this.stats.replicationFailures++;
      tried.push(target);
      target = this.membership.pickSecondary(record.id, tried) ?? 0;
      if (target !== 0) this.stats.secondaryChanges++;
    }
    return 0;
  }

  private track(work: Promise<unknown>): void {
    const tracked = work.catch((err: unknown) => this.options.log?.(`server ${this.id}: background replication failed: ${String(err)}`));
    this.background.add(tracked);
    void tracked.then(() => this.background.delete(tracked));
  }

  private sendAnswer(src: Endpoint, request: SessionHeader, answer: CachedAnswer, cookie: Cookie, version: number): void {
    if (answer.type === MessageType.Error) this.stats.errors++;
    else this.stats.responses++;
    // FAILOVER is echoed so the client can tell that the switch re-routed this request.
    const flags = request.flags & Flags.Failover;
    const header: SessionHeader = { type: answer.type, flags, cookie, sessionId: request.sessionId, sessionVersion: version, requestId: request.requestId };
    this.options.data.send(src, encodeSessionMessage(header, answer.payload));
  }

  private sendError(src: Endpoint, request: SessionHeader, code: ServerErrorCode, message: string): void {
    this.stats.errors++;
    const header: SessionHeader = { ...request, type: MessageType.Error, flags: 0 };
    this.options.data.send(src, encodeSessionMessage(header, utf8.encode(`${code}: ${message}`)));
  }

  // ---- peer port ----

  private async onPeerRequest(_src: Endpoint, request: PeerRequest): Promise<PeerReply> {
    this.membership.heardFrom(request.from);
    switch (request.kind) {
      case "put": {
        if (request.session.state.length > this.maxStateBytes) return { kind: "put_ack", rid: request.rid, outcome: "full", version: this.store.get(request.session.id)?.record.version ?? 0 };
        const outcome = this.store.put(request.session);
        if (outcome.kind === "applied") this.stats.replicasApplied++;
        else this.stats.replicasNotApplied++;
        const version = this.store.get(request.session.id)?.record.version ?? 0;
        return { kind: "put_ack", rid: request.rid, outcome: outcome.kind, version };
      }
      case "get": {
        const stored = this.store.get(request.sessionId);
        this.store.touch(request.sessionId);
        return { kind: "get_reply", rid: request.rid, session: stored?.record ?? null };
      }
      case "versions": {
        this.stats.versionChecksReceived++;
        this.stats.versionCheckEntriesReceived += request.entries.length;
        const mismatches: [SessionId, number][] = [];
        const foreign: [SessionId, number][] = [];
        for (const [id, version] of request.entries) {
          const stored = this.store.get(id);
          // A copy the primary still asks about is in use: keep it from expiring.
          this.store.touch(id);
          if (!stored) mismatches.push([id, -1]);
          else if (stored.record.primary !== request.from) foreign.push([id, stored.record.version]);
          else if (stored.record.version !== version) mismatches.push([id, stored.record.version]);
        }
        return { kind: "versions_reply", rid: request.rid, mismatches, foreign };
      }
      case "drop": {
        const stored = this.store.get(request.sessionId);
        // A newer copy means the session moved on (another primary took it over): keep it.
        const dropped = stored !== undefined && stored.record.version <= request.version;
        if (dropped) this.store.delete(request.sessionId);
        return { kind: "drop_ack", rid: request.rid, dropped };
      }
    }
  }

  /**
   * The periodic version check: for the sessions this server is primary of, one batched message
   * per secondary (up to VERSION_BATCH_SIZE entries each) compares versions; out-of-date or
   * missing copies are re-sent, newer ones fetched, and sessions whose secondary is dead or
   * silent get a new one. Concurrent calls share one run.
   */
  runVersionCheck(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.versionCheckRunning ??= this.versionCheck().finally(() => {
      this.versionCheckRunning = undefined;
    });
    return this.versionCheckRunning;
  }

  private async versionCheck(): Promise<void> {
    const bySecondary = new Map<number, SessionRecord[]>();
    const orphans: SessionRecord[] = [];
    for (const { record } of this.store.values()) {
      if (record.primary !== this.id) continue;
      if (record.secondary === 0 || !this.membership.isAlive(record.secondary)) orphans.push(record);
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
    const endpoint = this.membership.peerEndpoint(secondary);
    if (!endpoint) return;
    for (let i = 0; i < records.length; i += VERSION_BATCH_SIZE) {
      const batch = records.slice(i, i + VERSION_BATCH_SIZE);
      this.stats.versionChecksSent++;
      this.stats.versionCheckEntriesSent += batch.length;
      const reply = await this.rpc.call(endpoint, { kind: "versions", from: this.id, entries: batch.map((r) => [r.id, r.version] as const) }, this.peerCall);
      if (reply) this.membership.heardFrom(secondary);
      if (reply?.kind !== "versions_reply") {
        if (!reply) this.membership.suspect(secondary);
        for (const record of records.slice(i)) await this.moveToNewSecondary(record.id);
        return;
      }
      for (const [id, theirs] of reply.mismatches) await this.resync(id, secondary, theirs);
      for (const [id] of reply.foreign) await this.relinquish(id, secondary);
    }
  }

  private resync(id: SessionId, secondary: ServerId, theirVersion: number): Promise<void> {
    return this.inSessionOrder(id, async () => {
      const mine = this.store.get(id)?.record;
      const endpoint = this.membership.peerEndpoint(secondary);
      if (!mine || mine.primary !== this.id || mine.secondary !== secondary || !endpoint) return;
      if (theirVersion === -1 || theirVersion < mine.version) {
        this.stats.resyncs++;
        if (!(await this.putTo(endpoint, mine))) this.stats.replicationFailures++;
        return;
      }
      if (theirVersion > mine.version) {
        const reply = await this.rpc.call(endpoint, { kind: "get", from: this.id, sessionId: id }, this.peerCall);
        // Keep the pair the newer copy names: if another server took the session over, this copy is an orphan now.
        if (reply?.kind === "get_reply" && reply.session && this.store.put(reply.session).kind === "applied") {
          this.stats.fetches++;
          this.stats.staleRefreshes++;
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
    return this.inSessionOrder(id, async () => {
      const mine = this.store.get(id)?.record;
      const endpoint = this.membership.peerEndpoint(secondary);
      if (!mine || mine.primary !== this.id || !endpoint) return;
      const reply = await this.rpc.call(endpoint, { kind: "get", from: this.id, sessionId: id }, this.peerCall);
      if (reply?.kind !== "get_reply" || !reply.session || reply.session.primary === this.id) return;
      this.store.setPair(id, reply.session.primary, reply.session.secondary);
      this.stats.relinquished++;
    });
  }

  private moveToNewSecondary(id: SessionId): Promise<void> {
    return this.inSessionOrder(id, async () => {
      const mine = this.store.get(id)?.record;
      if (!mine || mine.primary !== this.id) return;
      if (mine.secondary !== 0 && this.membership.isAlive(mine.secondary)) return;
      const exclude = mine.secondary === 0 ? [] : [mine.secondary];
      const candidate = this.membership.pickSecondary(id, exclude);
      if (candidate === undefined) return;
      this.stats.secondaryChanges++;
      const secondary = await this.replicate({ ...mine, secondary: candidate });
      this.store.setPair(id, this.id, secondary);
    });
  }

  // ---- management port ----

  private onControl(src: Endpoint, bytes: Uint8Array): void {
    if (this.closed || !this.options.mgmt) return;
    const decoded = decodeControl(bytes);
    let reply: ControlMessage | undefined;
    if (!decoded.ok) {
      if (decoded.nonce !== undefined) reply = { kind: "error", nonce: decoded.nonce, reason: decoded.reason };
    } else {
      const message = decoded.message;
      if (message.kind === "probe") {
        reply = { kind: "probe_ack", nonce: message.nonce, serverId: this.id, epoch: this.membership.epoch, sessions: this.store.size, load: this.store.load };
      } else if (message.kind === "membership") {
        this.setMembership(message.epoch, message.servers);
        reply = { kind: "membership_ack", nonce: message.nonce, serverId: this.id, epoch: this.membership.epoch };
      }
    }
    if (reply) this.options.mgmt.send(src, encodeControl(reply));
  }
}

/** Reads what it can of a header that failed to decode, to address the error response. */
function rawHeader(bytes: Uint8Array): SessionHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, SESSION_HEADER_BYTES));
  return {
    type: MessageType.Error,
    flags: 0,
    cookie: view.getUint32(4) as Cookie,
    sessionId: view.getBigUint64(8) as SessionId,
    sessionVersion: view.getUint32(16),
    requestId: view.getUint32(20),
  };
}
