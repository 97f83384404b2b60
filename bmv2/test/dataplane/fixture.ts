/**
 * A small hand-written BMv2 JSON program exercising the control-plane
 * surface: header h { dst:8, kind:8, val:16 } parsed from every frame; ingress
 * dispatches on h.kind to tables of each flavour (exact with direct counter,
 * ternary+range, lpm, action selector, register/counter, clone, multicast,
 * digest, meter, resubmit with a field list, log_msg + assert); egress marks
 * ingress clones by setting h.kind = 0xcc.
 */
const field = (h: string, f: string) => ({ type: "field", value: [h, f] });
const hex = (n: number) => ({ type: "hexstr", value: `0x${n.toString(16)}` });
const rt = (i: number) => ({ type: "runtime_data", value: i });
const expr = (op: string, left: unknown, right: unknown) => ({ type: "expression", value: { op, left, right } });
const prim = (op: string, ...parameters: unknown[]) => ({ op, parameters });

const STD_FIELDS: [string, number, boolean][] = [
  ["ingress_port", 9, false],
  ["egress_spec", 9, false],
  ["egress_port", 9, false],
  ["instance_type", 32, false],
  ["packet_length", 32, false],
  ["enq_timestamp", 32, false],
  ["enq_qdepth", 19, false],
  ["deq_timedelta", 32, false],
  ["deq_qdepth", 19, false],
  ["ingress_global_timestamp", 48, false],
  ["egress_global_timestamp", 48, false],
  ["mcast_grp", 16, false],
  ["egress_rid", 16, false],
  ["checksum_error", 1, false],
  ["parser_error", 32, false],
  ["priority", 3, false],
  ["_padding", 3, false],
];

function table(name: string, key: unknown[], actions: [string, number][], extra: Record<string, unknown> = {}) {
  return {
    name,
    id: 0,
    key,
    match_type: "exact",
    type: "simple",
    max_size: 4,
    with_counters: false,
    support_timeout: false,
    direct_meters: null,
    action_ids: actions.map(([, id]) => id),
    actions: actions.map(([n]) => n),
    base_default_next: null,
    next_tables: Object.fromEntries(actions.map(([n]) => [n, null])),
    ...extra,
  };
}

const constDefault = (id: number) => ({ default_entry: { action_id: id, action_const: true, action_data: [], action_entry_const: true } });

export const ACTION = { fwd: 0, drop: 1, regAct: 2, cloneAct: 3, mcastAct: 4, digestAct: 5, meterAct: 6, markClone: 7, resubmit1: 8, resubmit2: 9, checkAct: 10, fwdColor: 11 } as const;

