/**
 * Checker: the annotations the back end reads (types, references, call targets, bound
 * arguments, constant values, implicit conversions) and the errors for what P4 forbids.
 */
import test from "ava";
import type { AssignStmt, CheckedProgram, ControlDecl, Expr, Stmt } from "../../src/ast/nodes.ts";
import { formatDiagnosticHeadline } from "../../src/diagnostics/format.ts";
import { formatFrontendDiagnostics, runFrontendOnText } from "../../src/frontend.ts";
import { typeToString } from "../../src/check/types.ts";

/** A complete v1model program: `globals` at top level, `ingress` as the ingress control body. */
function program(globals: string, ingress: string): string {
  return `#include <core.p4>
#include <v1model.p4>
header h_t { bit<8> a; bit<16> b; }
header v_t { varbit<64> opts; }
struct H { h_t h; h_t[3] hs; }
struct M { bit<8> x; bit<16> y; bit<32> z; int<8> s; bool f; }
${globals}
parser P(packet_in pk, out H hdr, inout M m, inout standard_metadata_t sm) {
    state start { pk.extract(hdr.h); transition accept; }
}
control VC(inout H hdr, inout M m) { apply { } }
control I(inout H hdr, inout M m, inout standard_metadata_t sm) {
${ingress}
}
control E(inout H hdr, inout M m, inout standard_metadata_t sm) { apply { } }
control CC(inout H hdr, inout M m) { apply { } }
control D(packet_out pk, in H hdr) { apply { pk.emit(hdr.h); } }
V1Switch(P(), VC(), I(), E(), CC(), D()) main;
`;
}

function ok(globals: string, ingress: string): CheckedProgram {
  const r = runFrontendOnText("t.p4", program(globals, ingress));
  if (r.program === undefined) throw new Error(formatFrontendDiagnostics(r));
  return r.program;
}

function errors(globals: string, ingress: string): string[] {
  const r = runFrontendOnText("t.p4", program(globals, ingress));
  return r.diagnostics.filter((d) => d.severity === "error").map((d) => formatDiagnosticHeadline(d).replace(/^t\.p4:\d+:\d+: error: /, ""));
}

function ingress(p: CheckedProgram): ControlDecl {
  const c = p.program.decls.find((d) => d.kind === "ControlDecl" && d.name === "I");
  if (c?.kind !== "ControlDecl") throw new Error("no ingress");
  return c;
}

function applyStmts(p: CheckedProgram): Stmt[] {
  return ingress(p).apply.stmts;
}

function assignAt(p: CheckedProgram, i: number): AssignStmt {
  const s = applyStmts(p)[i];
  if (s?.kind !== "AssignStmt") throw new Error(`statement ${i} is ${s?.kind}`);
  return s;
}

const typeOf = (e: Expr): string => (e.type === undefined ? "?" : typeToString(e.type));

test("unsized literals take the type their context needs, wrapped to its width", (t) => {
  const p = ok("", "apply { m.x = 300; m.y = m.y + 1; m.s = -1; }");
  const a = assignAt(p, 0);
  t.is(typeOf(a.value), "bit<8>");
  t.is(a.value.constValue, 44n);
  const sum = assignAt(p, 1).value;
  t.is(sum.kind, "BinaryExpr");
  if (sum.kind === "BinaryExpr") t.is(typeOf(sum.right), "bit<16>");
  t.is(assignAt(p, 2).value.constValue, -1n);
});

test("constants fold with wrap-around, and widths may be constant expressions", (t) => {
  const p = ok("const bit<8> K = 8w255 + 8w2; const int W = 4; typedef bit<(W * 2 + 1)> w9_t;", "w9_t v; apply { v = 0; m.x = K; }");
  const k = p.program.decls.find((d) => d.kind === "ConstDecl" && d.name === "K");
  t.is(k?.kind === "ConstDecl" ? k.value.constValue : undefined, 1n);
  const v = ingress(p).locals.find((l) => l.kind === "VarDecl");
  t.is(v?.kind === "VarDecl" && v.type.resolved ? typeToString(v.type.resolved) : "", "bit<9>");
  const use = assignAt(p, 1).value;
  t.is(use.kind === "PathExpr" ? use.ref?.kind : "", "ConstDecl");
  t.is(use.constValue, 1n);
});

