/**
 * Lexer and parser: literal decoding, operator precedence and associativity, and the shape of
 * the trees built for the P4 constructs v1model programs use.
 */
import test from "ava";
import type { Expr, Keyset, Program, TopLevelDecl } from "../../src/ast/nodes.ts";
import { DiagnosticSink } from "../../src/diagnostics/diagnostic.ts";
import { formatDiagnosticHeadline } from "../../src/diagnostics/format.ts";
import { decodeIntLiteral } from "../../src/lexer/int_literal.ts";
import { parseProgram } from "../../src/parser/parse.ts";
import { preprocessText } from "../../src/preprocess/preprocess.ts";

function parse(text: string): { program?: Program; errors: string[] } {
  const sink = new DiagnosticSink();
  const pp = preprocessText("t.p4", text, {}, sink);
  const program = parseProgram(pp.text, pp.map, sink);
  const errors = sink.items.map(formatDiagnosticHeadline);
  return program === undefined ? { errors } : { program, errors };
}

/** S-expression rendering of an expression tree. */
function show(e: Expr): string {
  switch (e.kind) {
    case "IntLiteral": return e.width === undefined ? `${e.value}` : `${e.width}${e.signed ? "s" : "w"}${e.value}`;
    case "BoolLiteral": return String(e.value);
    case "StringLiteral": return JSON.stringify(e.value);
    case "PathExpr": return (e.global ? "." : "") + e.name;
    case "MemberExpr": return `${show(e.target)}.${e.member}`;
    case "IndexExpr": return `${show(e.target)}[${show(e.index)}]`;
    case "SliceExpr": return `${show(e.target)}[${show(e.hi)}:${show(e.lo)}]`;
    case "CallExpr": return `(call ${show(e.callee)}${e.typeArgs.length ? `<${e.typeArgs.map((t) => t.kind).join(",")}>` : ""}${e.args.map((a) => " " + (a.name ? `${a.name}=` : "") + show(a.value)).join("")})`;
    case "UnaryExpr": return `(${e.op} ${show(e.operand)})`;
    case "BinaryExpr": return `(${e.op} ${show(e.left)} ${show(e.right)})`;
    case "TernaryExpr": return `(? ${show(e.cond)} ${show(e.ifTrue)} ${show(e.ifFalse)})`;
    case "CastExpr": return `(cast ${e.targetType.kind} ${show(e.expr)})`;
    case "ListExpr": return `{${e.elements.map(show).join(" ")}}`;
    case "StructInitExpr": return `{${e.fields.map((f) => `${f.name}=${show(f.value)}`).join(" ")}}`;
    case "DontCareExpr": return "_";
    case "TypeExpr": return `<${e.typeRef.kind}>`;
  }
}

function showKeyset(k: Keyset): string {
  switch (k.kind) {
    case "ExprKeyset": return show(k.expr);
    case "MaskKeyset": return `(&&& ${show(k.value)} ${show(k.mask)})`;
    case "RangeKeyset": return `(.. ${show(k.lo)} ${show(k.hi)})`;
    case "DefaultKeyset": return "default";
    case "DontCareKeyset": return "_";
    case "TupleKeyset": return `(${k.elements.map(showKeyset).join(", ")})`;
  }
}

function exprOf(src: string): string {
  const r = parse(`const int x = ${src};`);
  const d = r.program?.decls[0];
  if (d?.kind !== "ConstDecl") throw new Error(`did not parse: ${r.errors.join("; ")}`);
  return show(d.value);
}

function decl<K extends TopLevelDecl["kind"]>(src: string, kind: K): Extract<TopLevelDecl, { kind: K }> {
  const r = parse(src);
  const d = r.program?.decls.find((x) => x.kind === kind);
  if (d === undefined) throw new Error(`no ${kind}: ${r.errors.join("; ")}`);
  return d as Extract<TopLevelDecl, { kind: K }>;
}

