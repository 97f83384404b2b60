/**
 * good/features.p4 uses the less common constructs together (generic functions, abstract extern
 * methods, sub-parsers, header unions, tuples, stacks, lookahead, value switches with
 * fallthrough); it must check cleanly and be annotated as the back end expects.
 */
import test from "ava";
import { fileURLToPath } from "node:url";
import { join, dirname } from "node:path";
import type { CheckedProgram, ControlDecl, ParserDecl, Stmt } from "../../src/ast/nodes.ts";
import { auditAnnotations } from "../../src/check/annotation_audit.ts";
import { typeToString } from "../../src/check/types.ts";
import { formatFrontendDiagnostics, runFrontend, runFrontendOnText } from "../../src/frontend.ts";
import { readFileSync } from "node:fs";

const here = dirname(fileURLToPath(import.meta.url));

const file = join(here, "good", "features.p4");

function load(): CheckedProgram {
  const r = runFrontend(file);
  if (r.program === undefined || r.diagnostics.length > 0) throw new Error(formatFrontendDiagnostics(r));
  return r.program;
}

function control(p: CheckedProgram, name: string): ControlDecl {
  const d = p.program.decls.find((x) => x.kind === "ControlDecl" && x.name === name);
  if (d?.kind !== "ControlDecl") throw new Error(name);
  return d;
}

function parser(p: CheckedProgram, name: string): ParserDecl {
  const d = p.program.decls.find((x) => x.kind === "ParserDecl" && x.name === name);
  if (d?.kind !== "ParserDecl") throw new Error(name);
  return d;
}

const callOf = (s: Stmt | undefined) => (s?.kind === "CallStmt" ? s.call : s?.kind === "AssignStmt" && s.value.kind === "CallExpr" ? s.value : undefined);

test("features.p4 checks with no errors and full annotations", (t) => {
  const p = load();
  t.deepEqual(auditAnnotations(p.program), []);
});

test("generic functions infer or take their type argument", (t) => {
  const [inferred, explicit] = control(load(), "I").apply.stmts;
  t.deepEqual(callOf(inferred)?.inferredTypeArgs?.map(typeToString), ["bit<8>"]);
  t.deepEqual(callOf(explicit)?.inferredTypeArgs?.map(typeToString), ["bit<16>"]);
  t.is(callOf(explicit)?.boundArgs?.[0]?.value?.constValue, 5n);
});

test("a sub-parser instance is applied with its own parameters", (t) => {
  const start = parser(load(), "P").states[0]!;
  const call = callOf(start.stmts[0]);
  t.is(call?.target?.kind, "parserApply");
  if (call?.target?.kind === "parserApply") t.is(call.target.decl.name, "Sub");
  const la = start.stmts[3];
  t.is(la?.kind === "VarDecl" && la.init?.kind === "CallExpr" ? la.init.inferredTypeArgs?.map(typeToString).join() : "", "bit<16>");
});

test("an extern instance implements its abstract method in an initializer block", (t) => {
  const acc = control(load(), "I").locals[0]!;
  t.is(acc.kind, "Instantiation");
  if (acc.kind !== "Instantiation") return;
  t.deepEqual(acc.initializer?.map((f) => f.name), ["combine"]);
  const missing = readFileSync(file, "utf8").replace(/ = \{\s*bit<8> combine[^}]*\}\s*\}/, "");
  const r = runFrontendOnText(file, missing);
  t.deepEqual(r.diagnostics.map((d) => d.message), ["instance 'acc' must implement abstract method 'combine'"]);
});

test("tuples index to their element types; value switches fall through", (t) => {
  const stmts = control(load(), "I").apply.stmts;
  const idx = stmts[3];
  t.is(idx?.kind === "AssignStmt" && idx.value.type ? typeToString(idx.value.type) : "", "bit<8>");
  const sw = stmts[4];
  if (sw?.kind !== "SwitchStmt") return t.fail();
  t.deepEqual(sw.cases.map((c) => [c.label.kind === "ExprLabel" ? c.label.expr.constValue : "default", c.body !== undefined]), [[1n, false], [2n, true], [3n, true], ["default", true]]);
});

test("generic functions reject an argument that fixes T differently from the result", (t) => {
  const bad = readFileSync(file, "utf8").replace("m.x = id(m.x);", "m.x = id(m.y);");
  t.deepEqual(runFrontendOnText(file, bad).diagnostics.map((d) => d.message), ["type mismatch in assignment: expected 'bit<8>', found 'bit<16>'"]);
});

test("serializable enums in headers, selects, keys, comparisons, casts and switches", (t) => {
  const r = runFrontend(join(here, "good", "serializable_enums.p4"));
  t.deepEqual(r.diagnostics.filter((d) => d.severity === "error"), [], formatFrontendDiagnostics(r));
  const p = r.program!;
  t.deepEqual(auditAnnotations(p.program), []);
  const v4 = parser(p, "P").states[1]!.transition;
  if (v4?.kind !== "SelectTransition") return t.fail();
  const ks = v4.cases[0]!.keyset;
  t.is(ks.kind === "ExprKeyset" ? `${ks.expr.kind}:${ks.expr.constValue}:${typeToString(ks.expr.type!)}` : "", "CastExpr:34525:bit<16>");
  const [toEnum, toBits] = control(p, "I").apply.stmts;
  t.is(toEnum?.kind === "AssignStmt" ? toEnum.value.kind : "", "MemberExpr");
  t.is(toBits?.kind === "AssignStmt" && toBits.value.kind === "CastExpr" ? toBits.value.implicit : false, true);
});