test("slices, concatenation, shifts and saturating arithmetic have the right types", (t) => {
  const p = ok("", "apply { m.x = hdr.h.b[11:4]; m.z = hdr.h.b ++ hdr.h.b; m.y = hdr.h.b << 3; m.x = m.x |+| 8w250; }");
  t.is(typeOf(assignAt(p, 0).value), "bit<8>");
  t.is(typeOf(assignAt(p, 1).value), "bit<32>");
  t.is(typeOf(assignAt(p, 2).value), "bit<16>");
  t.is(typeOf(assignAt(p, 3).value), "bit<8>");
});

test("a serializable enum converts to its underlying type through an inserted implicit cast", (t) => {
  const p = ok("enum bit<8> Proto { TCP = 6, UDP = 17 }", "apply { m.x = Proto.UDP; }");
  const v = assignAt(p, 0).value;
  t.is(v.kind, "CastExpr");
  if (v.kind !== "CastExpr") return;
  t.true(v.implicit);
  t.is(typeOf(v), "bit<8>");
  t.is(v.constValue, 17n);
  t.is(v.expr.kind === "MemberExpr" ? v.expr.ref?.kind : "", "EnumMember");
  t.is(typeOf(v.expr), "Proto");
});

test("no other implicit conversions: widths, signedness and bool are kept apart", (t) => {
  t.deepEqual(errors("", "apply { m.y = m.x; }"), ["type mismatch in assignment: expected 'bit<16>', found 'bit<8>'"]);
  t.deepEqual(errors("", "apply { m.x = m.s; }"), ["type mismatch in assignment: expected 'bit<8>', found 'int<8>'"]);
  t.deepEqual(errors("", "apply { m.f = 1w1; }"), ["type mismatch in assignment: expected 'bool', found 'bit<1>'"]);
  t.deepEqual(errors("type bit<8> T;", "T v; apply { v = m.x; }"), ["type mismatch in assignment: expected 'T', found 'bit<8>'"]);
  t.deepEqual(errors("", "apply { m.x = (bit<8>)m.y; m.f = (bool)1w1; m.s = (int<8>)m.x; }"), []);
});

test("generic extern calls infer type arguments from their arguments", (t) => {
  const p = ok("", "apply { hash(m.y, HashAlgorithm.crc16, 16w0, { m.x, hdr.h.a }, 16w1024); random(m.x, 0, 7); }");
  const [h, r] = applyStmts(p);
  if (h?.kind !== "CallStmt" || r?.kind !== "CallStmt") return t.fail();
  t.is(h.call.target?.kind, "externFunction");
  t.deepEqual(h.call.inferredTypeArgs?.map(typeToString), ["bit<16>", "bit<16>", "{bit<8>, bit<8>}", "bit<16>"]);
  t.deepEqual(r.call.inferredTypeArgs?.map(typeToString), ["bit<8>"]);
  const lo = r.call.boundArgs?.[1]?.value;
  t.is(lo === undefined ? "" : typeOf(lo), "bit<8>");
});

test("packet_in.extract binds its type argument to the header extracted", (t) => {
  const p = ok("", "apply { }");
  const parser = p.program.decls.find((d) => d.kind === "ParserDecl" && d.name === "P");
  if (parser?.kind !== "ParserDecl") return t.fail();
  const s = parser.states[0]!.stmts[0]!;
  if (s.kind !== "CallStmt") return t.fail();
  t.is(s.call.target?.kind, "externMethod");
  if (s.call.target?.kind === "externMethod") {
    t.is(s.call.target.extern.name, "packet_in");
    t.is(s.call.target.method.params.length, 1);
  }
  t.deepEqual(s.call.inferredTypeArgs?.map(typeToString), ["h_t"]);
});

