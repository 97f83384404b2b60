/**
 * The control-plane names and numbers of p4/CONTROL_PLANE.md as TypeScript constants, for the
 * controller and the tests: fully qualified P4Info / BMv2 JSON names, key field names, action
 * parameter names, drop-reason and event indexes. p4/test/contract.test.ts holds them to the
 * P4Info our compiler produces and to p4/shared/defines.p4.
 */

export type Arch = "v1model" | "tna";

/** Top-level ingress control of each program; every name below (but the value set) starts with it. */
export const INGRESS_CONTROL: Readonly<Record<Arch, string>> = { v1model: "SessionLbIngress", tna: "SessionLbTnaIngress" };
/** Ingress parser of each program, which holds the session_ports value set. */
export const INGRESS_PARSER: Readonly<Record<Arch, string>> = { v1model: "SessionLbParser", tna: "SessionLbTnaIngressParser" };

/** UDP port the parser looks for the session header on (defines.p4 SLB_SESSION_PORT), besides the session_ports value set. */
export const SESSION_PORT = 7700;
/** detect_config's default timeout (defines.p4 DEFAULT_FAILURE_TIMEOUT_US). */
export const DEFAULT_FAILURE_TIMEOUT_US = 1_000_000n;
/** Size of every per-server register and counter: indexed directly by server id. */
export const SERVER_INDEX_COUNT = 65536;

/** defines.p4 DROP_*: index into the drop_reasons counter. */
export const DropReason = {
  NotIpv4: 1,
  BadIpv4Header: 2,
  BadIpv4Checksum: 3,
  TtlExpired: 4,
  NoRoute: 5,
  SessionTruncated: 6,
  SessionMissing: 7,
  SessionBadMagic: 8,
  SessionBadVersion: 9,
  SessionBadType: 10,
  Fragmented: 11,
  NoLiveServer: 12,
  FailoverStale: 13,
} as const;
export type DropReason = (typeof DropReason)[keyof typeof DropReason];
export const DROP_REASON_COUNT = 16;

/** defines.p4 EVENT_*: index into the events counter. */
export const LbEvent = { InvalidCookie: 1, FailoverToSecondary: 2 } as const;
export type LbEvent = (typeof LbEvent)[keyof typeof LbEvent];
export const EVENT_COUNT = 8;

/** Name of the server-down digest (its P4Info name is the struct type's name) and its fields in order. */
export const SERVER_DOWN_DIGEST = "server_down_digest_t";
export const SERVER_DOWN_DIGEST_FIELDS = ["server_id", "detected_at", "oldest_request_at"] as const;

/** Key field names as P4Info spells them. */
export const KeyField = {
  dstAddr: "hdr.ipv4.dst_addr",
  srcAddr: "hdr.ipv4.src_addr",
  udpDstPort: "hdr.udp.dst_port",
  udpSrcPort: "hdr.udp.src_port",
  primaryId: "meta.primary_id",
  secondaryId: "meta.secondary_id",
} as const;

/** The failure-detection registers; on TNA the pending time is a pair with its generation (one access per packet). */
export interface V1modelFailureRegisters {
  readonly pendingSince: string;
  readonly lastResponseAt: string;
  readonly downGeneration: string;
}
export interface TnaFailureRegisters {
  readonly pending: string;
  readonly downGeneration: string;
  readonly lastResponseAt: string;
}
type FailureRegisters<A extends Arch> = A extends "v1model" ? V1modelFailureRegisters : TnaFailureRegisters;

/** Every table, action, selector, register and counter of one program, fully qualified. */
export function sessionLbNames<A extends Arch>(arch: A) {
  const q = (local: string) => `${INGRESS_CONTROL[arch]}.${local}`;
  const registers: V1modelFailureRegisters | TnaFailureRegisters =
    arch === "v1model"
      ? { pendingSince: q("failure_detect.pending_since"), lastResponseAt: q("failure_detect.last_response_at"), downGeneration: q("failure_detect.down_generation") }
      : { pending: q("failure_detect.pending"), downGeneration: q("failure_detect.down_generation"), lastResponseAt: q("failure_detect.last_response_at") };
  return {
    tables: {
      vip: q("classify.vip"),
      serverSource: q("classify.server_source"),
      newSessionSelect: q("session_select.new_session_select"),
      serverMap: q("session_select.server_map"),
      failoverSelect: q("failover.failover_select"),
      detectConfig: q("failure_detect.detect_config"),
      ipv4Lpm: q("forwarding.ipv4_lpm"),
    },
    actions: {
      setVip: q("classify.set_vip"),
      fromServer: q("classify.from_server"),
      pickNewServer: q("session_select.pick_new_server"),
      setPrimary: q("session_select.set_primary"),
      pickFailoverServer: q("failover.pick_failover_server"),
      setFailureTimeout: q("failure_detect.set_failure_timeout"),
      route: q("forwarding.route"),
      noRoute: q("forwarding.no_route"),
    },
    selectors: {
      newSession: q("session_select.new_session_selector"),
      failover: q("failover.failover_selector"),
    },
    registers: registers as FailureRegisters<A>,
    valueSets: {
      sessionPorts: `${INGRESS_PARSER[arch]}.session_ports`,
    },
    counters: {
      serverRequests: q("stats.server_requests"),
      serverResponses: q("stats.server_responses"),
      serverFailovers: q("stats.server_failovers"),
      serverMarkedDown: q("stats.server_marked_down"),
      dropReasons: q("stats.drop_reasons"),
      events: q("stats.events"),
    },
  };
}
