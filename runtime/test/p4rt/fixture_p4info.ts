/** A hand-written P4Info covering every kind of object the client names (tests only). */
import { parseP4Info, type P4Info } from "../../src/p4rt/p4info.ts";

export const FIXTURE_P4INFO_TEXT = `
tables {
  preamble { id: 1001 name: "MyIngress.route" alias: "route" }
  match_fields { id: 1 name: "hdr.ipv4.dstAddr" bitwidth: 32 match_type: LPM }
  match_fields { id: 2 name: "hdr.ethernet.dstAddr" bitwidth: 48 match_type: EXACT }
  action_refs { id: 2001 }
  action_refs { id: 2002 }
  direct_resource_ids: 5001
  size: 1024
}
tables {
  preamble { id: 1002 name: "MyIngress.acl" alias: "acl" }
  match_fields { id: 1 name: "hdr.udp.dstPort" bitwidth: 16 match_type: TERNARY }
  match_fields { id: 2 name: "hdr.udp.srcPort" bitwidth: 16 match_type: RANGE }
  action_refs { id: 2002 }
  size: 64
}
tables {
  preamble { id: 1003 name: "MyIngress.pick" alias: "pick" }
  match_fields { id: 1 name: "meta.vip" bitwidth: 8 match_type: EXACT }
  action_refs { id: 2001 }
  implementation_id: 3001
  size: 16
}
tables {
  preamble { id: 1004 name: "MyEgress.route" alias: "egress_route" }
  match_fields { id: 1 name: "x" bitwidth: 8 match_type: EXACT }
  action_refs { id: 2002 }
  size: 16
}
actions {
  preamble { id: 2001 name: "MyIngress.forward" alias: "forward" }
  params { id: 1 name: "port" bitwidth: 9 }
  params { id: 2 name: "dmac" bitwidth: 48 }
}
actions {
  preamble { id: 2002 name: "MyIngress.drop" alias: "drop" }
}
action_profiles {
  preamble { id: 3001 name: "MyIngress.selector" alias: "selector" }
  table_ids: 1003
  with_selector: true
  size: 128
  max_group_size: 8
}
counters {
  preamble { id: 4001 name: "MyIngress.requests" alias: "requests" }
  spec { unit: BOTH }
  size: 16
}
direct_counters {
  preamble { id: 5001 name: "MyIngress.route_hits" alias: "route_hits" }
  spec { unit: BOTH }
  direct_table_id: 1001
}
registers {
  preamble { id: 6001 name: "MyIngress.health" alias: "health" }
  type_spec { bitstring { bit { bitwidth: 8 } } }
  size: 16
}
digests {
  preamble { id: 7001 name: "server_down_t" alias: "server_down_t" }
  type_spec { struct { name: "server_down_t" } }
}
controller_packet_metadata {
  preamble { id: 8001 name: "packet_in" alias: "packet_in" }
  metadata { id: 1 name: "ingress_port" bitwidth: 9 }
}
type_info {
  structs {
    key: "server_down_t"
    value {
      members { name: "server_id" type_spec { bitstring { bit { bitwidth: 16 } } } }
      members { name: "reason" type_spec { bitstring { bit { bitwidth: 8 } } } }
    }
  }
}
`;

export function fixtureP4Info(): P4Info {
  return parseP4Info(FIXTURE_P4INFO_TEXT);
}
