/**
 * Request handling on the data port: decode, order per session, answer retries from the answer
 * cache, create, take over (with a fresh copy, fresh_copy.ts), run the app, store, replicate
 * (replication.ts) in sync or async mode, answer. See server.ts for the rules this follows.
 */
import type { DatagramTransport } from "../transport/datagram.ts";
import type { Endpoint } from "../transport/endpoint.ts";
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
import type { AppOutcome, SessionApp } from "./app.ts";
import type { ServerContext } from "./context.ts";
import { ServerErrorCode } from "./errors.ts";
import { type FreshCopy, freshCopy } from "./fresh_copy.ts";
import { type CachedAnswer, type ReplicaId, type SessionRecord, withAnswer } from "./record.ts";
import type { Replicator } from "./replication.ts";

export type ReplicationMode = "sync" | "async";

/** The cookie naming a pair; a session without a secondary gets secondary number 0. */
export function pairCookie(primary: ServerId, secondary: ReplicaId): Cookie {
  return (primary * 65536 + secondary) as Cookie;
}

const MAX_VERSION = 0xffffffff;
const utf8 = new TextEncoder();

export interface RequestRules {
  readonly app: SessionApp;
  readonly replication: ReplicationMode;
  readonly maxPayloadBytes: number;
  readonly maxStateBytes: number;
}

export class RequestHandler {
  constructor(
    private readonly ctx: ServerContext,
    private readonly replicator: Replicator,
    private readonly data: DatagramTransport,
    private readonly rules: RequestRules,
  ) {}

  onData(src: Endpoint, bytes: Uint8Array): void {
    const { stats } = this.ctx;
    const decoded = decodeSessionMessage(bytes);
    if (!decoded.ok) {
      // Bad magic or a runt is not ours at all: answering could reflect traffic at a stranger.
      if (decoded.reason === "short" || decoded.reason === "magic") {
        stats.dropped++;
        return;
      }
      this.sendError(src, rawHeader(bytes), ServerErrorCode.Malformed, `unsupported session header (${decoded.reason})`);
      return;
    }
    const { header, payload } = decoded.message;
    // Never answer an answer: a response looping back must not start a ping-pong.
    if (header.type !== MessageType.Request) {
      stats.dropped++;
      return;
    }
    if (payload.length > this.rules.maxPayloadBytes) {
      this.sendError(src, header, ServerErrorCode.TooLarge, `payload of ${payload.length} bytes exceeds ${this.rules.maxPayloadBytes}`);
      return;
    }
    stats.requests++;
    this.ctx.queue.enqueue(header.sessionId, () => this.serve(src, header, payload));
  }

  /** Serves one request in its session's turn; never rejects (a failure is logged and answered). */
  private async serve(src: Endpoint, header: SessionHeader, payload: Uint8Array): Promise<void> {
    try {
      const { ctx } = this;
      const stored = ctx.store.get(header.sessionId)?.record;
      const retry = (header.flags & Flags.Retry) !== 0;
      if (retry && stored?.primary === ctx.id && (await this.answerRetry(src, header, stored))) return;
      // Awaited, so a failure in it is caught below.
      if (header.cookie === 0 && !stored) return await this.create(src, header, payload);

      const named = decodeCookie(header.cookie);
      const failover = (header.flags & Flags.Failover) !== 0;
      // The switch only sets FAILOVER when it found the named primary down: believe it at once.
      if (failover && named.primary !== ctx.id && isServerId(named.primary)) ctx.membership.suspect(named.primary);
      // The common case (this server is primary and up to date) needs no peer: no await on it.
      const fresh: FreshCopy =
        stored && stored.version >= header.sessionVersion && stored.primary === ctx.id ? { kind: "copy", record: stored } : await freshCopy(ctx, header, named, stored, failover);
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
      if (record.primary !== ctx.id) {
        if (failover) ctx.stats.failovers++;
        else ctx.stats.takeovers++;
        const keep = [named.secondary, record.secondary].find((id) => id !== ctx.id && id !== 0 && ctx.membership.isAlive(id));
        record = { ...record, primary: ctx.id, secondary: (keep as ServerId | undefined) ?? 0 };
      }
      let pairChanged = record !== current;
      if (record.secondary === 0 || record.secondary === ctx.id || !ctx.membership.isAlive(record.secondary)) {
        record = { ...record, secondary: ctx.membership.pickSecondary(record.id) ?? 0 };
        pairChanged = true;
      }
      // A retransmission answered before (perhaps by the previous primary): same answer, but the
      // takeover still happens, so the secondary learns its new primary.
      const cached = (header.flags & Flags.Retry) !== 0 ? record.answers.find((a) => a.requestId === header.requestId) : undefined;
      if (cached) ctx.stats.retriesAnswered++;
      await this.applyAndAnswer(src, header, payload, record, pairChanged, cached);
    } catch (err) {
      this.ctx.log(`server ${this.ctx.id}: internal error serving session ${header.sessionId}: ${String(err)}`);
      this.sendError(src, header, ServerErrorCode.Internal, "internal error");
    }
  }

