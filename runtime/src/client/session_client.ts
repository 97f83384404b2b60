/**
 * The client library: sends session requests to the VIP, retransmits unanswered ones with the
 * same request id and the RETRY flag (so the server answers from its cache instead of applying
 * twice), and keeps each session's cookie and version in a cookie jar. Transient error answers
 * ("unavailable", "conflict", "internal": nothing applied, try again) are retried the same way;
 * every other answer, response or error, is final and returned. It always sends to the
 * VIP: routing around a dead server is the switch's job (claim element 5), never the client's.
 *
 * Overload behaviour: the first wait follows the observed round-trip time (rtt.ts), each
 * retransmission waits `backoff` times longer, every wait is jittered, and at most
 * `maxInFlight` requests are outstanding (the rest queue). So when the system slows down the
 * client sends less, not more: no retransmission storm.
 */
import { randomBytes, randomInt } from "node:crypto";
import type { DatagramTransport } from "../transport/datagram.ts";
import type { Endpoint } from "../transport/endpoint.ts";
import {
  type Cookie,
  Flags,
  MessageType,
  NEW_SESSION_COOKIE,
  type SessionHeader,
  type SessionId,
  decodeSessionMessage,
  encodeSessionMessage,
} from "../wire/session_header.ts";
import { isTransientError, parseErrorPayload } from "../session/errors.ts";
import { CookieJar } from "./cookie_jar.ts";
import { RequestSlots } from "./request_slots.ts";
import { RetransmitTimer, withJitter } from "./rtt.ts";

export interface SessionClientOptions {
  readonly transport: DatagramTransport;
  readonly vip: Endpoint;
  readonly jar?: CookieJar;
  /**
   * Least wait for the first attempt (default 200); the wait used is the learned round-trip
   * estimate when larger. Each retransmission waits `backoff` (default 2) times longer, up to
   * maxTimeoutMs (default 2000).
   */
  readonly timeoutMs?: number;
  readonly backoff?: number;
  readonly maxTimeoutMs?: number;
  /** Retransmissions after the first attempt (default 4). */
  readonly retries?: number;
  /** Give up once this long has passed since the first transmission, whatever `retries` allows. */
  readonly deadlineMs?: number;
  /** Each wait is stretched by a random factor in [1, 1 + jitter) (default 0.25). */
  readonly jitter?: number;
  /** Requests outstanding at once (default 64); more wait for a slot, not counted in their latency. */
  readonly maxInFlight?: number;
}

export interface ClientReply {
  readonly kind: "response" | "error";
  readonly payload: Uint8Array;
  /** The payload as UTF-8 (the default app speaks text). */
  readonly text: string;
  readonly cookie: Cookie;
  readonly version: number;
  readonly requestId: number;
  /** The switch re-routed the request to a new primary (the server echoes the FAILOVER flag). */
  readonly failedOver: boolean;
  /** From the first transmission to the answer. */
  readonly latencyMs: number;
  readonly attempts: number;
}

export class ClientTimeoutError extends Error {
  override readonly name = "ClientTimeoutError";
  constructor(
    readonly sessionId: SessionId,
    readonly requestId: number,
    readonly attempts: number,
    /** The last transient error answer ("unavailable: ..."), when the server did answer but only that. */
    readonly lastTransientError?: string,
  ) {
    super(`no answer for session ${sessionId} request ${requestId} after ${attempts} attempts${lastTransientError ? ` (last: ${lastTransientError})` : ""}`);
  }
}

interface Outstanding {
  readonly sessionId: SessionId;
  /** Undefined when the client closes under it. */
  readonly settle: (answer: { header: SessionHeader; payload: Uint8Array } | undefined) => void;
}

export interface SessionClientCounters {
  sent: number;
  retransmissions: number;
  answers: number;
  /** Answers nobody waits for any more (late duplicates) or not matching their request. */
  strays: number;
  /** Error answers that only meant "not now" (unavailable, conflict, internal), retried with the same id. */
  transientErrors: number;
  timeouts: number;
  /** Requests that waited for an in-flight slot. */
  queued: number;
}

export class SessionClient {
  readonly jar: CookieJar;
  readonly counters: SessionClientCounters = { sent: 0, retransmissions: 0, answers: 0, strays: 0, transientErrors: 0, timeouts: 0, queued: 0 };
  readonly timer: RetransmitTimer;
  private readonly slots: RequestSlots;
  private readonly outstanding = new Map<number, Outstanding>();
  private nextRequestId = randomInt(1, 0x7fffffff);
  private closed = false;

  constructor(private readonly options: SessionClientOptions) {
    this.jar = options.jar ?? new CookieJar();
    this.timer = new RetransmitTimer(options.timeoutMs ?? 200, options.maxTimeoutMs ?? 2000);
    this.slots = new RequestSlots(options.maxInFlight ?? 64);
    options.transport.onReceive((_src, bytes) => this.receive(bytes));
  }

