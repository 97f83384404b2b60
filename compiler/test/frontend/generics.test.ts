/**
 * Type-argument inference for package and extern constructors (P4_16 spec, "Type inference"):
 * an instance of a generic package/extern passed as an argument binds the outer package's type
 * parameters; `@optional` parameters of packages, blocks and externs may be left out.
 */
import test from "ava";
import { formatDiagnosticHeadline } from "../../src/diagnostics/format.ts";
import { formatFrontendDiagnostics, runFrontendOnText } from "../../src/frontend.ts";
import { typeToString } from "../../src/check/types.ts";
import type { CheckedProgram, Instantiation } from "../../src/ast/nodes.ts";

/** A two-level architecture in the style of TNA: Pipeline<H, M> inside Top<H0, M0, H1, M1>. */
const ARCH = `#include <core.p4>
parser PrsT<H, M>(packet_in pk, out H hdr, out M md, @optional out bit<8> extra);
control CtlT<H, M>(inout H hdr, inout M md);
extern Box<T> { Box(T init); T get(); }
package Pipe<H, M>(PrsT<H, M> prs, CtlT<H, M> ctl);
package Top<H0, M0, H1, M1>(Pipe<H0, M0> p0, @optional Pipe<H1, M1> p1);
header h_t { bit<8> a; }
struct hs_t { h_t h; }
struct m_t { bit<8> x; }
struct m2_t { bit<16> y; }
parser P(packet_in pk, out hs_t hdr, out m_t md) { state start { pk.extract(hdr.h); transition accept; } }
control C(inout hs_t hdr, inout m_t md) { apply { } }
control C2(inout hs_t hdr, inout m2_t md) { apply { } }
`;

function check(text: string): { program?: CheckedProgram; errors: string[]; rendered: string } {
  const r = runFrontendOnText("g.p4", ARCH + text);
  const errors = r.diagnostics.filter((d) => d.severity === "error").map((d) => formatDiagnosticHeadline(d).replace(/^g\.p4:\d+:\d+: error: /, ""));
  return r.program === undefined ? { errors, rendered: formatFrontendDiagnostics(r) } : { program: r.program, errors, rendered: "" };
}

function instance(p: CheckedProgram, name: string): Instantiation {
  const d = p.program.decls.find((x) => x.kind === "Instantiation" && x.name === name);
  if (d?.kind !== "Instantiation") throw new Error(`no instance ${name}`);
  return d;
}

test("a package instance argument binds the outer package's type parameters", (t) => {
  const r = check("Pipe(P(), C()) pipe;\nTop(pipe) main;\n");
  t.deepEqual(r.errors, [], r.rendered);
  const main = instance(r.program!, "main");
  t.is(main.type.resolved === undefined ? "?" : typeToString(main.type.resolved), "Top<hs_t, m_t, _, _>");
  t.deepEqual(main.boundArgs?.map((b) => `${b.param.name}:${b.value === undefined ? "omitted" : "given"}`), ["p0:given", "p1:omitted"]);
});

test("two instances of the same package bind different type parameters", (t) => {
  const r = check("Pipe(P(), C()) a;\nTop(a, a) main;\n");
  t.deepEqual(r.errors, [], r.rendered);
  const main = instance(r.program!, "main");
  t.is(main.type.resolved === undefined ? "?" : typeToString(main.type.resolved), "Top<hs_t, m_t, hs_t, m_t>");
});

test("inconsistent bindings inside a package argument are reported", (t) => {
  const r = check("Pipe(P(), C2()) pipe;\nTop(pipe) main;\n");
  t.deepEqual(r.errors, ["parameter 'md' of 'C2' has type 'm2_t', but the package needs 'm_t'"]);
});

test("an explicitly typed package parameter rejects an instance with other type arguments", (t) => {
  const r = check("package Fixed(Pipe<hs_t, m2_t> p);\nPipe(P(), C()) pipe;\nFixed(pipe) main;\n");
  t.deepEqual(r.errors, ["argument 'p': expected 'Pipe<hs_t, m2_t>', found 'Pipe<hs_t, m_t>'"]);
});

test("an instance of another package is not accepted", (t) => {
  const r = check("package Other<H, M>(CtlT<H, M> c);\nOther(C()) o;\nTop(o) main;\n");
  t.deepEqual(r.errors, ["argument 'p0': expected a Pipe<H0, M0>, found 'Other<hs_t, m_t>'"]);
});