  /**
   * Answers a RETRY-flagged request for a session this server is primary of from the answer
   * cache; false when it was never answered. In sync mode a cached answer whose update no
   * secondary took (answered `unavailable` the first time) goes out only once a secondary holds
   * the session, so a retry never acknowledges an unreplicated update either.
   */
  private async answerRetry(src: Endpoint, header: SessionHeader, record: SessionRecord): Promise<boolean> {
    const { ctx } = this;
    if ((header.flags & Flags.Retry) === 0) return false;
    const cached = record.answers.find((a) => a.requestId === header.requestId);
    if (!cached) return false;
    ctx.store.touch(record.id);
    let current = record;
    if (this.rules.replication === "sync" && current.secondary === 0) {
      current = ctx.store.setPair(record.id, ctx.id, await this.replicator.replicate(current)) ?? current;
      if (current.secondary === 0 && this.mustReplicate()) {
        this.refuseUnreplicated(src, header);
        return true;
      }
    }
    ctx.stats.retriesAnswered++;
    this.sendAnswer(src, header, cached, pairCookie(ctx.id, current.secondary), current.version);
    return true;
  }

  /**
   * Sync mode acknowledges only replicated updates, except when the membership leaves no other
   * server that could take a copy (every other one down or draining): then the update is
   * answered with secondary 0, the documented degraded mode.
   */
  private mustReplicate(): boolean {
    return this.ctx.membership.servers().some((m) => m.id !== this.ctx.id && m.state === "up");
  }

  /** The update is applied here but no secondary took it: not acknowledged, the client retries the same request. */
  private refuseUnreplicated(src: Endpoint, header: SessionHeader): void {
    this.ctx.stats.unacknowledged++;
    this.sendError(src, header, ServerErrorCode.Unavailable, `server ${this.ctx.id}: no secondary took the update; retry`);
  }

  private async create(src: Endpoint, header: SessionHeader, payload: Uint8Array): Promise<void> {
    const { ctx } = this;
    const record: SessionRecord = {
      id: header.sessionId,
      version: 1,
      state: this.rules.app.initialState(),
      primary: ctx.id,
      secondary: ctx.membership.pickSecondary(header.sessionId) ?? 0,
      answers: [],
    };
    if (!ctx.store.fits(record)) {
      ctx.stats.rejectedFull++;
      this.sendError(src, header, ServerErrorCode.Full, `server ${ctx.id} is at its session limit`);
      return;
    }
    ctx.stats.created++;
    await this.applyAndAnswer(src, header, payload, record, true);
  }

  private runApp(payload: Uint8Array, state: Uint8Array): AppOutcome {
    try {
      return this.rules.app.handle(payload, state);
    } catch (err) {
      return { kind: "error", message: `app failed: ${String(err).slice(0, 200)}` };
    }
  }

