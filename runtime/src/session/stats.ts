/** What a session server counts (its metrics): read by tests, the testbench and `slb server` on exit. */
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
  /** Management datagrams refused: no valid cluster-key seal (unauthenticated or forged). */
  mgmtRefused: number;
}

export function emptyStats(): SessionServerStats {
  return {
    requests: 0, responses: 0, errors: 0, dropped: 0, created: 0, failovers: 0, takeovers: 0, fetches: 0,
    staleRefreshes: 0, staleServed: 0, retriesAnswered: 0, replicationsSent: 0, replicationFailures: 0,
    secondaryChanges: 0, unreplicated: 0, unacknowledged: 0, replicasApplied: 0, replicasNotApplied: 0, versionChecksSent: 0,
    versionCheckEntriesSent: 0, versionChecksReceived: 0, versionCheckEntriesReceived: 0, resyncs: 0,
    handoffs: 0, relinquished: 0, expired: 0, rejectedFull: 0, mgmtRefused: 0,
  };
}