test("integer literals: widths, signedness, bases and separators", (t) => {
  t.deepEqual(decodeIntLiteral("8w5"), { value: 5n, width: 8, signed: false });
  t.deepEqual(decodeIntLiteral("16s7"), { value: 7n, width: 16, signed: true });
  t.deepEqual(decodeIntLiteral("0xFF"), { value: 255n });
  t.deepEqual(decodeIntLiteral("0b1010"), { value: 10n });
  t.deepEqual(decodeIntLiteral("0o17"), { value: 15n });
  t.deepEqual(decodeIntLiteral("0d99"), { value: 99n });
  t.deepEqual(decodeIntLiteral("1_000_000"), { value: 1000000n });
  t.deepEqual(decodeIntLiteral("32w0x0A_00_00_01"), { value: 0x0a000001n, width: 32, signed: false });
  t.is(exprOf("-16s3"), "(- 16s3)");
});

test("bitwise operators bind tighter than comparisons (unlike C)", (t) => {
  t.is(exprOf("a & b == c"), "(== (& a b) c)");
  t.is(exprOf("a | b ^ c & d"), "(| a (^ b (& c d)))");
  t.is(exprOf("a < b | c"), "(< a (| b c))");
});

test("arithmetic, shifts, concatenation and saturating operators", (t) => {
  t.is(exprOf("a + b * c - d"), "(- (+ a (* b c)) d)");
  t.is(exprOf("a + b << 1"), "(<< (+ a b) 1)");
  t.is(exprOf("a >> 2 > b"), "(> (>> a 2) b)");
  t.is(exprOf("a ++ b + c"), "(+ (++ a b) c)");
  t.is(exprOf("a |+| b |-| c"), "(|-| (|+| a b) c)");
  t.is(exprOf("a % b / c"), "(/ (% a b) c)");
});

test("logical operators, negation and the conditional operator", (t) => {
  t.is(exprOf("!a && b || c"), "(|| (&& (! a) b) c)");
  t.is(exprOf("a ? b : c ? d : e"), "(? a b (? c d e))");
  t.is(exprOf("~a + -b"), "(+ (~ a) (- b))");
});

test("casts, slices, indexing, members and calls with type arguments", (t) => {
  t.is(exprOf("(bit<8>) a + 1"), "(+ (cast BitTypeRef a) 1)");
  t.is(exprOf("(int<4>)(bit<4>) a"), "(cast SignedTypeRef (cast BitTypeRef a))");
  t.is(exprOf("(a) + 1"), "(+ a 1)");
  t.is(exprOf("h.f[7:0]"), "h.f[7:0]");
  t.is(exprOf("h.stack[1].f"), "h.stack[1].f");
  t.is(exprOf("pkt.lookahead<bit<16>>()"), "(call pkt.lookahead<BitTypeRef>)");
  t.is(exprOf("t.apply().hit"), "(call t.apply).hit");
  t.is(exprOf("f(a, b = 2)"), "(call f a b=2)");
  t.is(exprOf("error.NoError"), "<ErrorTypeRef>.NoError");
  t.is(exprOf(".g"), ".g");
});

test("a declared type name in parentheses is a cast", (t) => {
  const r = parse("typedef bit<8> T;\nconst int x = (T) a;");
  const d = r.program!.decls[1]!;
  t.is(d.kind === "ConstDecl" ? show(d.value) : "", "(cast NamedTypeRef a)");
});

test("list and struct initialisers", (t) => {
  t.is(exprOf("{ a, 8w1, { b } }"), "{a 8w1 {b}}");
  t.is(exprOf("{ f1 = a, f2 = 2 }"), "{f1=a f2=2}");
  t.is(exprOf("{ }"), "{}");
});

test("nested generic types close with >>", (t) => {
  const d = decl("extern E<T> { E(); } E<bit<8>>() e;", "Instantiation");
  t.is(d.type.kind, "NamedTypeRef");
  if (d.type.kind === "NamedTypeRef") t.is(d.type.typeArgs[0]!.kind, "BitTypeRef");
});

