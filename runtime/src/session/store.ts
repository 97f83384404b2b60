/**
 * The session store of one server: versioned records under a memory bound, with idle expiry.
 * The one rule that keeps replicas consistent lives here: a copy is replaced only by a higher
 * version; an equal version may only move the replica pair (a failover or a secondary change).
 */
import type { SessionId } from "../wire/session_header.ts";
import { type SessionRecord, recordBytes } from "./record.ts";

export interface StoredSession {
  readonly record: SessionRecord;
  readonly bytes: number;
  /** Clock time of the last request, replication or version check that touched it. */
  lastTouched: number;
}

export type PutOutcome =
  | { readonly kind: "applied" }
  /** Same version: the state was kept, only the replica pair was updated. */
  | { readonly kind: "equal" }
  /** Lower version than stored: nothing changed. */
  | { readonly kind: "stale"; readonly storedVersion: number }
  | { readonly kind: "full" };

// Shared: a put on every replicated update need not allocate its outcome.
const APPLIED: PutOutcome = { kind: "applied" };
const EQUAL: PutOutcome = { kind: "equal" };
const FULL: PutOutcome = { kind: "full" };

export interface StoreLimits {
  readonly maxSessions: number;
  readonly maxBytes: number;
}

export class SessionStore {
  private readonly sessions = new Map<SessionId, StoredSession>();
  private totalBytes = 0;

  constructor(
    readonly limits: StoreLimits,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** Fraction of the tighter of the two bounds in use. */
  get load(): number {
    return Math.max(this.sessions.size / this.limits.maxSessions, this.totalBytes / this.limits.maxBytes);
  }

  get(id: SessionId): StoredSession | undefined {
    return this.sessions.get(id);
  }

  touch(id: SessionId): void {
    const stored = this.sessions.get(id);
    if (stored) stored.lastTouched = this.now();
  }

  values(): IterableIterator<StoredSession> {
    return this.sessions.values();
  }

  /** Would a record of this size fit (replacing the current copy of the same session, if any)? */
  fits(record: SessionRecord): boolean {
    return this.fitsBeside(this.sessions.get(record.id), recordBytes(record));
  }

  /** Stores `record` if it is newer than the stored copy (or there is none) and it fits. */
  put(record: SessionRecord): PutOutcome {
    // One lookup and one size per put: every replicated update passes here on both servers.
    const current = this.sessions.get(record.id);
    if (current && record.version < current.record.version) return { kind: "stale", storedVersion: current.record.version };
    if (current && record.version === current.record.version) {
      const moved = { ...current.record, primary: record.primary, secondary: record.secondary };
      this.sessions.set(record.id, { record: moved, bytes: current.bytes, lastTouched: this.now() });
      return EQUAL;
    }
    return this.replace(current, record);
  }

  /** Replaces a stored record by one of the same version (a new answer cache or pair), within the bound. */
  refresh(record: SessionRecord): PutOutcome {
    const current = this.sessions.get(record.id);
    if (!current || current.record.version !== record.version) return { kind: "stale", storedVersion: current?.record.version ?? 0 };
    return this.replace(current, record);
  }

  /** Changes the replica pair of a stored session without touching its version or state. */
  setPair(id: SessionId, primary: SessionRecord["primary"], secondary: SessionRecord["secondary"]): SessionRecord | undefined {
    const current = this.sessions.get(id);
    if (!current) return undefined;
    // The common case after a put: the pair is what it was, so nothing is rebuilt.
    if (current.record.primary === primary && current.record.secondary === secondary) return current.record;
    const record = { ...current.record, primary, secondary };
    this.sessions.set(id, { ...current, record });
    return record;
  }

  delete(id: SessionId): void {
    const current = this.sessions.get(id);
    if (!current) return;
    this.totalBytes -= current.bytes;
    this.sessions.delete(id);
  }

  /** Removes sessions untouched for `idleMs`; returns what was removed. */
  expireIdle(idleMs: number): SessionRecord[] {
    const cutoff = this.now() - idleMs;
    const expired: SessionRecord[] = [];
    for (const stored of this.sessions.values()) {
      if (stored.lastTouched <= cutoff) expired.push(stored.record);
    }
    for (const record of expired) this.delete(record.id);
    return expired;
  }

  private fitsBeside(current: StoredSession | undefined, bytes: number): boolean {
    const sessions = this.sessions.size + (current ? 0 : 1);
    return sessions <= this.limits.maxSessions && this.totalBytes - (current?.bytes ?? 0) + bytes <= this.limits.maxBytes;
  }

  private replace(current: StoredSession | undefined, record: SessionRecord): PutOutcome {
    const bytes = recordBytes(record);
    if (!this.fitsBeside(current, bytes)) return FULL;
    this.totalBytes += bytes - (current?.bytes ?? 0);
    this.sessions.set(record.id, { record, bytes, lastTouched: this.now() });
    return APPLIED;
  }
}