  /** A fresh random 64-bit session id (never 0). */
  static newSessionId(): SessionId {
    let id = 0n;
    while (id === 0n) id = randomBytes(8).readBigUInt64BE(0);
    return id as SessionId;
  }

  /**
   * Sends one request and resolves with the server's answer (a response or an error response).
   * Rejects with ClientTimeoutError when no attempt is answered.
   */
  async request(sessionId: SessionId, payload: Uint8Array | string): Promise<ClientReply> {
    if (this.closed) throw new Error("session client is closed");
    if (this.slots.active >= (this.options.maxInFlight ?? 64)) this.counters.queued++;
    await this.slots.acquire();
    try {
      return await this.exchangeWithRetries(sessionId, payload);
    } finally {
      this.slots.release();
    }
  }

  private async exchangeWithRetries(sessionId: SessionId, payload: Uint8Array | string): Promise<ClientReply> {
    if (this.closed) throw new Error("session client is closed");
    const body = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
    const requestId = this.allocateRequestId();
    const started = performance.now();
    const attempts = (this.options.retries ?? 4) + 1;
    const deadline = started + (this.options.deadlineMs ?? Number.POSITIVE_INFINITY);
    const jitter = this.options.jitter ?? 0.25;
    let timeoutMs = this.timer.firstTimeoutMs();
    let answer: { header: SessionHeader; payload: Uint8Array } | undefined;
    let transient: string | undefined;
    let attempt = 0;
    try {
      while (attempt < attempts && !answer && !this.closed && performance.now() < deadline) {
        const entry = this.jar.get(sessionId);
        const header: SessionHeader = {
          type: MessageType.Request,
          flags: attempt > 0 ? Flags.Retry : 0,
          cookie: entry?.cookie ?? NEW_SESSION_COOKIE,
          sessionId,
          sessionVersion: entry?.version ?? 0,
          requestId,
        };
        attempt++;
        this.counters.sent++;
        if (attempt > 1) this.counters.retransmissions++;
        const sentAt = performance.now();
        const waitMs = withJitter(timeoutMs, jitter);
        answer = await this.exchange(header, body, waitMs);
        if (answer && answer.header.type === MessageType.Error && isTransientError(parseErrorPayload(answer.payload).code)) {
          // "Not now" from the server: same request id again after the usual wait, never a new request.
          transient = new TextDecoder().decode(answer.payload);
          answer = undefined;
          this.counters.transientErrors++;
          await this.pause(waitMs - (performance.now() - sentAt));
        } else if (answer && attempt === 1) {
          this.timer.sample(performance.now() - sentAt);
        } else if (answer) {
          this.timer.answeredAfterBackoff(timeoutMs);
        }
        timeoutMs = Math.min(timeoutMs * (this.options.backoff ?? 2), this.options.maxTimeoutMs ?? 2000);
      }
    } finally {
      this.outstanding.delete(requestId);
    }
    if (!answer) {
      this.counters.timeouts++;
      throw new ClientTimeoutError(sessionId, requestId, attempt, transient);
    }
    const kind = answer.header.type === MessageType.Response ? "response" : "error";
    // Only a real response moves the session; an error leaves the cookie as it was.
    if (kind === "response") this.jar.update(sessionId, answer.header.cookie, answer.header.sessionVersion);
    return {
      kind,
      payload: answer.payload,
      text: new TextDecoder().decode(answer.payload),
      cookie: answer.header.cookie,
      version: answer.header.sessionVersion,
      requestId,
      failedOver: (answer.header.flags & Flags.Failover) !== 0,
      latencyMs: performance.now() - started,
      attempts: attempt,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const waiting of this.outstanding.values()) waiting.settle(undefined);
    this.slots.releaseAll();
    await this.options.transport.close();
  }

  private pause(ms: number): Promise<void> {
    return ms > 0 && !this.closed ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
  }

  private allocateRequestId(): number {
    const id = this.nextRequestId;
    this.nextRequestId = id === 0xffffffff ? 1 : id + 1;
    return id;
  }

  private exchange(header: SessionHeader, body: Uint8Array, timeoutMs: number): Promise<{ header: SessionHeader; payload: Uint8Array } | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      this.outstanding.set(header.requestId, {
        sessionId: header.sessionId,
        settle: (answer) => {
          clearTimeout(timer);
          resolve(answer);
        },
      });
      this.options.transport.send(this.options.vip, encodeSessionMessage(header, body));
    });
  }

  private receive(bytes: Uint8Array): void {
    const decoded = decodeSessionMessage(bytes);
    if (!decoded.ok || decoded.message.header.type === MessageType.Request) {
      this.counters.strays++;
      return;
    }
    const { header, payload } = decoded.message;
    const waiting = this.outstanding.get(header.requestId);
    if (!waiting || waiting.sessionId !== header.sessionId) {
      this.counters.strays++;
      return;
    }
    this.outstanding.delete(header.requestId);
    this.counters.answers++;
    // Copy: the transport may reuse its buffer once the handler returns.
    waiting.settle({ header, payload: payload.slice() });
  }
}
