/**
 * A load client: the real SessionClient (cookie jar, retransmission with RETRY) on its own host
 * stack behind a switch port, driving the default app's counter ("incr c", "get c").
 */
import { SessionClient } from "../../../runtime/src/client/session_client.ts";
import type { DatagramTransport } from "../../../runtime/src/transport/datagram.ts";
import type { Endpoint } from "../../../runtime/src/transport/endpoint.ts";
import { NEW_SESSION_COOKIE, type SessionId, decodeCookie } from "../../../runtime/src/wire/session_header.ts";
import type { IncrAnswer, LoadClient, ReadAnswer } from "./handle.ts";

export interface LoadClientOptions {
  readonly index: number;
  readonly transport: DatagramTransport;
  readonly vip: Endpoint;
  /** Called once the client is closed (to detach its host stack). */
  readonly onClose?: () => Promise<void>;
  /** Give up on one increment after this long without an answer. */
  readonly deadlineMs?: number;
  /** Session ids (seeded runs replay the same ones); random when absent. */
  readonly nextSessionId?: () => bigint;
}

/**
 * Error answers (conflict, full, unknown session) are retried as new requests this often at
 * most; an error on a first transmission means the increment was not applied.
 */
const MAX_ERROR_ANSWERS = 40;
const ERROR_BACKOFF_MS = 25;

export class SessionLoadClient implements LoadClient {
  readonly index: number;
  readonly client: SessionClient;
  errorAnswers = 0;
  /** The counter each session's last answer reported, to settle increments left in doubt. */
  private readonly lastCounter = new Map<bigint, number>();

  constructor(private readonly options: LoadClientOptions) {
    this.index = options.index;
    // Retransmit for long (until the deadline): a failover must look like a slow answer, not a
    // lost one. The first wait follows the measured round trip and later ones back off, so an
    // overloaded system is not buried under retransmissions; the cap keeps a failover quick.
    const deadlineMs = options.deadlineMs ?? 15_000;
    this.client = new SessionClient({
      transport: options.transport,
      vip: options.vip,
      timeoutMs: 250,
      backoff: 1.5,
      maxTimeoutMs: 1000,
      deadlineMs,
      retries: Math.ceil(deadlineMs / 250),
    });
  }

  newSession(): bigint {
    return this.options.nextSessionId?.() ?? SessionClient.newSessionId();
  }

  cookieOf(session: bigint): number {
    return this.client.jar.get(session as SessionId)?.cookie ?? NEW_SESSION_COOKIE;
  }

  async incr(session: bigint): Promise<IncrAnswer> {
    const id = session as SessionId;
    let retries = 0;
    for (let errors = 0; ; errors++) {
      const cookieSent = this.cookieOf(session);
      const reply = await this.client.request(id, "incr c");
      retries += reply.attempts - 1;
      const moved = (cookie: number): boolean => cookieSent !== NEW_SESSION_COOKIE && decodeCookie(cookieSent).primary !== decodeCookie(cookie).primary;
      if (reply.kind === "response") {
        const counter = Number(reply.text);
        this.lastCounter.set(session, counter);
        return { counter, version: reply.version, cookieSent, cookieReceived: reply.cookie, failover: moved(reply.cookie), retries };
      }
      this.errorAnswers++;
      if (errors >= MAX_ERROR_ANSWERS) throw new Error(`session ${session.toString(16)}: ${MAX_ERROR_ANSWERS} error answers, last '${reply.text}'`);
      if (reply.attempts > 1) {
        // An error answering a retransmission does not prove the first attempt was not applied
        // (its answer may have been lost with a dying server): read the counter to find out.
        const before = this.lastCounter.get(session) ?? 0;
        const now = await this.read(session);
        if (now.counter !== before) {
          this.lastCounter.set(session, now.counter);
          const cookie = this.cookieOf(session);
          return { counter: now.counter, version: now.version, cookieSent, cookieReceived: cookie, failover: moved(cookie), retries };
        }
      }
      // Not applied: send the increment again as a new request.
      await new Promise((r) => setTimeout(r, ERROR_BACKOFF_MS));
    }
  }

  async read(session: bigint): Promise<ReadAnswer> {
    for (let errors = 0; ; errors++) {
      const reply = await this.client.request(session as SessionId, "get c");
      if (reply.kind === "response") return { counter: reply.text === "" ? 0 : Number(reply.text), version: reply.version };
      if (errors >= MAX_ERROR_ANSWERS) throw new Error(`read of session ${session.toString(16)} failed: ${reply.text}`);
      await new Promise((r) => setTimeout(r, ERROR_BACKOFF_MS));
    }
  }

  async close(): Promise<void> {
    await this.client.close();
    await this.options.onClose?.();
  }
}
