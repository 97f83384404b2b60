/**
 * The numeric fast path (numeric.ts) must compute exactly what bmv2's unbounded arithmetic
 * computes. Random expression trees over fields of many widths, signed and unsigned, are
 * compiled by the switch (which picks numbers whenever its range analysis allows) and compared
 * with a plain bigint evaluator, both as values and after being stored by an assignment.
 */
import test from "ava";
import { compilePrimitive, exprContext, type ActionEnv } from "../../src/dataplane/actions.ts";
import { boolExpr, dataExpr, type ExprContext } from "../../src/dataplane/expr.ts";
import { Layout } from "../../src/dataplane/layout.ts";
import { numericExpr } from "../../src/dataplane/numeric.ts";
import { PacketState } from "../../src/dataplane/state.ts";

const FIELDS: readonly (readonly [string, number, boolean])[] = [
  ["a8", 8, false],
  ["b16", 16, false],
  ["c32", 32, false],
  ["d48", 48, false],
  ["e64", 64, false],
  ["s8", 8, true],
  ["s32", 32, true],
  ["one", 1, false],
  ["out32", 32, false],
  ["out16", 16, false],
  ["outs8", 8, true],
  ["out48", 48, false],
];
const layout = new Layout({
  header_types: [{ name: "t", id: 0, fields: FIELDS.map(([n, w, s]) => [n, w, s]) }],
  headers: [{ name: "h", id: 0, header_type: "t", metadata: false }],
  header_stacks: [],
});
const ctx: ExprContext = { layout, runtimeWidths: [16, 32] };
const INPUTS = FIELDS.slice(0, 8);

type Expr = { type: string; value: unknown };
const field = (name: string): Expr => ({ type: "field", value: ["h", name] });
const hex = (v: bigint): Expr => ({ type: "hexstr", value: v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}` });
const op = (o: string, left: Expr | null, right: Expr): Expr => ({ type: "expression", value: { op: o, left, right } });

function rng(seed: number): (n: number) => number {
  let x = seed >>> 0;
  return (n) => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return Math.floor((x / 2 ** 32) * n);
  };
}

function randomValue(r: (n: number) => number, width: number, signed: boolean): bigint {
  let v = 0n;
  for (let i = 0; i < width; i += 16) v = (v << 16n) | BigInt(r(65536));
  // Favour the edges, where exactness breaks first.
  const pick = r(6);
  if (pick === 0) v = 0n;
  if (pick === 1) v = (1n << BigInt(width)) - 1n;
  return signed ? BigInt.asIntN(width, v) : BigInt.asUintN(width, v);
}

function randomExpr(r: (n: number) => number, depth: number): Expr {
  if (depth === 0 || r(4) === 0) {
    const leaf = r(10);
    if (leaf < 6) return field(INPUTS[r(INPUTS.length)]![0]);
    if (leaf < 8) return { type: "runtime_data", value: r(2) };
    return hex([0n, 1n, 0xffn, 0xffffn, 0xffff_ffffn, 16n, 5n][r(7)]!);
  }
  const ops = ["+", "-", "*", "&", "|", "^", ">>", "<<", "~", "neg", "&mask", "?"];
  const o = ops[r(ops.length)]!;
  switch (o) {
    case "~":
      return op("~", null, randomExpr(r, depth - 1));
    case "neg":
      return op("-", null, randomExpr(r, depth - 1));
    case ">>":
    case "<<":
      return op(o, randomExpr(r, depth - 1), hex(BigInt(r(40))));
    case "&mask":
      return op("&", randomExpr(r, depth - 1), hex([0xffn, 0xffffn, 0xffff_ffffn][r(3)]!));
    case "?":
      return { type: "expression", value: { op: "?", cond: op("==", randomExpr(r, 0), randomExpr(r, 0)), left: randomExpr(r, depth - 1), right: randomExpr(r, depth - 1) } };
    default:
      return op(o, randomExpr(r, depth - 1), randomExpr(r, depth - 1));
  }
}

/** bmv2's semantics in bigints, written independently of the switch's compiler. */
function reference(e: Expr, s: PacketState): bigint {
  if (e.type === "field") return layout.read(s, layout.field(e.value as [string, string], "").index);
  if (e.type === "hexstr") return BigInt(e.value as string);
  if (e.type === "runtime_data") return s.args[e.value as number]!;
  const x = e.value as { op: string; left: Expr | null; right: Expr; cond?: Expr };
  const R = reference(x.right, s);
  if (x.op === "~") return ~R;
  if (x.op === "-" && x.left === null) return -R;
  if (x.op === "?") {
    const c = x.cond!.value as { left: Expr; right: Expr };
    return reference(c.left, s) === reference(c.right, s) ? reference(x.left!, s) : R;
  }
  const L = reference(x.left!, s);
  switch (x.op) {
    case "+":
      return L + R;
    case "-":
      return L - R;
    case "*":
      return L * R;
    case "&":
      return L & R;
    case "|":
      return L | R;
    case "^":
      return L ^ R;
    case ">>":
      return L >> R;
    default:
      return L << R;
  }
}

function packet(r: (n: number) => number): PacketState {
  const s = new PacketState(layout, new Uint8Array(0));
  FIELDS.forEach(([, w, signed], i) => layout.write(s, i, randomValue(r, w, signed)));
  s.args = [randomValue(r, 16, false), randomValue(r, 32, false)];
  return s;
}

const env = { layout } as unknown as ActionEnv;

test("random expressions: the switch's values equal unbounded bigint arithmetic, and so do their stores", (t) => {
  const r = rng(20240601);
  let numeric = 0;
  for (let n = 0; n < 400; n++) {
    const e = randomExpr(r, 1 + r(4));
    if (numericExpr(ctx, e, "e")) numeric++;
    const value = dataExpr(ctx, e, "e");
    const asBool = boolExpr(ctx, op("==", e, field("b16")), "cmp");
    const [dst, width, signed] = FIELDS[8 + r(4)]!;
    const assign = compilePrimitive(env, exprContext(env, [16, 32]), { op: "assign", parameters: [field(dst), e] }, "p");
    for (let k = 0; k < 5; k++) {
      const s = packet(r);
      const expected = reference(e, s);
      const where = `${JSON.stringify(e)} on ${FIELDS.map((_, i) => layout.read(s, i)).join(",")} / ${s.args.join(",")}`;
      t.is(value(s), expected, where);
      t.is(asBool(s), expected === layout.read(s, 1), where);
      if ("step" in assign) assign.step(s);
      const stored = layout.read(s, layout.field(["h", dst], "").index);
      t.is(stored, signed ? BigInt.asIntN(width, expected) : BigInt.asUintN(width, expected), `${dst} = ${where}`);
    }
  }
  t.true(numeric > 100, `the fast path took ${numeric} of 400 expressions`);
  t.true(numeric < 400, "and some fell back to bigints (wide fields, long shifts)");
});