test("named arguments are matched to parameters and bound in declaration order", (t) => {
  const p = ok("", "action set(out bit<8> dst, in bit<8> src) { dst = src; } apply { set(src = 3, dst = m.x); }");
  const c = applyStmts(p)[0];
  if (c?.kind !== "CallStmt") return t.fail();
  t.is(c.call.target?.kind, "action");
  t.deepEqual(c.call.boundArgs?.map((b) => [b.param.name, b.value ? typeOf(b.value) : "-"]), [["dst", "bit<8>"], ["src", "bit<8>"]]);
});

test("out and inout arguments must be l-values; _ is accepted for out", (t) => {
  t.deepEqual(errors("", "action a(inout bit<8> v) { } apply { a(8w1); }"), ["argument for inout parameter 'v' must be an l-value"]);
  t.deepEqual(errors("", "apply { random(_, 8w0, 8w7); }"), []);
  t.deepEqual(errors("const bit<8> C = 1;", "action a(out bit<8> v) { v = 1; } apply { a(C); }"), ["argument for out parameter 'v' must be an l-value: 'C' is a constant"]);
  t.deepEqual(errors("", "action a(out bit<8> v) { v = 1; } action b(in bit<8> w) { a(w); } apply { b(1); }"),
    ["argument for out parameter 'v' must be an l-value: parameter 'w' is read-only (direction in)"]);
});

test("tables: keys, match kinds, actions, entries and apply results are resolved", (t) => {
  const p = ok("", `
    action fwd(bit<9> port) { sm.egress_spec = port; }
    action drop() { mark_to_drop(sm); }
    table t {
      key = { hdr.h.a : exact; hdr.h.b : ternary; }
      actions = { fwd; drop; }
      default_action = drop();
      const entries = { (1, 0x0f &&& 0xff) : fwd(3); }
    }
    apply { switch (t.apply().action_run) { fwd: { } default: { } } if (t.apply().hit) { m.x = 1; } }`);
  const table = ingress(p).locals.find((l) => l.kind === "TableDecl");
  if (table?.kind !== "TableDecl") return t.fail();
  const key = table.properties[0];
  if (key?.kind === "KeyProperty") t.deepEqual(key.elements.map((k) => k.matchKind.ref?.kind === "DeclaredId" ? k.matchKind.ref.name : ""), ["exact", "ternary"]);
  const entries = table.properties.find((x) => x.kind === "EntriesProperty");
  if (entries?.kind !== "EntriesProperty") return t.fail();
  const entry = entries.entries[0]!;
  t.is(entry.action.name.ref?.kind, "ActionDecl");
  t.deepEqual(entry.action.boundArgs?.map((b) => [b.param.name, b.value ? typeOf(b.value) : "-"]), [["port", "bit<9>"]]);
  t.is(entry.keyset.kind === "TupleKeyset" ? entry.keyset.elements.map((k) => k.kind === "MaskKeyset" ? typeOf(k.mask) : k.kind === "ExprKeyset" ? typeOf(k.expr) : "").join(",") : "", "bit<8>,bit<16>");
  const sw = applyStmts(p)[0];
  if (sw?.kind !== "SwitchStmt") return t.fail();
  const label = sw.cases[0]!.label;
  t.is(label.kind === "ExprLabel" && label.expr.kind === "PathExpr" ? label.expr.ref?.kind : "", "ActionDecl");
  const subject = sw.subject;
  t.is(subject.kind === "MemberExpr" && subject.target.kind === "CallExpr" ? subject.target.target?.kind : "", "tableApply");
  const cond = applyStmts(p)[1];
  t.is(cond?.kind === "IfStmt" ? typeOf(cond.cond) : "", "bool");
});

