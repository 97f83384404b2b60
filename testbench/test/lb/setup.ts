/** The usual starting point of a packet test: a rig programmed for a set of live servers. */
import { serverId, type ServerId, type SessionId } from "../../../runtime/src/wire/session_header.ts";
import { newRig, type LbRig } from "./rig.ts";

export const ids = (...ns: number[]): ServerId[] => ns.map(serverId);

/**
 * Routes, VIP, the given servers (all live and taking new sessions, generation 1), failover
 * groups for every one of them as a possible secondary.
 */
export async function programmedRig(servers: readonly ServerId[] = ids(1, 2, 3, 4)): Promise<LbRig> {
  const rig = await newRig();
  rig.program.setUp(servers);
  for (const id of servers) rig.program.markUp(id);
  rig.program.setNewSessionServers(servers);
  rig.program.setFailoverGroups(servers, servers);
  return rig;
}

/** Deterministic session ids (mulberry32-based) so a failing property names a reproducible id. */
export function sessionIds(count: number, seed: number): SessionId[] {
  let state = seed >>> 0;
  const next32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return (x ^ (x >>> 14)) >>> 0;
  };
  return Array.from({ length: count }, () => ((BigInt(next32()) << 32n) | BigInt(next32())) as SessionId);
}

/** A deterministic pseudo-random integer source for choosing server sets in property tests. */
export function seededInts(seed: number): (bound: number) => number {
  const [first] = sessionIds(1, seed);
  let state = Number(first! & 0xffffffffn);
  return (bound) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % bound;
  };
}
