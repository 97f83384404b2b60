/** What the parts of a session server share: its identity, store, view of the pool, counters and peer link. */
import type { ServerId } from "../wire/session_header.ts";
import type { MembershipView } from "./membership.ts";
import type { PeerCallOptions, PeerLink } from "./peer_link.ts";
import type { SessionQueue } from "./session_queue.ts";
import type { SessionServerStats } from "./stats.ts";
import type { SessionStore } from "./store.ts";

export interface ServerContext {
  readonly id: ServerId;
  readonly store: SessionStore;
  readonly membership: MembershipView;
  readonly stats: SessionServerStats;
  readonly link: PeerLink;
  readonly peerCall: PeerCallOptions;
  readonly queue: SessionQueue;
  readonly log: (line: string) => void;
  /** Runs work in the background; the server waits for it on settle and close. */
  track(work: Promise<unknown>): void;
}
