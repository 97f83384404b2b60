import test from "ava";
import { port, SwitchError } from "../../src/dataplane/api.ts";
import { createSwitch } from "../../src/dataplane/index.ts";

/**
 * h { dst:8, kind:8, csum:16 }; the parser sets h.dst = 0xff when h.kind is in
 * value set "pvs"; csum16 over (dst, kind, payload) is verified after parsing
 * and written into h.csum before deparsing; everything goes to port 1.
 */
function program(): Record<string, unknown> {
  const field = (f: string) => ({ type: "field", value: ["h", f] });
  return {
    header_types: [
      { name: "standard_metadata", id: 0, fields: [["ingress_port", 9, false], ["egress_spec", 9, false], ["egress_port", 9, false], ["instance_type", 32, false], ["packet_length", 32, false], ["checksum_error", 1, false], ["parser_error", 32, false], ["_pad", 4, false]] },
      { name: "h_t", id: 1, fields: [["dst", 8, false], ["kind", 8, false], ["csum", 16, false]] },
    ],
    headers: [
      { name: "standard_metadata", id: 0, header_type: "standard_metadata", metadata: true },
      { name: "h", id: 1, header_type: "h_t", metadata: false },
    ],
    parsers: [
      {
        name: "parser",
        id: 0,
        init_state: "start",
        parse_states: [
          {
            name: "start",
            id: 0,
            parser_ops: [{ op: "extract", parameters: [{ type: "regular", value: "h" }] }],
            transition_key: [field("kind")],
            transitions: [
              { type: "parse_vset", value: "pvs", mask: null, next_state: "mark" },
              { type: "default", value: null, mask: null, next_state: null },
            ],
          },
          {
            name: "mark",
            id: 1,
            parser_ops: [{ op: "set", parameters: [field("dst"), { type: "hexstr", value: "0xff" }] }],
            transition_key: [],
            transitions: [{ type: "default", value: null, mask: null, next_state: null }],
          },
        ],
      },
    ],
    parse_vsets: [{ name: "pvs", id: 0, compressed_bitwidth: 8, max_size: 2 }],
    deparsers: [{ name: "deparser", id: 0, order: ["h"] }],
    calculations: [{ name: "calc", id: 0, algo: "csum16", input: [field("dst"), field("kind"), { type: "payload", value: null }] }],
    checksums: [{ name: "ck", id: 0, target: ["h", "csum"], type: "generic", calculation: "calc", verify: true, update: true, if_cond: null }],
    actions: [{ name: "out", id: 0, runtime_data: [], primitives: [{ op: "assign", parameters: [{ type: "field", value: ["standard_metadata", "egress_spec"] }, { type: "hexstr", value: "0x1" }] }] }],
    pipelines: [
      {
        name: "ingress",
        id: 0,
        init_table: "t",
        tables: [{ name: "t", id: 0, key: [], match_type: "exact", type: "simple", max_size: 1, with_counters: false, action_ids: [0], actions: ["out"], base_default_next: null, next_tables: { out: null }, default_entry: { action_id: 0, action_const: true, action_data: [], action_entry_const: true } }],
        action_profiles: [],
        conditionals: [],
      },
      { name: "egress", id: 1, init_table: null, tables: [], action_profiles: [], conditionals: [] },
    ],
  };
}

function run(sw: ReturnType<typeof createSwitch>, hex: string): string[] {
  const out: string[] = [];
  const stop = sw.onEgress((_p, f) => out.push(Buffer.from(f).toString("hex")));
  sw.inject(port(0), Buffer.from(hex, "hex"));
  stop();
  return out;
}

test("csum16 over fields and payload is written on deparse and verified on parse", (t) => {
  const sw = createSwitch();
  sw.loadPipeline(program());
  // ~(0x0105 + 0xaabb) = 0x543f
  t.deepEqual(run(sw, "01050000aabb"), ["0105543faabb"]);
  t.is(sw.stats()["checksum_errors"], 1, "the zero checksum on the way in did not verify");
  t.deepEqual(run(sw, "0105543faabb"), ["0105543faabb"]);
  t.is(sw.stats()["checksum_errors"], 1, "a correct checksum verifies");
  // Odd payload length: the last byte is padded with zero.
  t.deepEqual(run(sw, "01050000aa"), [`0105${(~(0x0105 + 0xaa00) & 0xffff).toString(16)}aa`]);
});

test("parser value sets steer select() and are managed by the control plane", (t) => {
  const sw = createSwitch();
  sw.loadPipeline(program());
  t.deepEqual(run(sw, "01050000"), ["0105fefa"]);
  sw.control.valueSetAdd("pvs", 5n, 0xffn);
  // dst becomes 0xff: ~(0xff05) = 0x00fa
  t.deepEqual(run(sw, "01050000"), ["ff0500fa"]);
  t.deepEqual(run(sw, "01060000"), ["0106fef9"]);
  const code = (fn: () => void) => t.throws(fn, { instanceOf: SwitchError })?.code;
  t.is(code(() => sw.control.valueSetAdd("pvs", 5n, 0xffn)), "ALREADY_EXISTS");
  t.is(code(() => sw.control.valueSetAdd("pvs", 0x100n, 0xffn)), "INVALID_ARGUMENT");
  t.is(code(() => sw.control.valueSetAdd("nope", 1n, 1n)), "NOT_FOUND");
  sw.control.valueSetAdd("pvs", 0x10n, 0xf0n);
  t.is(code(() => sw.control.valueSetAdd("pvs", 7n, 0xffn)), "RESOURCE_EXHAUSTED");
  t.deepEqual(run(sw, "01170000"), ["ff1700e8"], "masked entry: 0x17 & 0xf0 == 0x10");
  sw.control.valueSetRemove("pvs", 5n, 0xffn);
  t.is(code(() => sw.control.valueSetRemove("pvs", 5n, 0xffn)), "NOT_FOUND");
  t.deepEqual(run(sw, "01050000"), ["0105fefa"]);
});
