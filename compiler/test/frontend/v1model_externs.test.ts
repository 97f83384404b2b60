/**
 * The bundled v1model.p4 declares the externs programs for simple_switch use, with the
 * signatures those programs are written against (good/v1model_externs.p4 calls each of them).
 */
import test from "ava";
import { fileURLToPath } from "node:url";
import { join, dirname } from "node:path";
import type { CallExpr, CheckedProgram, ControlDecl } from "../../src/ast/nodes.ts";
import { auditAnnotations } from "../../src/check/annotation_audit.ts";
import { typeToString } from "../../src/check/types.ts";
import { formatFrontendDiagnostics, runFrontend, runFrontendOnText } from "../../src/frontend.ts";
import { readFileSync } from "node:fs";

const here = dirname(fileURLToPath(import.meta.url));

const file = join(here, "good", "v1model_externs.p4");

function load(): CheckedProgram {
  const r = runFrontend(file);
  if (r.program === undefined || r.diagnostics.length > 0) throw new Error(formatFrontendDiagnostics(r));
  return r.program;
}

function ingressCalls(p: CheckedProgram): CallExpr[] {
  const c = p.program.decls.find((d): d is ControlDecl => d.kind === "ControlDecl" && d.name === "I")!;
  return c.apply.stmts.flatMap((s) => (s.kind === "CallStmt" ? [s.call] : []));
}

test("registers, counters, meters, hashes, digests, clones and checksums check cleanly", (t) => {
  const p = load();
  t.deepEqual(auditAnnotations(p.program), []);
  const names = ingressCalls(p).map((c) => {
    const target = c.target;
    if (target?.kind === "externMethod") return `${target.extern.name}.${target.method.name}`;
    if (target?.kind === "externFunction") return target.decl.name;
    return target?.kind ?? "?";
  });
  t.deepEqual(names, [
    "register.read", "register.write", "register.write", "counter.count", "meter.execute_meter", "hash", "random", "digest",
    "clone_preserving_field_list", "resubmit_preserving_field_list", "truncate", "log_msg", "assert",
    "tableApply", "tableApply", "tableApply",
  ]);
});

test("an extern's missing type argument stays open and literal arguments for it keep their value", (t) => {
  const [read, write] = ingressCalls(load());
  const index = read!.boundArgs![1]!.value!;
  t.is(typeToString(index.type!), "int");
  t.is(index.constValue, 5n);
  t.is(typeToString(write!.boundArgs![1]!.value!.type!), "bit<32>");
});

test("digest with an explicit struct type converts the list argument to that struct", (t) => {
  const digest = ingressCalls(load())[7]!;
  t.is(typeToString(digest.boundArgs![1]!.value!.type!), "digest_t");
});

test("match kinds range, optional and selector come from v1model.p4", (t) => {
  t.deepEqual(load().matchKinds.map((k) => k.name).slice(3), ["range", "optional", "selector"]);
});

test("extern methods check their arguments' directions and types", (t) => {
  const src = readFileSync(file, "utf8");
  const swapped = runFrontendOnText(file, src.replace("reg.read(m.z, 5);", "reg.read(5, m.z);"));
  t.deepEqual(swapped.diagnostics.map((d) => d.message), ["argument for out parameter 'result' must be an l-value"]);
  const unknown = runFrontendOnText(file, src.replace("cnt.count(32w3);", "cnt.reset();"));
  t.deepEqual(unknown.diagnostics.map((d) => d.message), ["extern 'counter' has no method 'reset'"]);
  const wrongType = runFrontendOnText(file, src.replace("truncate(32w64);", "truncate(true);"));
  t.deepEqual(wrongType.diagnostics.map((d) => d.message), ["type mismatch in argument 'length': expected 'bit<32>', found 'bool'"]);
});

test("V1MODEL_VERSION before the include selects the older signatures", (t) => {
  const src = `#define V1MODEL_VERSION 20180101\n${readFileSync(file, "utf8").replace("register<bit<32>, bit<10>>(1024) reg2;", "").replace("reg2.write(10w3, 7);", "")}`;
  const r = runFrontendOnText(file, src);
  t.deepEqual(r.diagnostics.filter((d) => d.severity === "error"), [], formatFrontendDiagnostics(r));
  const read = ingressCalls(r.program!)[0]!;
  t.is(typeToString(read.boundArgs![1]!.value!.type!), "bit<32>");
  const old = runFrontendOnText(file, `#define V1MODEL_VERSION 20180101\n${readFileSync(file, "utf8")}`);
  t.is(old.diagnostics[0]?.message, "'register' expects 1 type argument(s), got 2");
  t.is(old.diagnostics.filter((d) => d.message.startsWith("'register' expects")).length, 1);
});
