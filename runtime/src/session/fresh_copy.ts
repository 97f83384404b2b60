/**
 * Failover fetching: before serving, make sure the copy is at least as new as the version the
 * client has seen, asking the replicas the cookie names when this server is not (or no longer)
 * the session's primary.
 */
import { isServerId, type SessionHeader } from "../wire/session_header.ts";
import type { ServerContext } from "./context.ts";
import type { SessionRecord } from "./record.ts";

export type FreshCopy =
  | { readonly kind: "copy"; readonly record: SessionRecord }
  /** Neither this server nor any replica asked has the session. */
  | { readonly kind: "missing" }
  | { readonly kind: "unavailable"; readonly detail: string };

/**
 * A replica that is only suspected here is still asked (it may hold the only copy), after the
 * others. The primary the switch failed over from is asked after those, only when no one else
 * has what the client saw (in async mode it may be alive after all, holding updates the
 * secondary has not got yet). Replicas the controller marks down are asked last, and only then:
 * a verdict taken under overload can be wrong, and a "down" replica that answers holds the truth.
 * Never serves an older copy while some replica not known down could not be asked, and never
 * says "unknown session" while any replica could not be asked: both are `unavailable` (the
 * client retries), since the newer copy may well exist. Only a silent replica the controller
 * marks down lets an older copy be served (the loss is counted in `staleServed`).
 */
export async function freshCopy(
  ctx: ServerContext,
  header: SessionHeader,
  named: { readonly primary: number; readonly secondary: number },
  stored: SessionRecord | undefined,
  failover: boolean,
): Promise<FreshCopy> {
  const { membership, stats, store } = ctx;
  if (stored && stored.version >= header.sessionVersion && stored.primary === ctx.id) return { kind: "copy", record: stored };
  const candidates = [named.secondary, named.primary, stored?.secondary ?? 0, stored?.primary ?? 0].filter(
    (id, i, all) => id !== ctx.id && isServerId(id) && all.indexOf(id) === i,
  );
  const rank = (id: number): number => (membership.isDown(id) ? 3 : failover && id === named.primary ? 2 : membership.suspected(id) ? 1 : 0);
  const sources = [...candidates].sort((a, b) => rank(a) - rank(b));
  let best = stored;
  let unreachable = 0;
  let silentDown = 0;
  for (const source of sources) {
    const peer = membership.peerTarget(source);
    const reply = peer ? await ctx.link.call(peer, { kind: "get", from: ctx.id, sessionId: header.sessionId }, ctx.peerCall) : undefined;
    if (reply?.kind !== "get_reply") {
      if (peer && !reply) membership.suspect(source);
      if (membership.isDown(source)) silentDown++;
      else unreachable++;
      continue;
    }
    membership.heardFrom(source);
    if (reply.session && (!best || reply.session.version > best.version)) best = reply.session;
    if (best && best.version >= header.sessionVersion) break;
  }
  if (!best) {
    const silent = unreachable + silentDown;
    return silent > 0 ? { kind: "unavailable", detail: `${silent} replica(s) of session ${header.sessionId} did not answer` } : { kind: "missing" };
  }
  if (best.version < header.sessionVersion) {
    if (unreachable > 0) return { kind: "unavailable", detail: `only version ${best.version} reachable, client has seen ${header.sessionVersion}` };
    // Every replica answered or is known down, and none has what the client saw: that update is gone.
    stats.staleServed++;
  }
  if (best !== stored) {
    if (store.put(best).kind === "full") return { kind: "unavailable", detail: `server ${ctx.id} is at its memory limit` };
    stats.fetches++;
    if (stored && best.version > stored.version) stats.staleRefreshes++;
  }
  return { kind: "copy", record: best };
}