test("table errors: default action missing from the actions list, entry key arity", (t) => {
  t.deepEqual(errors("", "action a() { } table t { key = { m.x : exact; } actions = { a; } default_action = NoAction(); } apply { t.apply(); }"),
    ["default action 'NoAction' is not in the table's actions list"]);
  t.deepEqual(errors("", "action a(bit<8> v) { } table t { key = { m.x : exact; } actions = { a; } const entries = { (1, 2) : a(1); } } apply { t.apply(); }"),
    ["key set has 2 component(s), expected 1"]);
});

test("table implementation constructors and extern instances are resolved", (t) => {
  const p = ok("", `
    counter(32w16, CounterType.packets) c;
    register<bit<32>>(32w8) r;
    action a() { c.count(32w1); r.write(0, 32w5); r.read(m.z, 1); }
    table t { key = { m.x : exact; } actions = { a; } implementation = action_profile(32w4); }
    apply { t.apply(); }`);
  const table = ingress(p).locals.find((l) => l.kind === "TableDecl");
  const impl = table?.kind === "TableDecl" ? table.properties.find((x) => x.kind === "OtherProperty") : undefined;
  const v = impl?.kind === "OtherProperty" ? impl.value : undefined;
  t.is(v?.kind === "CallExpr" ? v.target?.kind : "", "constructor");
  const reg = ingress(p).locals.find((l) => l.kind === "Instantiation" && l.name === "r");
  t.is(reg?.kind === "Instantiation" ? reg.constructorDecl?.params.length : -1, 1);
  const action = ingress(p).locals.find((l) => l.kind === "ActionDecl");
  const write = action?.kind === "ActionDecl" ? action.body.stmts[1] : undefined;
  t.is(write?.kind === "CallStmt" && write.call.target?.kind === "externMethod" ? write.call.target.method.name : "", "write");
});

test("the package instantiation infers the architecture's type arguments", (t) => {
  const p = ok("", "apply { }");
  const resolved = p.main.type.resolved;
  t.is(resolved?.kind, "package");
  if (resolved?.kind === "package") t.deepEqual(resolved.typeArgs.map(typeToString), ["H", "M"]);
  t.deepEqual(p.main.boundArgs?.map((b) => (b.value?.kind === "CallExpr" && b.value.target?.kind === "constructor" ? b.value.target.decl.name : "?")), ["P", "VC", "I", "E", "CC", "D"]);
});

test("package arguments must match the architecture's block signatures", (t) => {
  const bad = program("", "apply { }").replace("control E(inout H hdr, inout M m, inout standard_metadata_t sm)", "control E(inout H hdr, in M m, inout standard_metadata_t sm)");
  const r = runFrontendOnText("t.p4", bad);
  t.deepEqual(r.diagnostics.map((d) => d.message), ["parameter 'm' of 'E' must be 'inout' to match 'Egress'"]);
});

test("header methods, stacks and size queries", (t) => {
  const p = ok("", "apply { if (hdr.h.isValid()) { hdr.h.setInvalid(); } hdr.hs.push_front(1); m.x = hdr.hs[2].a; m.z = (bit<32>)hdr.hs.size; m.y = (bit<16>)hdr.h.minSizeInBits(); }");
  const s0 = applyStmts(p)[0];
  const cond = s0?.kind === "IfStmt" ? s0.cond : undefined;
  t.is(cond?.kind === "CallExpr" && cond.target?.kind === "builtin" ? cond.target.name : "", "isValid");
  t.is(typeOf(assignAt(p, 2).value), "bit<8>");
  const size = assignAt(p, 4).value;
  t.is(size.constValue, 24n);
});

test("stack indices are bounds-checked when constant", (t) => {
  t.deepEqual(errors("", "apply { m.x = hdr.hs[3].a; }"), ["index 3 out of bounds for 'h_t[3]'"]);
});