  private async applyAndAnswer(src: Endpoint, header: SessionHeader, payload: Uint8Array, base: SessionRecord, pairChanged: boolean, cached?: CachedAnswer): Promise<void> {
    const { ctx } = this;
    const maxStateBytes = this.rules.maxStateBytes;
    const outcome: AppOutcome = cached ? { kind: "read", response: cached.payload } : this.runApp(payload, base.state);
    let record = base;
    let answer: CachedAnswer;
    if (outcome.kind === "error") {
      answer = { requestId: header.requestId, type: MessageType.Error, payload: utf8.encode(`${ServerErrorCode.App}: ${outcome.message}`) };
    } else if (outcome.kind === "write" && outcome.state.length > maxStateBytes) {
      answer = { requestId: header.requestId, type: MessageType.Error, payload: utf8.encode(`${ServerErrorCode.TooLarge}: session state would grow to ${outcome.state.length} bytes (limit ${maxStateBytes})`) };
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
      record = { ...base, version, state: outcome.state, answers: withAnswer(base.answers, answer) };
    } else {
      // The answer cache changes the record but not its version: it travels with the next copy.
      record = { ...base, answers: withAnswer(base.answers, answer) };
    }
    // A read leaves the version alone, so its new answer cache replaces the copy in place.
    const put = wrote || !ctx.store.get(record.id) ? ctx.store.put(record) : ctx.store.refresh(record);
    if (put.kind === "full") {
      ctx.stats.rejectedFull++;
      this.sendError(src, header, ServerErrorCode.Full, `server ${ctx.id} is at its memory limit`);
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
    if (this.rules.replication === "sync") {
      const secondary = await this.replicator.replicate(record);
      record = ctx.store.setPair(record.id, ctx.id, secondary) ?? record;
      if (secondary === 0 && this.mustReplicate()) return this.refuseUnreplicated(src, header);
      if (ctx.membership.isDraining(ctx.id)) await this.finishOrHandOff(src, header, answer, record);
      else this.finish(src, header, answer, record);
      return;
    }
    this.finish(src, header, answer, record);
    ctx.track(
      ctx.queue.run(record.id, async () => {
        const latest = ctx.store.get(record.id)?.record;
        if (!latest || latest.primary !== ctx.id) return;
        const secondary = await this.replicator.replicate(latest);
        ctx.store.setPair(record.id, ctx.id, secondary);
      }),
    );
  }

  private finish(src: Endpoint, header: SessionHeader, answer: CachedAnswer, record: SessionRecord): void {
    if (record.secondary === 0) this.ctx.stats.unreplicated++;
    this.sendAnswer(src, header, answer, pairCookie(this.ctx.id, record.secondary), record.version);
  }

  /** A draining server hands each session to its secondary on the session's next request. */
  private async finishOrHandOff(src: Endpoint, header: SessionHeader, answer: CachedAnswer, record: SessionRecord): Promise<void> {
    const moved = await this.replicator.handOff(record);
    if (!moved) return this.finish(src, header, answer, record);
    this.ctx.stats.handoffs++;
    this.ctx.store.delete(record.id);
    this.sendAnswer(src, header, answer, pairCookie(moved.primary, moved.secondary), record.version);
  }

  private sendAnswer(src: Endpoint, request: SessionHeader, answer: CachedAnswer, cookie: Cookie, version: number): void {
    if (answer.type === MessageType.Error) this.ctx.stats.errors++;
    else this.ctx.stats.responses++;
    // FAILOVER is echoed so the client can tell that the switch re-routed this request.
    const flags = request.flags & Flags.Failover;
    const header: SessionHeader = { type: answer.type, flags, cookie, sessionId: request.sessionId, sessionVersion: version, requestId: request.requestId };
    this.data.send(src, encodeSessionMessage(header, answer.payload, Buffer.allocUnsafe(SESSION_HEADER_BYTES + answer.payload.length)));
  }

  private sendError(src: Endpoint, request: SessionHeader, code: ServerErrorCode, message: string): void {
    this.ctx.stats.errors++;
    const header: SessionHeader = { ...request, type: MessageType.Error, flags: 0 };
    this.data.send(src, encodeSessionMessage(header, utf8.encode(`${code}: ${message}`)));
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
