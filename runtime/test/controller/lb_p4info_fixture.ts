/**
 * A P4Info with the tables, actions, profiles and counters of p4/CONTROL_PLANE.md, written by
 * hand so the desired-state and diff logic can be tested without compiling the program.
 * The tests against the switch use the compiled program instead.
 */
import { parseP4Info, type P4Info } from "../../src/p4rt/p4info.ts";

const table = (id: number, name: string, fields: [string, number, string][], actions: number[], extra = ""): string => `
tables {
  preamble { id: ${id} name: "${name}" alias: "${name.split(".").pop()}" }
  ${fields.map(([n, w, k], i) => `match_fields { id: ${i + 1} name: "${n}" bitwidth: ${w} match_type: ${k} }`).join("\n  ")}
  ${actions.map((a) => `action_refs { id: ${a} }`).join("\n  ")}
  ${extra}
  size: 1024
}`;

const act = (id: number, name: string, params: [string, number][]): string => `
actions {
  preamble { id: ${id} name: "${name}" alias: "${name.split(".").pop()}" }
  ${params.map(([n, w], i) => `params { id: ${i + 1} name: "${n}" bitwidth: ${w} }`).join("\n  ")}
}`;

const counter = (id: number, name: string, size: number): string => `
counters {
  preamble { id: ${id} name: "${name}" alias: "${name.split(".").pop()}" }
  spec { unit: BOTH }
  size: ${size}
}`;

export const LB_P4INFO_TEXT = [
  table(1, "SessionLbIngress.classify.vip", [["hdr.ipv4.dst_addr", 32, "EXACT"], ["hdr.udp.dst_port", 16, "EXACT"]], [101, 100]),
  table(2, "SessionLbIngress.classify.server_source", [["hdr.ipv4.src_addr", 32, "EXACT"], ["hdr.udp.src_port", 16, "EXACT"]], [102, 100]),
  table(3, "SessionLbIngress.session_select.new_session_select", [["hdr.ipv4.dst_addr", 32, "EXACT"]], [103, 100], "implementation_id: 301"),
  table(4, "SessionLbIngress.session_select.server_map", [["meta.primary_id", 16, "EXACT"]], [104, 100]),
  table(5, "SessionLbIngress.failover.failover_select", [["meta.secondary_id", 16, "EXACT"]], [105, 100], "implementation_id: 302"),
  table(6, "SessionLbIngress.failure_detect.detect_config", [], [106]),
  table(7, "SessionLbIngress.forwarding.ipv4_lpm", [["hdr.ipv4.dst_addr", 32, "LPM"]], [107, 108]),
  act(100, "NoAction", []),
  act(101, "SessionLbIngress.classify.set_vip", []),
  act(102, "SessionLbIngress.classify.from_server", [["server_id", 16], ["vip_addr", 32], ["vip_port", 16]]),
  act(103, "SessionLbIngress.session_select.pick_new_server", [["server_id", 16], ["server_addr", 32], ["server_port", 16]]),
  act(104, "SessionLbIngress.session_select.set_primary", [["server_addr", 32], ["server_port", 16], ["generation", 16]]),
  act(105, "SessionLbIngress.failover.pick_failover_server", [["server_id", 16], ["server_addr", 32], ["server_port", 16]]),
  act(106, "SessionLbIngress.failure_detect.set_failure_timeout", [["timeout_us", 48]]),
  act(107, "SessionLbIngress.forwarding.route", [["port", 9], ["src_mac", 48], ["dst_mac", 48]]),
  act(108, "SessionLbIngress.forwarding.no_route", []),
  `action_profiles { preamble { id: 301 name: "SessionLbIngress.session_select.new_session_selector" alias: "new_session_selector" } table_ids: 3 with_selector: true size: 4096 }`,
  `action_profiles { preamble { id: 302 name: "SessionLbIngress.failover.failover_selector" alias: "failover_selector" } table_ids: 5 with_selector: true size: 4096 }`,
  counter(401, "SessionLbIngress.stats.server_requests", 65536),
  counter(402, "SessionLbIngress.stats.server_responses", 65536),
  counter(403, "SessionLbIngress.stats.server_failovers", 65536),
  counter(404, "SessionLbIngress.stats.server_marked_down", 65536),
  counter(405, "SessionLbIngress.stats.drop_reasons", 16),
  `digests { preamble { id: 501 name: "server_down_digest_t" alias: "server_down_digest_t" } type_spec { struct { name: "server_down_digest_t" } } }`,
  `type_info { structs { key: "server_down_digest_t" value {
    members { name: "server_id" type_spec { bitstring { bit { bitwidth: 16 } } } }
    members { name: "detected_at" type_spec { bitstring { bit { bitwidth: 48 } } } }
    members { name: "oldest_request_at" type_spec { bitstring { bit { bitwidth: 48 } } } } } } }`,
].join("\n");

export function lbP4Info(): P4Info {
  return parseP4Info(LB_P4INFO_TEXT);
}
