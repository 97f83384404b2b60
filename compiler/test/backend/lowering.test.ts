import test from "ava";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSwitch, port } from "../../../bmv2/src/dataplane/index.ts";
import { compileFile, type CompileResult } from "../../src/index.ts";

// Lowering of control flow the conformance corpus does not cover, checked on the JSON shape
// and by running packets through our switch.
type J = any;

const skeleton = (ingress: string) => `
#include <core.p4>
#include <v1model.p4>
header h_t { bit<8> a; bit<8> b; bit<8> c; }
struct headers_t { h_t h; }
struct meta_t { bit<8> m; }
parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
  state start { pkt.extract(hdr.h); transition accept; }
}
control VC(inout headers_t hdr, inout meta_t meta) { apply { } }
control I(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
${ingress}
}
control E(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }
control C(inout headers_t hdr, inout meta_t meta) { apply { } }
control D(packet_out pkt, in headers_t hdr) { apply { pkt.emit(hdr.h); } }
V1Switch(P(), VC(), I(), E(), C(), D()) main;
`;

function compileText(text: string): CompileResult {
  const dir = mkdtempSync(join(tmpdir(), "slb-lowering-"));
  try {
    const file = join(dir, "prog.p4");
    writeFileSync(file, text);
    return compileFile(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs one 3-byte packet through the compiled program; returns [port, bytes] or null when dropped. */
function run(result: CompileResult, bytes: number[], setup?: (sw: ReturnType<typeof createSwitch>) => void): [number, number[]] | null {
  if (!result.ok) throw new Error(result.diagnostics.map((d) => `${d.loc.line}:${d.loc.col} ${d.message}`).join("; "));
  const sw = createSwitch();
  sw.loadPipeline(JSON.parse(JSON.stringify(result.bmv2Json)) as unknown);
  setup?.(sw);
  let out: [number, number[]] | null = null;
  sw.onEgress((p, frame) => {
    out = [p, [...frame]];
  });
  sw.inject(port(1), new Uint8Array(bytes));
  return out;
}

test("if (t.apply().hit) uses the table's __HIT__/__MISS__ successors", (t) => {
  const r = compileText(
    skeleton(`
  action set_b(bit<8> v) { hdr.h.b = v; }
  table t { key = { hdr.h.a : exact; } actions = { set_b; NoAction; } default_action = NoAction(); }
  apply {
    sm.egress_spec = 2;
    if (t.apply().hit) { hdr.h.c = 1; } else { hdr.h.c = 2; }
  }`),
  );
  t.true(r.ok);
  const table = (r as J).bmv2Json.pipelines[0].tables.find((tb: J) => tb.name === "I.t");
  t.deepEqual(Object.keys(table.next_tables), ["__HIT__", "__MISS__"]);
  t.deepEqual(
    run(r, [7, 0, 0], (sw) => sw.control.tableAdd("I.t", [{ kind: "exact", value: 7n }], { kind: "action", call: { action: "I.set_b", args: [9n] } })),
    [2, [7, 9, 1]],
  );
  t.deepEqual(run(r, [8, 0, 0]), [2, [8, 0, 2]]);
});

test("switch on action_run sends each action to its case", (t) => {
  const r = compileText(
    skeleton(`
  action one() { hdr.h.b = 1; }
  action two() { hdr.h.b = 2; }
  table t { key = { hdr.h.a : exact; } actions = { one; two; } default_action = two(); }
  apply {
    sm.egress_spec = 3;
    switch (t.apply().action_run) {
      one: { hdr.h.c = 10; }
      default: { hdr.h.c = 20; }
    }
  }`),
  );
  const add = (sw: ReturnType<typeof createSwitch>) => sw.control.tableAdd("I.t", [{ kind: "exact", value: 1n }], { kind: "action", call: { action: "I.one", args: [] } });
  t.deepEqual(run(r, [1, 0, 0], add), [3, [1, 1, 10]]);
  t.deepEqual(run(r, [5, 0, 0], add), [3, [5, 2, 20]]);
});

test("a switch on a value becomes a chain of comparisons, with fall-through labels", (t) => {
  const r = compileText(
    skeleton(`
  apply {
    sm.egress_spec = 1;
    switch (hdr.h.a) {
      1:
      2: { hdr.h.c = 12; }
      3: { hdr.h.c = 3; }
      default: { hdr.h.c = 99; }
    }
  }`),
  );
  t.deepEqual(run(r, [1, 0, 0])?.[1], [1, 0, 12]);
  t.deepEqual(run(r, [2, 0, 0])?.[1], [2, 0, 12]);
  t.deepEqual(run(r, [3, 0, 0])?.[1], [3, 0, 3]);
  t.deepEqual(run(r, [4, 0, 0])?.[1], [4, 0, 99]);
});

test("an if inside an action becomes jumps; exit stops the pipeline", (t) => {
  const r = compileText(
    skeleton(`
  action pick() {
    if (hdr.h.a > 10) { hdr.h.b = 1; } else { hdr.h.b = 2; }
    hdr.h.c = hdr.h.b + 5;
  }
  apply {
    sm.egress_spec = 4;
    pick();
    if (hdr.h.a == 50) { exit; }
    hdr.h.c = 0;
  }`),
  );
  t.true(r.ok);
  const ops = (r as J).bmv2Json.actions.find((a: J) => a.name === "I.pick").primitives.map((p: J) => p.op);
  t.deepEqual(ops, ["_jump_if_zero", "assign", "_jump", "assign", "assign"]);
  t.deepEqual(run(r, [20, 0, 0])?.[1], [20, 1, 0]);
  t.deepEqual(run(r, [50, 0, 0])?.[1], [50, 1, 6]);
  t.deepEqual(run(r, [5, 0, 0])?.[1], [5, 2, 0]);
});

test("bit slicing, concatenation and casts compute like P4", (t) => {
  const r = compileText(
    skeleton(`
  apply {
    sm.egress_spec = 1;
    bit<16> wide = hdr.h.a ++ hdr.h.b;
    hdr.h.c = wide[11:4];
    hdr.h.b[3:0] = 4w0xf;
    hdr.h.a = (bit<8>)((int<8>)hdr.h.a >> 1);
  }`),
  );
  t.deepEqual(run(r, [0xab, 0xcd, 0])?.[1], [0xd5, 0xcf, 0xbc]);
});

test("applying one table twice is reported with its position, not a crash", (t) => {
  const r = compileText(
    skeleton(`
  table t { key = { hdr.h.a : exact; } actions = { NoAction; } }
  apply { t.apply(); t.apply(); }`),
  );
  t.false(r.ok);
  t.regex(r.diagnostics[0]!.message, /applied more than once/);
  t.true(r.diagnostics[0]!.loc.line > 0);
});

test("resubmit_preserving_field_list keeps the @field_list metadata across the resubmit", (t) => {
  const text = skeleton(`
  apply {
    if (sm.instance_type == 0) {
      meta.m = hdr.h.a + 1;
      resubmit_preserving_field_list(1);
    } else {
      hdr.h.c = meta.m;
      sm.egress_spec = 1;
    }
  }`).replace("struct meta_t { bit<8> m; }", "struct meta_t { @field_list(1) bit<8> m; }");
  const r = compileText(text);
  t.true(r.ok);
  const json = (r as J).bmv2Json;
  t.deepEqual(json.field_lists.map((l: J) => [l.id, l.elements.length]), [[1, 1]]);
  const resubmit = json.actions.flatMap((a: J) => a.primitives).find((p: J) => p.op === "resubmit");
  t.deepEqual(resubmit.parameters, [{ type: "hexstr", value: "0x1" }]);
  t.deepEqual(run(r, [4, 0, 0]), [1, [4, 0, 5]]);
});

test("an action called with a stack element at a run-time index and a constant `in` argument", (t) => {
  const r = compileText(`
#include <core.p4>
#include <v1model.p4>
header idx_t { bit<8> i; }
header e_t { bit<8> v; }
struct headers_t { idx_t idx; e_t[3] s; }
struct meta_t { }
parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
  state start { pkt.extract(hdr.idx); pkt.extract(hdr.s.next); pkt.extract(hdr.s.next); pkt.extract(hdr.s.next); transition accept; }
}
control VC(inout headers_t hdr, inout meta_t meta) { apply { } }
control I(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
  action add(inout e_t e, in bit<8> x) { e.v = e.v + x; }
  apply { sm.egress_spec = 2; add(hdr.s[hdr.idx.i], 5); }
}
control E(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }
control C(inout headers_t hdr, inout meta_t meta) { apply { } }
control D(packet_out pkt, in headers_t hdr) { apply { pkt.emit(hdr.idx); pkt.emit(hdr.s); } }
V1Switch(P(), VC(), I(), E(), C(), D()) main;
`);
  t.deepEqual(run(r, [0, 10, 20, 30]), [2, [0, 15, 20, 30]]);
  t.deepEqual(run(r, [2, 10, 20, 30]), [2, [2, 10, 20, 35]]);
  // Out of the stack's bounds: no element changes.
  t.deepEqual(run(r, [7, 10, 20, 30]), [2, [7, 10, 20, 30]]);
});

test("a bit slice passed to an action's inout parameter is updated in place, the rest of the field kept", (t) => {
  const r = compileText(
    skeleton(`
  action bump(inout bit<4> x) { x = x + 1; }
  apply { sm.egress_spec = 2; bump(hdr.h.b[7:4]); bump(hdr.h.c[3:0]); }`),
  );
  t.deepEqual(run(r, [1, 0x25, 0x3f]), [2, [1, 0x35, 0x30]]);
});
