/**
 * Where and in which order the front end reports, following p4c's passes: an error p4c finds
 * only after its front end comes after the unused-declaration warnings, and a check p4c makes
 * at a use is reported at the use, not at the declaration.
 */
import test from "ava";
import { formatDiagnosticHeadline } from "../../src/diagnostics/format.ts";
import { runFrontendOnText } from "../../src/frontend.ts";

/** Every diagnostic as `LINE: severity: message`, in the order reported. */
function report(source: string): string[] {
  const r = runFrontendOnText("t.p4", source);
  return r.diagnostics.map((d) => formatDiagnosticHeadline(d).replace(/^t\.p4:(\d+):\d+: /, "$1: "));
}

const TOP = `control c();
package top(c _c);
`;

test("a direct action call leaving a directionless parameter unbound is reported after the unused warnings", (t) => {
  const lines = report(`${TOP}control C() {
    action x(bit<8> a, bit<8> b) { }
    action y(bit<8> a, bit<8> unused_b) {
        x(a);
    }
    table tb { actions = { y; } }
    apply { tb.apply(); }
}
top(C()) main;
`);
  t.deepEqual(lines.filter((l) => / error: /.test(l)), ["6: error: missing argument for parameter 'b'"]);
  t.true(lines.findIndex((l) => /unused_b/.test(l)) < lines.findIndex((l) => / error: /.test(l)), lines.join("\n"));
});

test("a direct action call leaving an inout parameter unbound is a type error, reported before any warning", (t) => {
  const lines = report(`${TOP}control C() {
    action x(inout bit<8> a) { }
    action y(bit<8> unused_b) {
        x();
    }
    table tb { actions = { y; } }
    apply { tb.apply(); }
}
top(C()) main;
`);
  t.is(lines[0], "6: error: missing argument for parameter 'a'");
  t.false(lines.some((l) => /unused_b/.test(l)), lines.join("\n"));
});

test("a generic header's fields may have its type parameters; naming it without type arguments is the error", (t) => {
  const lines = report(`header g<T> {
  T y;
}

typedef g gt;
${TOP}control C() { apply { } }
top(C()) main;
`);
  t.deepEqual(lines.filter((l) => / error: /.test(l)), ["5: error: 'g': no type arguments supplied for generic type"]);
});

test("a package, parser or control instantiated with the wrong argument count is reported at its declaration", (t) => {
  const tooMany = report(`control c();
package top(c _c);
control C()(bit<8> k) {
  apply { }
}
control D() {
  C(1, 2) x;
  apply { x.apply(); }
}
top(D(), D()) main;
`);
  t.deepEqual(tooMany.filter((l) => / error: /.test(l)), [
    "3: error: too many arguments: expected 1, got 2 (in the call at t.p4:7:11)",
    "2: error: too many arguments: expected 1, got 2 (in the call at t.p4:10:15)",
  ]);
  const missing = report(`control c();
package top(c _c);
top() main;
`);
  t.deepEqual(missing.filter((l) => / error: /.test(l)), ["2: error: missing argument for parameter '_c' (in the call at t.p4:3:7)"]);
});

test("an extern constructor or a function with the wrong argument count is still reported at the call", (t) => {
  const lines = report(`extern E { E(bit<8> a); void f(); }
${TOP}control C() {
  E(1, 2) x;
  apply { x.f(); }
}
top(C()) main;
`);
  t.deepEqual(lines.filter((l) => / error: /.test(l)).map((l) => l.split(":")[0]), ["5"]);
});

test("a generic header given type arguments is refused with a clear message, at the use", (t) => {
  const lines = report(`header g<T> {
  T y;
}
struct S { g<bit<8>> h; }
${TOP}control C() { apply { S s; } }
top(C()) main;
`);
  t.deepEqual(lines.filter((l) => / error: /.test(l)), ["4: error: 'g': generic headers and header unions are not supported by this compiler yet"]);
});

test("@name, @deprecated and @noWarn need a string value, checked as the declaration is reached", (t) => {
  const lines = report(`${TOP}@name(1)
action a() { }
@deprecated("a" | "b")
action b() { }
@noWarn("unused" ++ "")
action d() { }
control C() {
  @name("a" ++ ".b") table tb { actions = { a; b; d; } }
  apply { tb.apply(); }
}
`);
  t.deepEqual(lines.filter((l) => / error: /.test(l)), [
    "3: error: 1: @name annotation's value must be a string",
    `5: error: "a" | "b": @deprecated annotation's value must be a string`,
    "1: error: program has no 'main' package instantiation",
  ]);
});

test("a string bound to a type variable of a parameter with a direction is reported at that parameter", (t) => {
  const errorsOf = (decl: string, call: string) => report(`${decl}
${TOP}control C() {
  ${call}
}
top(C()) main;
`).filter((l) => / error: /.test(l));
  t.deepEqual(errorsOf("extern void f<T>(in T data);", `apply { f("hi"); }`), ["1: error: 'data': parameters of type string must be directionless"]);
  t.deepEqual(errorsOf("extern E { E(); void f<T>(in T data); }", `E() e; apply { e.f("hi"); }`), ["1: error: 'data': parameters of type string must be directionless"]);
  t.deepEqual(errorsOf("extern void f<T>(T data);", `apply { f("hi"); }`), []);
  t.deepEqual(errorsOf("extern void f<T>(in T data);", `apply { f(8w1); }`), []);
});

test("a package type variable that only a defaulted parameter mentions cannot be inferred, at the instantiation", (t) => {
  const program = (main: string) => report(`struct empty_t { }
control nothing<H>(inout H hdr, inout empty_t meta) { apply { } }
control C<H, M>(inout H hdr, inout M meta);
package P<H, M>(C<H, M> c = nothing<H>());
${main}
`).filter((l) => / error: /.test(l));
  t.deepEqual(program("P() main;"), ["5: error: 'main': could not infer a type for type variable 'H' of 'P'"]);
  // Given an argument, the parameter's type variables are inferred from it.
  t.deepEqual(program("control Q(inout empty_t hdr, inout empty_t meta) { apply { } }\nP(Q()) main;").filter((l) => /infer/.test(l)), []);
});

test("an argument inferred to have a type parameter of the enclosing generic declaration must be a value of it", (t) => {
  const errorsIn = (call: string) => report(`match_kind { exact }
extern register<T> {
  register(bit<32> size);
  void write(in bit<32> index, in T value);
}
void f<T>(register<T> r, in T t) { r.write(0, t); }
control g<T>(in T v) {
  register<T>(1) r;
  apply { ${call} }
}
`).filter((l) => / error: /.test(l) && !/main/.test(l));
  t.deepEqual(errorsIn("f(r, exact);"), ["9: error: type mismatch in argument 't': expected 'T', found 'match_kind'"]);
  t.deepEqual(errorsIn("f(r, v);"), []);
});