test("names resolve to the innermost declaration; locals are visible only after they are declared", (t) => {
  const p = ok("const bit<8> x = 1;", "apply { bit<8> x = 2; m.x = x; }");
  const use = assignAt(p, 1).value;
  t.is(use.kind === "PathExpr" ? use.ref?.kind : "", "VarDecl");
  t.deepEqual(errors("", "apply { m.x = later; bit<8> later = 1; }"), ["undeclared name 'later'"]);
  t.deepEqual(errors("", "apply { { bit<8> inner = 1; } m.x = inner; }"), ["undeclared name 'inner'"]);
  t.deepEqual(errors("", "apply { bit<8> v; bit<8> v; }"), ["'v' is already declared in this scope"]);
});

test("functions: return types are checked and every path must return", (t) => {
  t.deepEqual(errors("bit<8> f(in bit<8> a) { if (a == 0) { return 1; } }", "apply { }"), ["function 'f' does not return a value on every path"]);
  t.deepEqual(errors("bit<8> f(in bit<8> a) { return a == 0; }", "apply { }"), ["type mismatch in return value: expected 'bit<8>', found 'bool'"]);
  const p = ok("bit<8> f(in bit<8> a) { return a + 1; }", "apply { m.x = f(3); }");
  const call = assignAt(p, 0).value;
  t.is(call.kind === "CallExpr" ? call.target?.kind : "", "function");
  t.is(typeOf(call), "bit<8>");
});

test("error and enum members, and match_kind names", (t) => {
  const p = ok("error { Custom }", "apply { if (sm.parser_error == error.Custom) { m.x = 1; } }");
  t.true(p.errors.some((e) => e.name === "Custom") && p.errors.some((e) => e.name === "NoError"));
  t.deepEqual(p.matchKinds.map((k) => k.name), ["exact", "ternary", "lpm", "range", "optional", "selector"]);
  t.deepEqual(errors("", "apply { if (sm.parser_error == error.Nope) { } }"), ["error.Nope is not declared"]);
  t.deepEqual(errors("enum Color { Red }", "apply { Color c = Color.Blue; }"), ["enum 'Color' has no member 'Blue'"]);
});

test("operators reject operand types they are not defined on", (t) => {
  t.deepEqual(errors("", "apply { m.f = m.f + m.f; }"), ["operator '+' cannot be applied to 'bool'"]);
  t.deepEqual(errors("", "apply { m.f = m.x && m.f; }"), ["operator '&&' needs bool operands, found 'bit<8>' and 'bool'"]);
  t.deepEqual(errors("", "apply { m.s = m.s / 2; }"), ["operator '/' is not defined on signed type 'int<8>'"]);
  t.deepEqual(errors("", "apply { m.x = 1 << m.x; }"), ["shifting an unsized integer by a run-time amount: give the integer a width"]);
});

test("struct and list initialisers take the expected struct or header type", (t) => {
  const p = ok("struct P2 { bit<8> a; bool b; }", "apply { P2 v = { a = 1, b = true }; P2 w = { 2, false }; hdr.h = { 1, 2 }; }");
  const [v, w] = applyStmts(p);
  t.is(v?.kind === "VarDecl" && v.init ? typeOf(v.init) : "", "P2");
  t.is(w?.kind === "VarDecl" && w.init ? typeOf(w.init) : "", "P2");
  const hdrInit = assignAt(p, 2).value;
  t.is(typeOf(hdrInit), "h_t");
  t.is(hdrInit.kind === "ListExpr" ? typeOf(hdrInit.elements[1]!) : "", "bit<16>");
  t.deepEqual(errors("struct P2 { bit<8> a; bool b; }", "apply { P2 v = { a = 1 }; }"), ["field 'b' of 'P2' is not initialized"]);
});

