/** What one session is, as stored and as replicated between servers. */
import type { MessageType, ServerId, SessionId } from "../wire/session_header.ts";

/** A server id, or 0 for "no secondary" (a session that could not be replicated). */
export type ReplicaId = ServerId | 0;

/** A request already answered, kept so a retransmission gets the same answer, not a second apply. */
export interface CachedAnswer {
  readonly requestId: number;
  readonly type: MessageType;
  readonly payload: Uint8Array;
}

export interface SessionRecord {
  readonly id: SessionId;
  /** Bumped on every change; a copy is only ever replaced by a higher one. */
  readonly version: number;
  readonly state: Uint8Array;
  readonly primary: ServerId;
  readonly secondary: ReplicaId;
  /** Most recent first, bounded by MAX_CACHED_ANSWERS. Replicated with the state so a retry survives failover. */
  readonly answers: readonly CachedAnswer[];
}

export const MAX_CACHED_ANSWERS = 8;
/** Bookkeeping charged per session on top of its bytes, so many tiny sessions still hit the bound. */
export const SESSION_OVERHEAD_BYTES = 128;

export function recordBytes(record: SessionRecord): number {
  let bytes = SESSION_OVERHEAD_BYTES + record.state.length;
  for (const a of record.answers) bytes += a.payload.length + 16;
  return bytes;
}

/** Older answers are kept only within this many payload bytes, so a record always fits one peer datagram. */
export const CACHED_ANSWER_BUDGET_BYTES = 8192;

/** Adds `answer` as the most recent; it is always kept, older ones while they fit the count and byte budget. */
export function withAnswer(answers: readonly CachedAnswer[], answer: CachedAnswer): CachedAnswer[] {
  const kept = [answer];
  let bytes = 0;
  for (const older of answers) {
    if (older.requestId === answer.requestId) continue;
    if (kept.length === MAX_CACHED_ANSWERS || bytes + older.payload.length > CACHED_ANSWER_BUDGET_BYTES) break;
    bytes += older.payload.length;
    kept.push(older);
  }
  return kept;
}
