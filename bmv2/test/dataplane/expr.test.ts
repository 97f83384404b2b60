import test from "ava";
import { boolExpr, dataExpr, lvalue, type ExprContext } from "../../src/dataplane/expr.ts";
import { Layout } from "../../src/dataplane/layout.ts";
import { PacketState } from "../../src/dataplane/state.ts";

const layout = new Layout({
  header_types: [{ name: "h_t", id: 0, fields: [["u", 8, false], ["s", 8, true], ["w", 70, false]] }],
  headers: [
    { name: "h", id: 0, header_type: "h_t", metadata: false },
    { name: "st0", id: 1, header_type: "h_t", metadata: false },
    { name: "st1", id: 2, header_type: "h_t", metadata: false },
  ],
  header_stacks: [{ name: "st", id: 0, header_type: "h_t", header_ids: [1, 2] }],
});
const ctx: ExprContext = { layout, runtimeWidths: [8] };
const hex = (v: bigint) => ({ type: "hexstr", value: v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}` });
const f = (name: string, h = "h") => ({ type: "field", value: [h, name] });
const op = (o: string, left: unknown, right: unknown, extra: Record<string, unknown> = {}) => ({ type: "expression", value: { op: o, left, right, ...extra } });
const fresh = () => new PacketState(layout, new Uint8Array(0));
const evalData = (e: unknown, s = fresh()) => dataExpr(ctx, e, "test")(s);

test("arithmetic is unbounded until stored; stores truncate (and sign-wrap signed fields)", (t) => {
  t.is(evalData(op("+", hex(250n), hex(10n))), 260n);
  t.is(evalData(op("-", hex(1n), hex(2n))), -1n);
  t.is(evalData(op("<<", hex(1n), hex(100n))), 1n << 100n);
  t.is(evalData(op("&", op("~", null, hex(0n)), hex(0xffn))), 0xffn);
  t.is(evalData(op("-", null, hex(5n))), -5n);
  const s = fresh();
  lvalue(ctx, f("u"), "u").write(s, 260n);
  t.is(layout.read(s, 0), 4n);
  lvalue(ctx, f("s"), "s").write(s, 200n);
  t.is(layout.read(s, 1), -56n);
  lvalue(ctx, f("w"), "w").write(s, -1n);
  t.is(layout.read(s, 2), (1n << 70n) - 1n);
  t.is(evalData(op(">>", f("s"), hex(2n)), s), -14n, "arithmetic shift of a signed field");
});

test("casts: two_comp_mod, sat_cast, usat_cast", (t) => {
  t.is(evalData(op("two_comp_mod", hex(257n), hex(8n))), 1n);
  t.is(evalData(op("two_comp_mod", hex(-129n), hex(8n))), 127n);
  t.is(evalData(op("sat_cast", hex(300n), hex(8n))), 127n);
  t.is(evalData(op("sat_cast", hex(-300n), hex(8n))), -128n);
  t.is(evalData(op("sat_cast", hex(5n), hex(8n))), 5n);
  t.is(evalData(op("usat_cast", hex(300n), hex(8n))), 255n);
  t.is(evalData(op("usat_cast", hex(-3n), hex(8n))), 0n);
});

test("booleans: comparisons, and/or short-circuit, not, d2b/b2d and the ternary", (t) => {
  const b = (e: unknown) => boolExpr(ctx, e, "test")(fresh());
  t.true(b(op("<", hex(-1n), hex(0n))));
  t.true(b(op("and", op("==", hex(1n), hex(1n)), op("!=", hex(1n), hex(2n)))));
  t.false(b(op("or", { type: "bool", value: false }, op("d2b", null, hex(0n)))));
  t.true(b(op("not", null, { type: "bool", value: false })));
  t.is(evalData(op("b2d", null, op(">=", hex(3n), hex(3n)))), 1n);
  t.is(evalData(op("?", hex(7n), hex(9n), { cond: op("==", hex(1n), hex(2n)) })), 9n);
  // Division by zero does not throw (the result is unspecified in P4).
  t.notThrows(() => evalData(op("/", hex(1n), hex(0n))));
});

test("header validity, stacks and dynamic field access", (t) => {
  const s = fresh();
  const valid = boolExpr(ctx, op("valid", null, { type: "header", value: "h" }), "v");
  t.false(valid(s));
  s.valid[0] = 1;
  t.true(valid(s));
  t.is(dataExpr(ctx, f("$valid$"), "v")(s), 1n);
  s.stackNext[0] = 1;
  t.is(evalData(op("size_stack", null, { type: "header_stack", value: "st" }), s), 1n);
  t.is(evalData(op("last_stack_index", null, { type: "header_stack", value: "st" }), s), 0n);
  const element = (i: unknown) => op("access_field", op("dereference_header_stack", { type: "header_stack", value: "st" }, i), 0);
  const second = lvalue(ctx, element(hex(1n)), "e");
  second.write(s, 0x1ffn);
  t.is(layout.read(s, layout.header("st1", "t").base), 0xffn);
  t.is(dataExpr(ctx, element({ type: "runtime_data", value: 0 }), "e")(Object.assign(s, { args: [1n] })), 0xffn);
  // Out of range: reads give 0, writes are ignored.
  t.is(dataExpr(ctx, element(hex(5n)), "e")(s), 0n);
  t.notThrows(() => lvalue(ctx, element(hex(5n)), "e").write(s, 1n));
  t.is(dataExpr(ctx, { type: "stack_field", value: ["st", "u"] }, "sf")(s), 0n, "stack_field reads the last extracted element");
});

test("bad expressions are rejected at compile time with their path", (t) => {
  t.throws(() => dataExpr(ctx, op("**", hex(1n), hex(1n)), "where"), { message: /where\.value\.op: unsupported expression operator/ });
  t.throws(() => dataExpr(ctx, f("nope"), "where"), { message: /has no field "nope"/ });
  t.throws(() => dataExpr(ctx, { type: "runtime_data", value: 3 }, "where"), { message: /runtime data index 3 out of range/ });
  t.throws(() => lvalue(ctx, hex(1n), "where"), { message: /expected a field/ });
});
