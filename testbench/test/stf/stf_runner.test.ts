import test from "ava";
import { type SwitchModel, type PortNumber } from "../../../bmv2/src/dataplane/api.ts";
import { createSwitch } from "../../../bmv2/src/dataplane/index.ts";
import { comparePacket, parseStf, runStf, StfSyntaxError } from "../../src/stf/index.ts";

test("parses packets, expects with wildcards and $, and table adds with priority", (t) => {
  const cmds = parseStf(
    [
      "# comment",
      "packet 3 0102 03 04  # trailing comment",
      "expect 4 01** 03 $",
      "expect 5",
      "add ex1 100 extra$0.h:0x25** act1(val:0x25, other:7)",
      "setdefault t drop()",
      "mirroring_add 5 4",
      "mc_node_create 400 6 7",
      "wait",
    ].join("\n"),
  );
  t.is(cmds.length, 8);
  const p = cmds[0]!;
  t.true(p.kind === "packet" && p.port === 3 && Buffer.from(p.data).toString("hex") === "01020304");
  const e = cmds[1]!;
  t.true(e.kind === "expect" && e.pattern !== undefined && e.pattern.exactLength && e.pattern.nibbles[2] === undefined);
  const any = cmds[2]!;
  t.true(any.kind === "expect" && any.pattern === undefined);
  const add = cmds[3]!;
  t.true(add.kind === "add");
  if (add.kind === "add") {
    t.is(add.table, "ex1");
    t.is(add.priority, 100);
    t.deepEqual(add.keys, [["extra$0.h", "0x25**"]]);
    t.is(add.action, "act1");
    t.deepEqual(add.args, [["val", "0x25"], ["other", "7"]]);
  }
  const node = cmds[6]!;
  t.true(node.kind === "mc_node_create" && node.rid === 400 && node.ports.join() === "6,7");
});

test("rejects malformed packet data with the line number", (t) => {
  const err = t.throws(() => parseStf("\n\npacket 0 01g2"), { instanceOf: StfSyntaxError });
  t.regex(err!.message, /line 3/);
});

test("comparePacket honours wildcards, prefix matching and the trailing $", (t) => {
  const pattern = (s: string) => {
    const c = parseStf(`expect 0 ${s}`)[0]!;
    if (c.kind !== "expect") throw new Error("not an expect");
    return c.pattern;
  };
  const pkt = Uint8Array.from([0xab, 0xcd, 0xef]);
  t.is(comparePacket(pattern("ab**"), pkt), undefined);
  t.is(comparePacket(pattern("abcdef $"), pkt), undefined);
  t.regex(comparePacket(pattern("abcd $"), pkt)!, /too long/);
  t.regex(comparePacket(pattern("abcdef01"), pkt)!, /too short/);
  t.regex(comparePacket(pattern("abce"), pkt)!, /nibble 3/);
});

