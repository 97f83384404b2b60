/**
 * The desired switch state of the session load balancer (p4/CONTROL_PLANE.md) as a pure
 * function of the topology and each server's mode. Names are dotted suffixes that resolve in
 * both the v1model (`SessionLbIngress.`) and TNA (`SessionLbTnaIngress.`) programs.
 *
 * Id scheme (stable, so a restarted controller computes the same ids as its predecessor):
 *   - selector member id = server id, in both profiles;
 *   - new-session group id = NEW_SESSION_GROUP + the VIP's index in the topology;
 *   - failover group id = the secondary's server id.
 *
 * Several switches: every switch gets this same state (only ports and routes differ), so a
 * session id and cookie go to the same server whichever switch they cross. A selector picks
 * member number hash % n of the group in member-handle order (bmv2), and a switch hands out
 * handles in insertion order. So every configured server keeps its member in both profiles
 * whatever its mode (groups name only live ones), and members are listed in server-id order:
 * a switch programmed from empty and one that lived through every change hold the same
 * members in the same order, and a server's death only shrinks groups. Servers added at run
 * time must have higher ids than the ones before them for this to hold on switches that
 * restart later (their members would otherwise be re-inserted in a different order).
 *
 * Several VIPs: each has its own pool (the servers naming it) and new-session group; a
 * session's failover group is its secondary's, which holds only that secondary's pool, so a
 * session never leaves its service.
 *
 * Modes: `up` serves new sessions and its own sessions; `draining` is out of the new-session
 * group and, for known sessions, treated as down (out of server_map and of every failover
 * group), so its sessions move to a live server on their next request; `down` likewise.
 */
import { action, group, groupAction, member, tableEntry, type Entity } from "../p4rt/entities.ts";
import type { DesiredState, Scope } from "./reconcile.ts";
import type { RouteConfig, ServerConfig, SwitchConfig, TopologyConfig, VipConfig } from "./config.ts";

export const LB_NAMES = {
  vip: "classify.vip",
  setVip: "classify.set_vip",
  serverSource: "classify.server_source",
  fromServer: "classify.from_server",
  newSessionSelect: "session_select.new_session_select",
  pickNewServer: "session_select.pick_new_server",
  newSessionSelector: "session_select.new_session_selector",
  serverMap: "session_select.server_map",
  setPrimary: "session_select.set_primary",
  failoverSelect: "failover.failover_select",
  pickFailoverServer: "failover.pick_failover_server",
  failoverSelector: "failover.failover_selector",
  detectConfig: "failure_detect.detect_config",
  setFailureTimeout: "failure_detect.set_failure_timeout",
  downGeneration: "failure_detect.down_generation",
  ipv4Lpm: "forwarding.ipv4_lpm",
  route: "forwarding.route",
  serverRequests: "stats.server_requests",
  serverResponses: "stats.server_responses",
  serverFailovers: "stats.server_failovers",
  serverMarkedDown: "stats.server_marked_down",
  dropReasons: "stats.drop_reasons",
  events: "stats.events",
  downDigest: "server_down_digest_t",
} as const;

export const NEW_SESSION_GROUP = 1;

/** DROP_* reasons by counter index (p4/shared/defines.p4). */
export const DROP_REASONS: Readonly<Record<number, string>> = {
  1: "not_ipv4",
  2: "bad_ipv4_header",
  3: "bad_ipv4_checksum",
  4: "ttl_expired",
  5: "no_route",
  6: "session_truncated",
  7: "session_missing",
  8: "session_bad_magic",
  9: "session_bad_version",
  10: "session_bad_type",
  11: "fragmented",
  12: "no_live_server",
  13: "failover_stale",
};

export const LB_SCOPE: Scope = {
  tables: [LB_NAMES.vip, LB_NAMES.serverSource, LB_NAMES.newSessionSelect, LB_NAMES.serverMap, LB_NAMES.failoverSelect, LB_NAMES.ipv4Lpm],
  profiles: [LB_NAMES.newSessionSelector, LB_NAMES.failoverSelector],
  defaultTables: [LB_NAMES.detectConfig],
  digests: [LB_NAMES.downDigest],
};

/** Each mark-down is its own list, sent at once; acks are immediate (the client acks on receipt). */
export const DOWN_DIGEST_CONFIG = { maxTimeoutNs: 0n, maxListSize: 1, ackTimeoutNs: 1_000_000_000n } as const;

export type ServerMode = "up" | "down" | "draining";

export interface ServerView {
  readonly config: ServerConfig;
  readonly mode: ServerMode;
  /** server_map generation (1..65535): bumped whenever the controller brings the server back. */
  readonly generation: number;
}

/** Everything in the topology except the servers (which change at run time). */
export type LbTopology = Pick<TopologyConfig, "vips" | "switches" | "failure">;

/** What differs between switches: where the servers hang off and the routes. */
export type LbSwitch = Pick<SwitchConfig, "serverPorts" | "routes">;

function pickParams(s: ServerConfig): Record<string, string | number> {
  return { server_id: s.id, server_addr: s.ip, server_port: s.dataPort };
}

function routeEntry(prefix: string, port: number, srcMac: string, dstMac: string): Entity {
  return tableEntry(LB_NAMES.ipv4Lpm, {
    match: { "hdr.ipv4.dst_addr": prefix },
    action: action(LB_NAMES.route, { port, src_mac: srcMac, dst_mac: dstMac }),
  });
}

