/**
 * The callee's side of replication: what a server does with a peer's put, get, version check
 * or drop. The store's version rule decides every put; this only counts and reports.
 */
import type { SessionId } from "../wire/session_header.ts";
import type { PeerReply, PeerRequest } from "./peer_protocol.ts";
import type { ServerContext } from "./context.ts";

export function answerPeer(ctx: ServerContext, maxStateBytes: number, request: PeerRequest): PeerReply {
  const { store, stats } = ctx;
  ctx.membership.heardFrom(request.from);
  switch (request.kind) {
    case "put": {
      if (request.session.state.length > maxStateBytes) return { kind: "put_ack", rid: request.rid, outcome: "full", version: store.get(request.session.id)?.record.version ?? 0 };
      const outcome = store.put(request.session);
      if (outcome.kind === "applied") stats.replicasApplied++;
      else stats.replicasNotApplied++;
      const version = outcome.kind === "applied" ? request.session.version : (store.get(request.session.id)?.record.version ?? 0);
      return { kind: "put_ack", rid: request.rid, outcome: outcome.kind, version };
    }
    case "get": {
      const stored = store.get(request.sessionId);
      store.touch(request.sessionId);
      return { kind: "get_reply", rid: request.rid, session: stored?.record ?? null };
    }
    case "versions": {
      stats.versionChecksReceived++;
      stats.versionCheckEntriesReceived += request.entries.length;
      const mismatches: [SessionId, number][] = [];
      const foreign: [SessionId, number][] = [];
      for (const [id, version] of request.entries) {
        const stored = store.get(id);
        // A copy the primary still asks about is in use: keep it from expiring.
        store.touch(id);
        if (!stored) mismatches.push([id, -1]);
        else if (stored.record.primary !== request.from) foreign.push([id, stored.record.version]);
        else if (stored.record.version !== version) mismatches.push([id, stored.record.version]);
      }
      return { kind: "versions_reply", rid: request.rid, mismatches, foreign };
    }
    case "drop": {
      const stored = store.get(request.sessionId);
      // A newer copy means the session moved on (another primary took it over): keep it.
      const dropped = stored !== undefined && stored.record.version <= request.version;
      if (dropped) store.delete(request.sessionId);
      return { kind: "drop_ack", rid: request.rid, dropped };
    }
  }
}