/** A one-table program: ingress table t keyed on the first byte, action fwd(port) sets egress_spec. */
function tinySwitch(): SwitchModel {
  const sw = createSwitch();
  sw.loadPipeline({
    header_types: [
      { name: "standard_metadata", id: 0, fields: [["ingress_port", 9, false], ["egress_spec", 9, false], ["egress_port", 9, false], ["mcast_grp", 16, false], ["_pad", 5, false]] },
      { name: "h_t", id: 1, fields: [["b", 8, false]] },
    ],
    headers: [
      { name: "standard_metadata", id: 0, header_type: "standard_metadata", metadata: true },
      { name: "h", id: 1, header_type: "h_t", metadata: false },
    ],
    parsers: [{ name: "parser", id: 0, init_state: "start", parse_states: [{ name: "start", id: 0, parser_ops: [{ op: "extract", parameters: [{ type: "regular", value: "h" }] }], transition_key: [], transitions: [{ type: "default", value: null, mask: null, next_state: null }] }] }],
    deparsers: [{ name: "deparser", id: 0, order: ["h"] }],
    actions: [
      { name: "fwd", id: 0, runtime_data: [{ name: "port", bitwidth: 9 }], primitives: [{ op: "assign", parameters: [{ type: "field", value: ["standard_metadata", "egress_spec"] }, { type: "runtime_data", value: 0 }] }] },
      { name: "drop", id: 1, runtime_data: [], primitives: [{ op: "mark_to_drop", parameters: [{ type: "header", value: "standard_metadata" }] }] },
    ],
    pipelines: [
      { name: "ingress", id: 0, init_table: "ingress.t", tables: [{ name: "ingress.t", id: 0, key: [{ match_type: "ternary", name: "hdr.h.b", target: ["h", "b"], mask: null }], match_type: "ternary", type: "simple", max_size: 16, with_counters: false, action_ids: [0, 1], actions: ["fwd", "drop"], base_default_next: null, next_tables: { fwd: null, drop: null }, default_entry: { action_id: 1, action_const: false, action_data: [], action_entry_const: false } }], action_profiles: [], conditionals: [] },
      { name: "egress", id: 1, init_table: null, tables: [], action_profiles: [], conditionals: [] },
    ],
  });
  return sw;
}

test("runStf passes when outputs match, resolving names by suffix and honouring priorities", (t) => {
  const sw = tinySwitch();
  const r = runStf(
    [
      "add t 10 h.b:0x0* fwd(port:2)",
      "add t 20 h.b:0x01 fwd(port:3)",
      "packet 0 01 aa",
      "expect 3 01 aa $",
      "packet 0 02 bb",
      "expect 2 02 bb $",
      "packet 0 ff",
    ].join("\n"),
    sw,
  );
  t.deepEqual(r.failures, []);
  t.true(r.passed);
  t.is(r.packetsReceived, 2);
});

test("runStf reports unexpected, missing and different packets", (t) => {
  const sw = tinySwitch();
  const r = runStf(["add t 1 h.b:0x**&&&0x00 fwd(port:1)", "packet 0 05", "expect 2 05", "packet 0 06", "expect 1 07"].join("\n"), sw);
  t.false(r.passed);
  t.true(r.failures.some((f) => /port 1 packet 0 .*differs/.test(f)), r.failures.join("\n"));
  t.true(r.failures.some((f) => /port 1: expected 1 packet\(s\), got 2/.test(f)), r.failures.join("\n"));
  t.true(r.failures.some((f) => /port 2: expected 1 packet\(s\), got 0/.test(f)), r.failures.join("\n"));
});

test("runStf reports a bad add (unknown table, bad action parameter) as a failure", (t) => {
  const sw = tinySwitch();
  const r = runStf(["add nosuch h.b:1 fwd(port:1)", "add t 1 h.b:1 fwd(prt:1)"].join("\n"), sw);
  t.false(r.passed);
  t.regex(r.failures[0]!, /line 1: add failed: unknown table "nosuch"/);
  t.regex(r.failures[1]!, /line 2: add failed: .*parameter "port"/);
});

test("multicast commands build groups from nodes", (t) => {
  const sw = tinySwitch();
  const seen: PortNumber[] = [];
  sw.onEgress((p) => seen.push(p));
  const r = runStf(["mc_mgrp_create 7", "mc_node_create 1 4 5", "mc_node_associate 7 0"].join("\n"), sw);
  t.true(r.passed);
  t.deepEqual(seen, []);
  t.notThrows(() => sw.control.multicastGroupDelete(7));
});

test("a data-less expect accepts any number of packets on its port", (t) => {
  const sw = tinySwitch();
  const r = runStf(["add t 1 h.b:0x**&&&0x00 fwd(port:1)", "expect 1", "packet 0 05", "packet 0 06"].join("\n"), sw);
  t.deepEqual(r.failures, []);
  t.is(r.packetsReceived, 2);
  const mixed = runStf(["expect 1", "expect 1 05", "packet 0 05"].join("\n"), sw);
  t.regex(mixed.failures.join("\n"), /both with and without/);
});
