/**
 * Compound assignments (`a op= b`, added to the grammar in P4_16 v1.2.5): parsed as the
 * assignment `a = a op b` with `compoundOp` recording the written operator, so later phases
 * see a plain assignment whose value is a checked BinaryExpr.
 */
import test from "ava";
import type { AssignStmt, CheckedProgram, Expr } from "../../src/ast/nodes.ts";
import { formatDiagnosticHeadline } from "../../src/diagnostics/format.ts";
import { formatFrontendDiagnostics, runFrontendOnText } from "../../src/frontend.ts";
import { typeToString } from "../../src/check/types.ts";

function program(stmts: string): string {
  return `#include <core.p4>
#include <v1model.p4>
header h_t { bit<8> a; }
struct H { h_t h; }
struct M { bit<8> x; bit<16> y; int<8> s; bool f; }
parser P(packet_in pk, out H hdr, inout M m, inout standard_metadata_t sm) {
    state start { pk.extract(hdr.h); transition accept; }
}
control VC(inout H hdr, inout M m) { apply { } }
control I(inout H hdr, inout M m, inout standard_metadata_t sm) {
    apply {
${stmts}
    }
}
control E(inout H hdr, inout M m, inout standard_metadata_t sm) { apply { } }
control CC(inout H hdr, inout M m) { apply { } }
control D(packet_out pk, in H hdr) { apply { pk.emit(hdr.h); } }
V1Switch(P(), VC(), I(), E(), CC(), D()) main;
`;
}

function assignments(p: CheckedProgram): AssignStmt[] {
  const c = p.program.decls.find((d) => d.kind === "ControlDecl" && d.name === "I");
  if (c?.kind !== "ControlDecl") throw new Error("no ingress");
  return c.apply.stmts.filter((s): s is AssignStmt => s.kind === "AssignStmt");
}

const typeOf = (e: Expr): string => (e.type === undefined ? "?" : typeToString(e.type));

function errors(stmts: string): string[] {
  return runFrontendOnText("c.p4", program(stmts)).diagnostics.filter((d) => d.severity === "error").map(formatDiagnosticHeadline);
}

test("every compound operator becomes `a = a op b`, typed like the plain operator", (t) => {
  const ops = ["*=", "/=", "%=", "+=", "-=", "|+|=", "|-|=", "<<=", ">>=", "&=", "|=", "^="];
  const r = runFrontendOnText("c.p4", program(ops.map((op) => `        m.x ${op} 8w4;`).join("\n")));
  if (r.program === undefined) return t.fail(formatFrontendDiagnostics(r));
  const stmts = assignments(r.program);
  t.deepEqual(stmts.map((s) => s.compoundOp), ["*", "/", "%", "+", "-", "|+|", "|-|", "<<", ">>", "&", "|", "^"]);
  for (const s of stmts) {
    t.is(s.value.kind, "BinaryExpr");
    if (s.value.kind !== "BinaryExpr") continue;
    t.true(s.value.op === s.compoundOp);
    t.is(typeOf(s.value), "bit<8>");
    // The operand is a copy of the target: each node has one parent and its own annotations.
    t.not(s.value.left, s.target);
    t.is(s.value.left.kind === "MemberExpr" && s.value.left.member, "x");
  }
  return undefined;
});

test("an unsized right operand takes the target's width; a plain `=` has no compoundOp", (t) => {
  const r = runFrontendOnText("c.p4", program("        m.y += 1;\n        m.y = 2;"));
  if (r.program === undefined) return t.fail(formatFrontendDiagnostics(r));
  const [add, plain] = assignments(r.program);
  t.is(add!.value.kind === "BinaryExpr" ? typeOf(add!.value.right) : "", "bit<16>");
  t.is(plain!.compoundOp, undefined);
  return undefined;
});

test("compound assignments are type-checked like the operator they stand for", (t) => {
  t.deepEqual(errors("        m.f += true;"), ["c.p4:12:9: error: operator '+' cannot be applied to 'bool'"]);
  t.deepEqual(errors("        m.x += m.y;"), ["c.p4:12:9: error: operands of '+' have different types: 'bit<8>' and 'bit<16>'"]);
  t.deepEqual(errors("        m.s /= 2;"), ["c.p4:12:9: error: operator '/' is not defined on signed type 'int<8>'"]);
});

test("a compound operator split by a space is a syntax error", (t) => {
  t.deepEqual(errors("        m.x + = 1;"), ["c.p4:12:15: error: syntax error, unexpected '='"]);
  t.deepEqual(errors("        m.x >> = 1;"), ["c.p4:12:16: error: syntax error, unexpected '='"]);
});
