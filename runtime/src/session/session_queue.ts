/**
 * Per-session ordering: work for one session runs after the work queued before it for the same
 * session, so fetches, replication and version-check repairs never interleave within a session.
 */
import type { SessionId } from "../wire/session_header.ts";

export class SessionQueue {
  private readonly tails = new Map<SessionId, Promise<void>>();

  run<T>(sessionId: SessionId, work: () => Promise<T>): Promise<T> {
    // Always a later turn, never inline: work queued from inside running work must see this tail.
    const run = (this.tails.get(sessionId) ?? Promise.resolve()).then(work);
    // Settling the tail forgets it, unless later work has queued behind it (one reaction per run).
    const forget = (): void => {
      if (this.tails.get(sessionId) === tail) this.tails.delete(sessionId);
    };
    const tail: Promise<void> = run.then(forget, forget);
    this.tails.set(sessionId, tail);
    return run;
  }

  /** Resolves when everything queued so far has finished. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.tails.values()]);
  }
}