export interface LbExtras {
  /**
   * Ids of servers removed at run time. Sessions may still name them as secondary, so their
   * failover groups stay (holding live servers only) for those sessions' next failover.
   */
  readonly retiredSecondaries?: readonly number[];
  /** Switch time units per microsecond: 1 on v1model (microseconds), 1000 on TNA (nanoseconds). */
  readonly timeUnitsPerUs?: number;
  /** The switch being programmed (default: the topology's first). */
  readonly switch?: LbSwitch;
}

/** Switch time units per microsecond for a program's architecture (P4Info pkg_info.arch). */
export function timeUnitsPerUs(arch: string | undefined): number {
  return arch === "tna" || arch === "t2na" ? 1000 : 1;
}

export function desiredLbState(topology: LbTopology, servers: readonly ServerView[], extras: LbExtras = {}): DesiredState {
  const retiredSecondaries = extras.retiredSecondaries ?? [];
  const timeoutInSwitchUnits = topology.failure.responseTimeoutUs * (extras.timeUnitsPerUs ?? 1);
  const sw = extras.switch ?? topology.switches[0];
  const vipOf = new Map<string, VipConfig>(topology.vips.map((v) => [v.name, v]));
  const routerMac = topology.vips[0].mac;
  const sorted = [...servers].sort((a, b) => a.config.id - b.config.id);
  const live = sorted.filter((s) => s.mode === "up");
  const entities: Entity[] = [];

  for (const vip of topology.vips) {
    entities.push(tableEntry(LB_NAMES.vip, { match: { "hdr.ipv4.dst_addr": vip.ip, "hdr.udp.dst_port": vip.port }, action: action(LB_NAMES.setVip) }));
  }
  entities.push(
    tableEntry(LB_NAMES.detectConfig, { isDefault: true, action: action(LB_NAMES.setFailureTimeout, { timeout_us: timeoutInSwitchUnits }) }),
  );

  entities.push({ type: "digest_entry", digest: LB_NAMES.downDigest, config: DOWN_DIGEST_CONFIG });

  for (const s of sorted) {
    const vip = vipOf.get(s.config.vip) ?? topology.vips[0];
    entities.push(
      tableEntry(LB_NAMES.serverSource, {
        match: { "hdr.ipv4.src_addr": s.config.ip, "hdr.udp.src_port": s.config.dataPort },
        action: action(LB_NAMES.fromServer, { server_id: s.config.id, vip_addr: vip.ip, vip_port: vip.port }),
      }),
    );
  }

  // Members for every configured server, in id order (see the header: identical routing on every switch).
  for (const s of sorted) entities.push(member(LB_NAMES.newSessionSelector, s.config.id, { name: LB_NAMES.pickNewServer, params: pickParams(s.config) }));
  for (const s of sorted) entities.push(member(LB_NAMES.failoverSelector, s.config.id, { name: LB_NAMES.pickFailoverServer, params: pickParams(s.config) }));

  // New sessions: each VIP's live servers only.
  topology.vips.forEach((vip, i) => {
    const pool = live.filter((s) => s.config.vip === vip.name);
    if (pool.length === 0) return;
    entities.push(group(LB_NAMES.newSessionSelector, NEW_SESSION_GROUP + i, pool.map((s) => ({ memberId: s.config.id, weight: 1 }))));
    entities.push(tableEntry(LB_NAMES.newSessionSelect, { match: { "hdr.ipv4.dst_addr": vip.ip }, action: groupAction(NEW_SESSION_GROUP + i) }));
  });

  // Known sessions: primaries the controller considers up.
  for (const s of live) {
    entities.push(
      tableEntry(LB_NAMES.serverMap, {
        match: { "meta.primary_id": s.config.id },
        action: action(LB_NAMES.setPrimary, { server_addr: s.config.ip, server_port: s.config.dataPort, generation: s.generation }),
      }),
    );
  }

  // Failover: for every possible secondary X, the live servers of X's pool other than X (X alone if it is the last).
  // A retired secondary's pool is no longer known: the first VIP's.
  const poolOf = new Map<number, string>(sorted.map((s) => [s.config.id, s.config.vip]));
  const secondaries = [...new Set([...sorted.map((s) => s.config.id as number), ...retiredSecondaries])].sort((a, b) => a - b);
  for (const x of secondaries) {
    const pool = live.filter((s) => s.config.vip === (poolOf.get(x) ?? topology.vips[0].name));
    if (pool.length === 0) continue;
    const others = pool.filter((s) => s.config.id !== x);
    const members = (others.length > 0 ? others : pool).map((s) => ({ memberId: s.config.id, weight: 1 }));
    entities.push(group(LB_NAMES.failoverSelector, x, members));
    entities.push(tableEntry(LB_NAMES.failoverSelect, { match: { "meta.secondary_id": x }, action: groupAction(x) }));
  }

  // Routes: a /32 to every server, then the switch's routes (a server's /32 wins a duplicate).
  const prefixes = new Set<string>();
  for (const s of sorted) {
    const prefix = `${s.config.ip}/32`;
    prefixes.add(prefix);
    entities.push(routeEntry(prefix, sw.serverPorts.get(s.config.id) ?? s.config.switchPort, routerMac, s.config.mac));
  }
  for (const r of sw.routes as readonly RouteConfig[]) {
    if (prefixes.has(r.prefix)) continue;
    prefixes.add(r.prefix);
    entities.push(routeEntry(r.prefix, r.switchPort, routerMac, r.mac));
  }
  return { entities };
}
