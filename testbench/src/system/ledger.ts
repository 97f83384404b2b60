/**
 * What the load generators saw, per session, and the invariants checked against it:
 *  - no acknowledged update lost: each session's final counter equals its acknowledged increments;
 *  - versions never go backwards: no answer carries a lower session version than one this client
 *    already saw for that session;
 *  - failover never to the secondary while other servers live: an answer re-routed by the switch
 *    (FAILOVER) names as new primary the old secondary only when no other server was alive.
 */
import { decodeCookie } from "../../../runtime/src/wire/session_header.ts";

export interface SessionRecord {
  readonly sessionId: bigint;
  readonly client: number;
  /** Increments the system acknowledged (each exactly once: one request outstanding per session). */
  acked: number;
  highestVersion: number;
  cookie: number;
  failovers: number;
  retries: number;
  /**
   * Increments sent but never answered before the run gave up on them: applied or not, nobody
   * was told they were, so the final counter may include them or not.
   */
  inDoubt: number;
  /** Final counter read back at the end; undefined until verified. */
  finalCounter?: number;
}

export type Violation = (
  | { readonly kind: "lost"; readonly sessionId: bigint; readonly acked: number; readonly counter: number | "unreadable" }
  | { readonly kind: "version-regression"; readonly sessionId: bigint; readonly client: number; readonly seen: number; readonly got: number }
  | { readonly kind: "counter-skew"; readonly sessionId: bigint; readonly expected: number; readonly got: number }
  | { readonly kind: "failover-to-secondary"; readonly sessionId: bigint; readonly oldCookie: number; readonly newCookie: number; readonly otherLive: readonly number[] }
) & {
  /** When it was seen, in ms on the ledger's clock (the run's elapsed time). */
  readonly atMs: number;
};

type ViolationBody = Violation extends infer V ? (V extends unknown ? Omit<V, "atMs"> : never) : never;

/** One answered increment, as the load generator hands it over. */
export interface AnswerObservation {
  readonly sessionId: bigint;
  readonly client: number;
  /** The counter value after this increment, as the server answered. */
  readonly counter: number;
  readonly version: number;
  readonly cookieSent: number;
  readonly cookieReceived: number;
  /**
   * The session moved to another primary (the answer's cookie names a different primary than
   * the request's): a switch failover, or a drain handoff.
   */
  readonly failover: boolean;
  readonly retries: number;
  readonly latencyMs: number;
}

export class SessionLedger {
  readonly sessions = new Map<bigint, SessionRecord>();
  readonly violations: Violation[] = [];
  answered = 0;
  retried = 0;
  failovers = 0;
  /** Answers whose cookie kept the primary but named a new secondary (the old one died or was cut off). */
  secondaryChanges = 0;
  /** Called on every answer after it is recorded (failover timing, live views). */
  readonly listeners: ((a: AnswerObservation) => void)[] = [];

  /**
   * `liveServers` is the ground truth at the moment of the answer (servers running and
   * answering); `drainingServers` those being drained, whose sessions are handed to their
   * secondaries on purpose (a handoff, not a failover).
   */
  constructor(
    private readonly liveServers: () => readonly number[],
    private readonly drainingServers: () => readonly number[] = () => [],
    private readonly clock: () => number = () => 0,
  ) {}

  private violate(v: ViolationBody): void {
    this.violations.push({ ...v, atMs: Math.round(this.clock()) } as Violation);
  }

  open(sessionId: bigint, client: number): SessionRecord {
    const record: SessionRecord = { sessionId, client, acked: 0, highestVersion: 0, cookie: 0, failovers: 0, retries: 0, inDoubt: 0 };
    this.sessions.set(sessionId, record);
    return record;
  }

  answer(a: AnswerObservation): void {
    const record = this.sessions.get(a.sessionId) ?? this.open(a.sessionId, a.client);
    this.answered++;
    this.retried += a.retries;
    record.retries += a.retries;
    if (a.version < record.highestVersion) {
      this.violate({ kind: "version-regression", sessionId: a.sessionId, client: a.client, seen: record.highestVersion, got: a.version });
    }
    record.highestVersion = Math.max(record.highestVersion, a.version);
    // One increment outstanding per session, so the answer must be exactly the next count.
    if (a.counter !== record.acked + 1) {
      this.violate({ kind: "counter-skew", sessionId: a.sessionId, expected: record.acked + 1, got: a.counter });
    }
    record.acked++;
    if (!a.failover && a.cookieSent !== 0 && decodeCookie(a.cookieSent).secondary !== decodeCookie(a.cookieReceived).secondary) {
      this.secondaryChanges++;
    }
    if (a.failover) {
      this.failovers++;
      record.failovers++;
      this.checkFailoverTarget(a);
    }
    record.cookie = a.cookieReceived;
    for (const listener of this.listeners) listener(a);
  }

  private checkFailoverTarget(a: AnswerObservation): void {
    if (a.cookieSent === 0) return;
    const before = decodeCookie(a.cookieSent);
    const after = decodeCookie(a.cookieReceived);
    if (after.primary !== before.secondary || this.drainingServers().includes(before.primary)) return;
    const otherLive = this.liveServers().filter((s) => s !== before.primary && s !== before.secondary);
    if (otherLive.length > 0) {
      this.violate({ kind: "failover-to-secondary", sessionId: a.sessionId, oldCookie: a.cookieSent, newCookie: a.cookieReceived, otherLive });
    }
  }

  unanswered(sessionId: bigint): void {
    const record = this.sessions.get(sessionId);
    if (record) record.inDoubt++;
  }

  /**
   * Records the counter read back at the end and flags the session when it differs from the
   * acknowledged increments (beyond the ones still in doubt, which may or may not have applied).
   */
  verify(sessionId: bigint, counter: number | "unreadable"): void {
    const record = this.sessions.get(sessionId);
    if (!record) return;
    if (counter !== "unreadable") record.finalCounter = counter;
    if (counter === "unreadable" || counter < record.acked || counter > record.acked + record.inDoubt) {
      this.violate({ kind: "lost", sessionId, acked: record.acked, counter });
    }
  }

  totalAcked(): number {
    let n = 0;
    for (const r of this.sessions.values()) n += r.acked;
    return n;
  }

  lostSessions(): number {
    return this.violations.filter((v) => v.kind === "lost").length;
  }
}

export function describeViolation(v: Violation): string {
  const sid = `${(v.atMs / 1000).toFixed(2)}s session ${v.sessionId.toString(16).padStart(16, "0")}`;
  switch (v.kind) {
    case "lost":
      return `${sid}: counter ${v.counter} but ${v.acked} increments were acknowledged`;
    case "version-regression":
      return `${sid}: client ${v.client} saw version ${v.seen}, then got ${v.got}`;
    case "counter-skew":
      return `${sid}: answer said counter ${v.got}, expected ${v.expected}`;
    case "failover-to-secondary":
      return `${sid}: failover from cookie 0x${v.oldCookie.toString(16)} to its secondary (0x${v.newCookie.toString(16)}) while ${v.otherLive.join(",")} lived`;
  }
}