test("parser select key sets are typed against the select expressions", (t) => {
  const globals = "";
  const src = program(globals, "apply { }").replace(
    "state start { pk.extract(hdr.h); transition accept; }",
    "state start { pk.extract(hdr.h); transition select(hdr.h.a, hdr.h.b) { (1, 0x800 &&& 0xff00): next; (2..5, _): accept; default: reject; } }\n    state next { transition accept; }",
  );
  const r = runFrontendOnText("t.p4", src);
  t.deepEqual(r.diagnostics.filter((d) => d.severity === "error"), []);
  const parser = r.program!.program.decls.find((d) => d.kind === "ParserDecl" && d.name === "P");
  if (parser?.kind !== "ParserDecl") return t.fail();
  const tr = parser.states[0]!.transition;
  if (tr?.kind !== "SelectTransition") return t.fail();
  t.is(tr.cases[0]!.next.ref?.kind, "ParserState");
  t.is(tr.cases[1]!.next.ref?.kind, "BuiltinDecl");
  const ks = tr.cases[0]!.keyset;
  t.is(ks.kind === "TupleKeyset" && ks.elements[1]!.kind === "MaskKeyset" ? typeOf(ks.elements[1]!.mask) : "", "bit<16>");
  const bad = src.replace("(2..5, _): accept;", "(2..5, _, 3): accept;");
  t.deepEqual(runFrontendOnText("t.p4", bad).diagnostics.map((d) => d.message), ["key set has 3 component(s), expected 2"]);
});

test("undeclared parser states and a missing start state are errors", (t) => {
  const src = program("", "apply { }").replace("transition accept; }", "transition nowhere; }");
  t.deepEqual(runFrontendOnText("t.p4", src).diagnostics.map((d) => d.message), ["undeclared parser state 'nowhere'"]);
  const noStart = program("", "apply { }").replace("state start {", "state begin {");
  t.deepEqual(runFrontendOnText("t.p4", noStart).diagnostics.map((d) => d.message), ["parser 'P' has no 'start' state"]);
});

test("several errors are reported in one run", (t) => {
  t.deepEqual(errors("", "apply { m.x = a; m.y = b; m.f = 3; }"), [
    "undeclared name 'a'",
    "undeclared name 'b'",
    "type mismatch in assignment: expected 'bool', found 'int'",
  ]);
});

test("constructor arguments must be known at compile time", (t) => {
  t.deepEqual(errors("", "register<bit<32>>(m.z) r; apply { }"), ["constructor argument 'size' must be a compile-time constant"]);
  t.deepEqual(errors("const bit<32> N = 64;", "register<bit<32>>(N) r; counter(N * 2, CounterType.bytes) c; apply { }"), []);
});

test("static_assert is evaluated while compiling", (t) => {
  const p = ok("const bool checked = static_assert(V1MODEL_VERSION >= 20200408, \"new v1model\");", "apply { }");
  const c = p.program.decls.find((d) => d.kind === "ConstDecl" && d.name === "checked");
  t.is(c?.kind === "ConstDecl" ? c.value.constValue : undefined, true);
  t.deepEqual(errors("const bool b = static_assert(8w1 == 8w2, \"widths differ\");", "apply { }"), ["static assertion failed: widths differ"]);
  t.deepEqual(errors("", "apply { static_assert(m.x == 1); }"), ["static_assert needs a condition known at compile time"]);
});

test("exit and return are rejected where P4 forbids them", (t) => {
  const inParser = (stmt: string) =>
    runFrontendOnText("t.p4", program("", "apply { }").replace("state start { pk.extract(hdr.h);", `state start { pk.extract(hdr.h); ${stmt}`)).diagnostics.map((d) => d.message);
  t.deepEqual(inParser("exit;"), ["'exit' is not allowed in a parser"]);
  t.deepEqual(inParser("return;"), ["'return' is not allowed in a parser"]);
  t.deepEqual(errors("", "action a() { return; } apply { if (m.f) { exit; } a(); return; }"), []);
  t.deepEqual(errors("", "action a() { return 1; } apply { a(); }"), ["return with a value outside a function that returns a value"]);
});

test("a stack's lastIndex and nextIndex exist only in parsers, as in p4c", (t) => {
  t.deepEqual(errors("", "apply { m.z = hdr.hs.lastIndex; }"), ["'lastIndex' of a header stack can only be used in a parser"]);
});