test("header stacks, unions, serializable enums, typedef and type", (t) => {
  const s = decl("header h_t { bit<8> a; } struct S { h_t[4] hs; varbit<32> v; }", "StructDecl");
  t.is(s.fields[0]!.type.kind, "StackTypeRef");
  t.is(s.fields[1]!.type.kind, "VarbitTypeRef");
  const e = decl("enum bit<8> E { A = 1, B = 2, }", "EnumDecl");
  t.is(e.underlying?.kind, "BitTypeRef");
  t.deepEqual(e.members.map((m) => m.name), ["A", "B"]);
  t.is(decl("enum Color { Red, Green }", "EnumDecl").underlying, undefined);
  t.is(decl("type bit<32> Id_t;", "NewTypeDecl").name, "Id_t");
  t.is(decl("header_union U { h_t a; }", "HeaderUnionDecl").fields.length, 1);
  t.is(decl("typedef tuple<bit<8>, bool> Tup;", "TypedefDecl").type.kind, "TupleTypeRef");
});

test("extern objects: constructors, overloads, generic and abstract methods", (t) => {
  const e = decl("extern R<T> { R(bit<32> n); R(); T get<I>(in I i); abstract void cb(inout T v); }", "ExternObjectDecl");
  t.deepEqual(e.methods.map((m) => [m.name, m.isConstructor, m.isAbstract]), [["R", true, false], ["R", true, false], ["get", false, false], ["cb", false, true]]);
  t.deepEqual(e.methods[2]!.typeParams.map((p) => p.name), ["I"]);
  const f = decl("extern void f<T>(out T x, in bit<8> y = 1);", "ExternFunctionDecl");
  t.deepEqual(f.params.map((p) => [p.direction, p.name, p.defaultValue !== undefined]), [["out", "x", false], ["in", "y", true]]);
});

test("parser states, select with masks, ranges, tuples, default and value sets", (t) => {
  const p = decl(`parser P(packet_in b, out H h) {
    value_set<bit<16>>(4) pvs;
    state start {
      b.extract(h.e);
      transition select(h.e.t, h.e.u) {
        (0x800 &&& 0xF00, _): ip;
        (1..5, 7): other;
        (pvs, 1): other;
        default: accept;
      }
    }
    state ip { transition accept; }
    state other { verify(true, error.NoMatch); transition reject; }
  }`, "ParserDecl");
  t.deepEqual(p.states.map((s) => s.name), ["start", "ip", "other"]);
  t.is(p.locals[0]!.kind, "ValueSetDecl");
  const tr = p.states[0]!.transition!;
  t.is(tr.kind, "SelectTransition");
  if (tr.kind === "SelectTransition") {
    t.deepEqual(tr.cases.map((c) => `${showKeyset(c.keyset)} -> ${c.next.name}`), [
      "((&&& 2048 3840), _) -> ip",
      "((.. 1 5), 7) -> other",
      "(pvs, 1) -> other",
      "default -> accept",
    ]);
  }
});