test("a missing required package argument is reported; an @optional one is not", (t) => {
  const r = check("Top() main;\n");
  t.deepEqual(r.errors, ["missing argument for parameter 'p0' (in the call at g.p4:14:7)"]);
});

test("a block may leave out trailing @optional parameters of its block type, not required ones", (t) => {
  t.deepEqual(check("Pipe(P(), C()) pipe;\nTop(pipe) main;\n").errors, []);
  const r = check("control Short(inout hs_t hdr) { apply { } }\nPipe(P(), Short()) pipe;\nTop(pipe) main;\n");
  t.deepEqual(r.errors, ["argument 'ctl': 'Short' has 1 parameter(s), 'CtlT' needs 2"]);
});

test("extern constructors infer type arguments from a value and from another instance", (t) => {
  const r = check(
    "extern Wrap<T> { Wrap(Box<T> inner); }\n" +
      "control U(inout hs_t hdr, inout m_t md) { Box(8w3) b; Wrap(b) w; apply { md.x = b.get(); } }\nPipe(P(), U()) pipe;\nTop(pipe) main;\n",
  );
  t.deepEqual(r.errors, [], r.rendered);
  const u = r.program!.program.decls.find((d) => d.kind === "ControlDecl" && d.name === "U");
  const types = u?.kind === "ControlDecl" ? u.locals.flatMap((l) => (l.kind === "Instantiation" && l.type.resolved !== undefined ? [typeToString(l.type.resolved)] : [])) : [];
  t.deepEqual(types, ["Box<bit<8>>", "Wrap<bit<8>>"]);
});

test("@optional parameters of controls, extern constructors and extern methods may be left out", (t) => {
  const r = check(
    "extern Meter<T> { Meter(bit<32> size, @optional bool color_aware); T read(in bit<32> index, @optional in T color); }\n" +
      "control Sub(inout m_t md, @optional in bit<8> extra) { apply { } }\n" +
      "control U(inout hs_t hdr, inout m_t md) {\n" +
      "  Meter<bit<8>>(32w4) meter; Sub() sub;\n" +
      "  apply { md.x = meter.read(32w1); sub.apply(md); sub.apply(md, 8w2); }\n" +
      "}\nPipe(P(), U()) pipe;\nTop(pipe) main;\n",
  );
  t.deepEqual(r.errors, [], r.rendered);
  const u = r.program!.program.decls.find((d) => d.kind === "ControlDecl" && d.name === "U");
  const stmts = u?.kind === "ControlDecl" ? u.apply.stmts : [];
  const bound = stmts.map((s) => {
    const call = s.kind === "CallStmt" ? s.call : s.kind === "AssignStmt" && s.value.kind === "CallExpr" ? s.value : undefined;
    return call?.boundArgs?.map((b) => `${b.param.name}:${b.value === undefined ? "omitted" : "given"}`).join(",");
  });
  t.deepEqual(bound, ["index:given,color:omitted", "md:given,extra:omitted", "md:given,extra:given"]);
  const meter = u?.kind === "ControlDecl" ? u.locals.find((l) => l.kind === "Instantiation" && l.name === "meter") : undefined;
  t.deepEqual(meter?.kind === "Instantiation" ? meter.boundArgs?.map((b) => `${b.param.name}:${b.value === undefined ? "omitted" : "given"}`) : [], ["size:given", "color_aware:omitted"]);
});

test("a required parameter cannot be left out, even after an @optional one is given", (t) => {
  const r = check(
    "control Sub(inout m_t md, @optional in bit<8> extra, in bit<8> needed) { apply { } }\n" +
      "control U(inout hs_t hdr, inout m_t md) { Sub() sub; apply { sub.apply(md, 8w1); } }\nPipe(P(), U()) pipe;\nTop(pipe) main;\n",
  );
  t.deepEqual(r.errors, ["missing argument for parameter 'needed'"]);
});

test("an extern instance argument must agree with type arguments given explicitly", (t) => {
  const r = check(
    "extern Wrap<T> { Wrap(Box<T> inner); }\n" +
      "control U(inout hs_t hdr, inout m_t md) { Box(8w3) b; Wrap<bit<16>>(b) w; apply { } }\nPipe(P(), U()) pipe;\nTop(pipe) main;\n",
  );
  t.deepEqual(r.errors, ["type mismatch in argument 'inner': expected 'Box<bit<16>>', found 'Box<bit<8>>'"]);
});