export function fixtureProgram(): Record<string, unknown> {
  const kindIs = (k: number, then: string, otherwise: string | null, name: string) => ({
    name,
    id: k,
    expression: expr("==", field("h", "kind"), hex(k)),
    true_next: then,
    false_next: otherwise,
  });
  return {
    __meta__: { version: [2, 23], compiler: "fixture" },
    header_types: [
      { name: "scalars_0", id: 0, fields: [["color", 8, false]] },
      { name: "standard_metadata", id: 1, fields: STD_FIELDS },
      { name: "h_t", id: 2, fields: [["dst", 8, false], ["kind", 8, false], ["val", 16, false]] },
    ],
    headers: [
      { name: "scalars", id: 0, header_type: "scalars_0", metadata: true, pi_omit: true },
      { name: "standard_metadata", id: 1, header_type: "standard_metadata", metadata: true, pi_omit: true },
      { name: "h", id: 2, header_type: "h_t", metadata: false, pi_omit: true },
    ],
    header_stacks: [],
    header_union_types: [],
    header_unions: [],
    header_union_stacks: [],
    field_lists: [{ id: 1, name: "keep_color", elements: [field("scalars", "color")] }],
    errors: [["NoError", 0], ["PacketTooShort", 1], ["NoMatch", 2], ["StackOutOfBounds", 3], ["HeaderTooShort", 4], ["ParserTimeout", 5], ["ParserInvalidArgument", 6]],
    enums: [],
    parsers: [
      {
        name: "parser",
        id: 0,
        init_state: "start",
        parse_states: [
          {
            name: "start",
            id: 0,
            parser_ops: [prim("extract", { type: "regular", value: "h" })],
            transitions: [{ type: "default", value: null, mask: null, next_state: null }],
            transition_key: [],
          },
        ],
      },
    ],
    parse_vsets: [],
    deparsers: [{ name: "deparser", id: 0, order: ["h"], primitives: [] }],
    meter_arrays: [
      { name: "ingress.m", id: 0, is_direct: false, rate_count: 2, type: "packets", size: 2 },
      { name: "ingress.dm", id: 1, is_direct: true, binding: "ingress.t_exact", result_target: ["scalars", "color"], rate_count: 2, type: "packets", size: 4 },
    ],
    counter_arrays: [
      { name: "ingress.cnt", id: 0, is_direct: false, size: 4 },
      { name: "ingress.t_exact_counter", id: 1, is_direct: true, binding: "ingress.t_exact" },
    ],
    register_arrays: [{ name: "ingress.reg", id: 0, bitwidth: 16, size: 8 }],
    calculations: [],
    learn_lists: [{ id: 1, name: "digest_t", source_info: {}, elements: [field("h", "dst"), field("h", "val")] }],
    actions: [
      { name: "ingress.fwd", id: ACTION.fwd, runtime_data: [{ name: "port", bitwidth: 9 }], primitives: [prim("assign", field("standard_metadata", "egress_spec"), rt(0))] },
      { name: "ingress.drop", id: ACTION.drop, runtime_data: [], primitives: [prim("mark_to_drop", { type: "header", value: "standard_metadata" })] },
      {
        name: "ingress.reg_act",
        id: ACTION.regAct,
        runtime_data: [],
        primitives: [
          prim("register_write", { type: "register_array", value: "ingress.reg" }, expr("&", field("h", "val"), hex(7)), field("h", "dst")),
          prim("register_read", field("h", "val"), { type: "register_array", value: "ingress.reg" }, hex(0)),
          prim("count", { type: "counter_array", value: "ingress.cnt" }, hex(1)),
          prim("assign", field("standard_metadata", "egress_spec"), hex(1)),
        ],
      },
      {
        name: "ingress.clone_act",
        id: ACTION.cloneAct,
        runtime_data: [],
        primitives: [prim("clone_ingress_pkt_to_egress", hex(5)), prim("assign", field("standard_metadata", "egress_spec"), hex(1))],
      },
      { name: "ingress.mcast_act", id: ACTION.mcastAct, runtime_data: [], primitives: [prim("assign", field("standard_metadata", "mcast_grp"), hex(9))] },
      {
        name: "ingress.digest_act",
        id: ACTION.digestAct,
        runtime_data: [],
        primitives: [prim("generate_digest", hex(1), hex(1)), prim("assign", field("standard_metadata", "egress_spec"), hex(1))],
      },
      {
        name: "ingress.meter_act",
        id: ACTION.meterAct,
        runtime_data: [],
        primitives: [
          prim("execute_meter", { type: "meter_array", value: "ingress.m" }, hex(0), field("scalars", "color")),
          prim("assign", field("h", "val"), field("scalars", "color")),
          prim("assign", field("standard_metadata", "egress_spec"), hex(1)),
        ],
      },
      {
        name: "ingress.resubmit_first",
        id: ACTION.resubmit1,
        runtime_data: [],
        primitives: [prim("assign", field("scalars", "color"), hex(0x5a)), prim("resubmit", hex(1))],
      },
      {
        name: "ingress.resubmit_second",
        id: ACTION.resubmit2,
        runtime_data: [],
        primitives: [
          prim("assign", field("h", "val"), field("scalars", "color")),
          prim("assign", field("h", "dst"), field("standard_metadata", "ingress_port")),
          prim("assign", field("standard_metadata", "egress_spec"), hex(1)),
        ],
      },
      {
        name: "ingress.check",
        id: ACTION.checkAct,
        runtime_data: [],
        primitives: [
          prim("log_msg", { type: "string", value: "val={} dst={}" }, { type: "parameters_vector", value: [field("h", "val"), field("h", "dst")] }),
          prim("assert", expr("!=", field("h", "val"), hex(0))),
          prim("assign", field("standard_metadata", "egress_spec"), hex(1)),
        ],
      },
      {
        name: "ingress.fwd_color",
        id: ACTION.fwdColor,
        runtime_data: [{ name: "port", bitwidth: 9 }],
        primitives: [prim("assign", field("standard_metadata", "egress_spec"), rt(0)), prim("assign", field("h", "val"), field("scalars", "color"))],
      },
      { name: "egress.mark_clone", id: ACTION.markClone, runtime_data: [], primitives: [prim("assign", field("h", "kind"), hex(0xcc))] },
    ],
    pipelines: [
      {
        name: "ingress",
        id: 0,
        init_table: "c1",
        tables: [
          table("ingress.t_exact", [{ match_type: "exact", name: "hdr.h.dst", target: ["h", "dst"], mask: null }], [["ingress.fwd", 0], ["ingress.drop", 1], ["ingress.fwd_color", 11]], {
            with_counters: true,
            default_entry: { action_id: 1, action_const: false, action_data: [], action_entry_const: false },
          }),
          table(
            "ingress.t_range",
            [
              { match_type: "ternary", name: "hdr.h.dst", target: ["h", "dst"], mask: null },
              { match_type: "range", name: "hdr.h.val", target: ["h", "val"], mask: null },
            ],
            [["ingress.fwd", 0], ["ingress.drop", 1]],
            { match_type: "range", default_entry: { action_id: 1, action_const: false, action_data: [], action_entry_const: false } },
          ),
          table("ingress.t_lpm", [{ match_type: "lpm", name: "hdr.h.val", target: ["h", "val"], mask: null }], [["ingress.fwd", 0], ["ingress.drop", 1]], {
            match_type: "lpm",
            default_entry: { action_id: 1, action_const: false, action_data: [], action_entry_const: false },
          }),
          table("ingress.t_sel", [{ match_type: "exact", name: "hdr.h.dst", target: ["h", "dst"], mask: null }], [["ingress.fwd", 0], ["ingress.drop", 1]], {
            type: "indirect_ws",
            action_profile: "ingress.ap",
          }),
          table("tbl_reg", [], [["ingress.reg_act", 2]], constDefault(2)),
          table("tbl_clone", [], [["ingress.clone_act", 3]], constDefault(3)),
          table("tbl_mcast", [], [["ingress.mcast_act", 4]], constDefault(4)),
          table("tbl_digest", [], [["ingress.digest_act", 5]], constDefault(5)),
          table("tbl_meter", [], [["ingress.meter_act", 6]], constDefault(6)),
          table("tbl_resubmit1", [], [["ingress.resubmit_first", 8]], constDefault(8)),
          table("tbl_resubmit2", [], [["ingress.resubmit_second", 9]], constDefault(9)),
          table("tbl_check", [], [["ingress.check", 10]], constDefault(10)),
        ],
        action_profiles: [
          { name: "ingress.ap", id: 0, max_size: 8, selector: { algo: "crc16", input: [field("h", "val")] } },
        ],
        conditionals: [
          kindIs(1, "ingress.t_exact", "c2", "c1"),
          kindIs(2, "ingress.t_range", "c3", "c2"),
          kindIs(3, "ingress.t_lpm", "c4", "c3"),
          kindIs(4, "ingress.t_sel", "c5", "c4"),
          kindIs(5, "tbl_reg", "c6", "c5"),
          kindIs(6, "tbl_clone", "c7", "c6"),
          kindIs(7, "tbl_mcast", "c8", "c7"),
          kindIs(8, "tbl_digest", "c9", "c8"),
          kindIs(9, "tbl_meter", "c10", "c9"),
          kindIs(10, "r1", "c11", "c10"),
          { name: "r1", id: 30, expression: expr("==", field("standard_metadata", "instance_type"), hex(6)), true_next: "tbl_resubmit2", false_next: "tbl_resubmit1" },
          kindIs(11, "tbl_check", null, "c11"),
        ],
      },
      {
        name: "egress",
        id: 1,
        init_table: "e1",
        tables: [table("tbl_mark_clone", [], [["egress.mark_clone", 7]], constDefault(7))],
        action_profiles: [],
        conditionals: [
          { name: "e1", id: 20, expression: expr("==", field("standard_metadata", "instance_type"), hex(1)), true_next: "tbl_mark_clone", false_next: null },
        ],
      },
    ],
    checksums: [],
    force_arith: [],
    extern_instances: [],
    field_aliases: [],
  };
}

/** Frame: h.dst, h.kind, h.val (16 bits) then payload bytes. */
export function frame(dst: number, kind: number, val: number, ...payload: number[]): Uint8Array {
  return Uint8Array.from([dst, kind, val >> 8, val & 0xff, ...payload]);
}
