/**
 * Per-session ordering: work for one session runs after the work queued before it for the same
 * session, so fetches, replication and version-check repairs never interleave within a session.
 *
 * A session with nothing queued runs new work at once; otherwise the work waits in the
 * session's lane, which one loop drains. Every request passes through here, so the common case
 * (an idle session) costs one array and one async call, not a chain of promises per request.
 */
import type { SessionId } from "../wire/session_header.ts";

/** Work that handles its own failures: a rejection is swallowed here, so it must not be one that matters. */
type Job = () => Promise<unknown>;

interface Lane {
  /** Work queued behind the one running; made only when some is (most sessions have one request at a time). */
  waiting: Job[] | undefined;
  /** Settles once the lane has run dry (and is gone from the map). */
  done: Promise<void> | undefined;
}

export class SessionQueue {
  private readonly lanes = new Map<SessionId, Lane>();

  /**
   * Runs `work` after the session's earlier work, or at once (before this returns) when there is
   * none. Work queued from inside running work always waits: the running work holds the lane.
   */
  enqueue(sessionId: SessionId, work: Job): void {
    const busy = this.lanes.get(sessionId);
    if (busy !== undefined) {
      (busy.waiting ??= []).push(work);
      return;
    }
    const lane: Lane = { waiting: undefined, done: undefined };
    // Registered before the work starts, so whatever it queues for this session lands behind it.
    this.lanes.set(sessionId, lane);
    lane.done = this.drain(sessionId, lane, work);
  }

  /** As enqueue, with the work's outcome. */
  run<T>(sessionId: SessionId, work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => this.enqueue(sessionId, () => work().then(resolve, reject)));
  }

  /** Resolves when everything queued so far has finished. */
  async settled(): Promise<void> {
    while (this.lanes.size > 0) await Promise.allSettled([...this.lanes.values()].map((lane) => lane.done));
  }

  private async drain(sessionId: SessionId, lane: Lane, first: Job): Promise<void> {
    let work: Job | undefined = first;
    while (work !== undefined) {
      try {
        await work();
      } catch {
        // Callers handle their failures (see Job); one failure must not stall the session.
      }
      work = lane.waiting?.shift();
    }
    this.lanes.delete(sessionId);
  }
}