test("tables: keys, annotated actions, default_action, const entries with priorities, other properties", (t) => {
  const c = decl(`control C(inout H h) {
    action a(bit<8> v) { }
    table t {
      key = { h.x : exact @name("x"); h.y : lpm; }
      actions = { a; @defaultonly NoAction; }
      const default_action = NoAction();
      size = 1024;
      implementation = action_profile(32w128);
      const entries = {
        (1, 0x0a000000 &&& 0xff000000) : a(1);
        priority = 10 : (2, _) : a(2);
        @priority(3) (_, _) : NoAction();
      }
    }
    apply { t.apply(); }
  }`, "ControlDecl");
  const table = c.locals.find((l) => l.kind === "TableDecl");
  if (table?.kind !== "TableDecl") return t.fail();
  t.deepEqual(table.properties.map((p) => p.kind), ["KeyProperty", "ActionsProperty", "DefaultActionProperty", "OtherProperty", "OtherProperty", "EntriesProperty"]);
  const [key, actions, dflt, size, impl, entries] = table.properties;
  if (key?.kind === "KeyProperty") t.deepEqual(key.elements.map((k) => `${show(k.expr)}:${k.matchKind.name}:${k.annotations.map((a) => a.name)}`), ["h.x:exact:name", "h.y:lpm:"]);
  if (actions?.kind === "ActionsProperty") t.deepEqual(actions.actions.map((a) => `${a.annotations.map((x) => x.name)}${a.name.name}`), ["a", "defaultonlyNoAction"]);
  if (dflt?.kind === "DefaultActionProperty") t.true(dflt.isConst);
  if (size?.kind === "OtherProperty") t.is(show(size.value), "1024");
  if (impl?.kind === "OtherProperty") t.is(show(impl.value), "(call action_profile 32w128)");
  if (entries?.kind !== "EntriesProperty") return t.fail();
  t.true(entries.isConst);
  t.deepEqual(entries.entries.map((e) => [showKeyset(e.keyset), e.action.name.name, e.priority === undefined ? undefined : show(e.priority)]), [
    ["(1, (&&& 167772160 4278190080))", "a", undefined],
    ["(2, _)", "a", "10"],
    ["(_, _)", "NoAction", "3"],
  ]);
});

test("switch on action_run with fallthrough and default; switch on values", (t) => {
  const c = decl(`control C(inout H h) {
    apply {
      switch (t.apply().action_run) { a: b: { h.x = 1; } default: { } }
      switch (h.x) { 1: { } 2: { } }
      if (t.apply().hit) { exit; } else if (!t.apply().miss) { return; }
    }
  }`, "ControlDecl");
  const sw = c.apply.stmts[0]!;
  if (sw.kind !== "SwitchStmt") return t.fail();
  t.deepEqual(sw.cases.map((k) => [k.label.kind === "ExprLabel" ? show(k.label.expr) : "default", k.body !== undefined]), [["a", false], ["b", true], ["default", true]]);
  t.is(c.apply.stmts[2]!.kind, "IfStmt");
});

test("annotations keep their tokens and parse as expressions when they can", (t) => {
  const a = decl('@name("ingress.t") @id(0x1234) @hidden @pragma(foo bar baz) action x() { }', "ActionDecl");
  t.deepEqual(a.annotations.map((x) => x.name), ["name", "id", "hidden", "pragma"]);
  const [name, id, hidden, pragma] = a.annotations;
  t.deepEqual(name!.args?.map(show), ['"ingress.t"']);
  t.deepEqual(id!.args?.map(show), ["4660"]);
  t.deepEqual(hidden!.tokens, []);
  t.deepEqual(pragma!.tokens.map((x) => x.text), ["foo", "bar", "baz"]);
  t.is(pragma!.args, undefined);
});

test("instantiations with constructor arguments, and the main package", (t) => {
  const r = parse("register<bit<32>>(1024) r; V1Switch(P(), I()) main;");
  t.deepEqual(r.errors, []);
  const [reg, main] = r.program!.decls;
  t.is(reg?.kind === "Instantiation" ? show(reg.args[0]!.value) : "", "1024");
  t.is(main?.kind === "Instantiation" ? main.args.map((a) => show(a.value)).join(" ") : "", "(call P) (call I)");
});

test("syntax errors point at the first token that cannot be parsed", (t) => {
  t.deepEqual(parse("const bit<8> x = ;").errors, ["t.p4:1:18: error: syntax error, unexpected ';'"]);
  t.deepEqual(parse("header h {\n  bit<8> a\n}\n").errors, ["t.p4:3:1: error: syntax error, unexpected '}'"]);
  t.deepEqual(parse("const bit<8> x = 1").errors, ["t.p4:1:19: error: syntax error, unexpected end of file"]);
});
