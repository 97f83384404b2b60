import { boolExpr } from "./expr.ts";
import type { ExprContext } from "./expr.ts";
import { asArray, asInt, asObject, asString, parseHexstr } from "./json.ts";
import { bigOf } from "./bits.ts";
import type { PacketState } from "./state.ts";

/**
 * A second compiler for data expressions that evaluates them in JS numbers
 * instead of bigints, used whenever a range analysis proves that every
 * intermediate value is an exact integer (|v| <= 2^53 - 1). bmv2's arithmetic
 * is unbounded, so this is only a faster way to the same values: a bigint
 * operation allocates, a number operation does not, and the packet path of a
 * typical program (checksum updates, masks, shifts of <= 32-bit fields) is
 * made of these. Anything the analysis cannot bound returns undefined and the
 * caller keeps the bigint closure.
 */
export type NumFn = (s: PacketState) => number;

/**
 * A numeric expression: bounds of every value it can take, plus either JS
 * source over the PHV (`f` fields, `a` action data, `v` validity) or, when a
 * part of it is only available as a closure, the closure. Source lets a whole
 * expression (or action, or condition) become one generated function instead
 * of a tree of closure calls, which V8 cannot inline across.
 */
export interface NumExpr {
  readonly lo: number;
  readonly hi: number;
  readonly src: string | undefined;
  readonly closure: NumFn | undefined;
}

const SAFE = Number.MAX_SAFE_INTEGER;
const U32 = 0xffff_ffff;

/** Prologue of generated packet functions: the names their source refers to. */
const PROLOGUE = "const f = s.f, n = s.n, a = s.args, v = s.valid;";

/** Compiles source over the PHV into a function of the packet; `externs` are reachable as `x[i]`. */
export function generate<T>(body: string, externs: readonly unknown[] = []): (s: PacketState) => T {
  // Generated source is built from numbers and slot indices only, never from packet or JSON strings.
  return new Function("bigOf", "x", `return (s) => { ${PROLOGUE} ${body} };`)(bigOf, externs) as (s: PacketState) => T;
}

/** Boolean closures that also have source, so conditions built from them can be generated whole. */
const BOOL_SOURCES = new WeakMap<(s: PacketState) => boolean, string>();

export function boolWithSource(src: string): (s: PacketState) => boolean {
  const fn = generate<boolean>(`return ${src};`);
  BOOL_SOURCES.set(fn, src);
  return fn;
}

export function boolSource(fn: (s: PacketState) => boolean): string | undefined {
  return BOOL_SOURCES.get(fn);
}

/** The expression as a function of the packet. */
export function numFn(e: NumExpr): NumFn {
  return e.src !== undefined ? generate<number>(`return ${e.src};`) : e.closure!;
}

function expr(lo: number, hi: number, src: string | undefined, closure: () => NumFn): NumExpr | undefined {
  if (lo < -SAFE || hi > SAFE) return undefined;
  return { lo, hi, src, closure: src === undefined ? closure() : undefined };
}

function constant(k: number): NumExpr {
  return { lo: k, hi: k, src: k < 0 ? `(${k})` : String(k), closure: undefined };
}

function isConstant(e: NumExpr): boolean {
  return e.lo === e.hi;
}

/** Bounds of an integer of `width` bits. */
function widthRange(width: number, signed: boolean): readonly [number, number] | undefined {
  if (width > 53 || width <= 0) return undefined;
  return signed ? [-(2 ** (width - 1)), 2 ** (width - 1) - 1] : [0, 2 ** width - 1];
}

/** Compiles a type-value object to a numeric expression, or undefined when it may leave the exact range. */
export function numericExpr(ctx: ExprContext, v: unknown, path: string): NumExpr | undefined {
  // Operands that are not type-value objects (operator arguments like field offsets) are the bigint compiler's to judge.
  if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
  const o = asObject(v, path);
  const type = asString(o["type"], `${path}.type`);
  const value = o["value"];
  const vpath = `${path}.value`;
  switch (type) {
    case "field": {
      const pair = asArray(value, vpath);
      const hname = asString(pair[0], `${vpath}[0]`);
      const fname = asString(pair[1], `${vpath}[1]`);
      if (fname === "$valid$") {
        const h = ctx.layout.header(hname, vpath).index;
        return { lo: 0, hi: 1, src: `(v[${h}] ? 1 : 0)`, closure: undefined };
      }
      const { header, index, def } = ctx.layout.field([hname, fname], vpath);
      const range = def.varbit ? undefined : widthRange(def.width, def.signed);
      if (!range) return undefined;
      const slot = header.base + index;
      return { lo: range[0], hi: range[1], src: ctx.layout.narrow[slot] ? `n[${slot}]` : `Number(f[${slot}])`, closure: undefined };
    }
    case "hexstr": {
      const big = parseHexstr(value, vpath);
      const n = Number(big);
      return Number.isSafeInteger(n) && BigInt(n) === big ? constant(n) : undefined;
    }
    case "runtime_data":
    case "local": {
      const i = asInt(value, vpath);
      const range = widthRange(ctx.runtimeWidths[i] ?? 0, false);
      if (!range) return undefined;
      return { lo: range[0], hi: range[1], src: `Number(a[${i}])`, closure: undefined };
    }
    case "expression": {
      const inner = asObject(value, vpath);
      return "op" in inner ? numericOp(ctx, inner, vpath) : numericExpr(ctx, inner, vpath);
    }
    default:
      return undefined;
  }
}

function numericOp(ctx: ExprContext, e: Record<string, unknown>, path: string): NumExpr | undefined {
  const op = asString(e["op"], `${path}.op`);
  const operand = (key: "left" | "right"): NumExpr | undefined => {
    const x = e[key];
    return x === null || x === undefined ? undefined : numericExpr(ctx, x, `${path}.${key}`);
  };
  switch (op) {
    case "b2d": {
      const b = boolExpr(ctx, e["right"], `${path}.right`);
      const bs = boolSource(b);
      return expr(0, 1, bs === undefined ? undefined : `(${bs} ? 1 : 0)`, () => (s) => (b(s) ? 1 : 0));
    }
    case "?": {
      const c = boolExpr(ctx, e["cond"], `${path}.cond`);
      const l = operand("left");
      const r = operand("right");
      if (!l || !r) return undefined;
      const cs = boolSource(c);
      const src = cs !== undefined && l.src !== undefined && r.src !== undefined ? `(${cs} ? ${l.src} : ${r.src})` : undefined;
      return expr(Math.min(l.lo, r.lo), Math.max(l.hi, r.hi), src, () => {
        const lf = numFn(l);
        const rf = numFn(r);
        return (s) => (c(s) ? lf(s) : rf(s));
      });
    }
    case "~": {
      const r = operand("right");
      if (!r) return undefined;
      // Unbounded two's complement: ~x = -x - 1.
      return unary(r, -r.hi - 1, -r.lo - 1, (x) => `(-${x} - 1)`, (rf) => (s) => -rf(s) - 1);
    }
    case "-":
      if (e["left"] === null || e["left"] === undefined) {
        const r = operand("right");
        if (!r) return undefined;
        return unary(r, -r.hi, -r.lo, (x) => `(-${x})`, (rf) => (s) => -rf(s));
      }
      break;
  }
  const l = operand("left");
  const r = operand("right");
  if (!l || !r) return undefined;
  switch (op) {
    case "+":
      return binary(l, r, l.lo + r.lo, l.hi + r.hi, (x, y) => `(${x} + ${y})`, (lf, rf) => (s) => lf(s) + rf(s));
    case "-":
      return binary(l, r, l.lo - r.hi, l.hi - r.lo, (x, y) => `(${x} - ${y})`, (lf, rf) => (s) => lf(s) - rf(s));
    case "*": {
      const corners = [l.lo * r.lo, l.lo * r.hi, l.hi * r.lo, l.hi * r.hi];
      return binary(l, r, Math.min(...corners), Math.max(...corners), (x, y) => `(${x} * ${y})`, (lf, rf) => (s) => lf(s) * rf(s));
    }
    case "&":
      return bitAnd(l, r) ?? bitAnd(r, l);
    case "|":
    case "^": {
      // Both operands in [0, 2^32): the 32-bit operators give the exact result.
      if (l.lo < 0 || r.lo < 0 || l.hi > U32 || r.hi > U32) return undefined;
      const hi = 2 ** Math.ceil(Math.log2(Math.max(l.hi, r.hi) + 1)) - 1;
      return op === "|"
        ? binary(l, r, 0, hi, (x, y) => `((${x} | ${y}) >>> 0)`, (lf, rf) => (s) => (lf(s) | rf(s)) >>> 0)
        : binary(l, r, 0, hi, (x, y) => `((${x} ^ ${y}) >>> 0)`, (lf, rf) => (s) => (lf(s) ^ rf(s)) >>> 0);
    }
    case ">>": {
      if (!isConstant(r) || r.lo < 0) return undefined;
      const k = r.lo;
      if (k >= 64) return l.lo >= 0 ? constant(0) : undefined;
      if (l.lo >= 0 && l.hi <= U32 && k < 32) return unary(l, l.lo >>> k, l.hi >>> k, (x) => `(${x} >>> ${k})`, (lf) => (s) => lf(s) >>> k);
      // Arithmetic shift of an unbounded integer is floor division, exact in doubles.
      const div = 2 ** k;
      return unary(l, Math.floor(l.lo / div), Math.floor(l.hi / div), (x) => `Math.floor(${x} / ${div})`, (lf) => (s) => Math.floor(lf(s) / div));
    }
    case "<<": {
      if (!isConstant(r) || r.lo < 0 || r.lo > 53) return undefined;
      const mul = 2 ** r.lo;
      return unary(l, l.lo * mul, l.hi * mul, (x) => `(${x} * ${mul})`, (lf) => (s) => lf(s) * mul);
    }
    default:
      return undefined;
  }
}

function unary(x: NumExpr, lo: number, hi: number, src: (x: string) => string, closure: (xf: NumFn) => NumFn): NumExpr | undefined {
  return expr(lo, hi, x.src === undefined ? undefined : src(x.src), () => closure(numFn(x)));
}

function binary(
  l: NumExpr,
  r: NumExpr,
  lo: number,
  hi: number,
  src: (l: string, r: string) => string,
  closure: (lf: NumFn, rf: NumFn) => NumFn,
): NumExpr | undefined {
  const both = l.src !== undefined && r.src !== undefined ? src(l.src, r.src) : undefined;
  return expr(lo, hi, both, () => closure(numFn(l), numFn(r)));
}

/**
 * x & m with m in [0, 2^32): ToInt32 reduces any exact integer modulo 2^32,
 * which keeps exactly the bits m can select, so the 32-bit operator is exact.
 */
function bitAnd(x: NumExpr, m: NumExpr): NumExpr | undefined {
  if (m.lo < 0 || m.hi > U32) return undefined;
  const hi = x.lo >= 0 ? Math.min(x.hi, m.hi) : m.hi;
  return binary(x, m, 0, hi, (a, b) => `((${a} & ${b}) >>> 0)`, (xf, mf) => (s) => (xf(s) & mf(s)) >>> 0);
}

/** A compiled store: the step, plus a JS statement doing the same when one exists. */
export interface NumericStore {
  readonly step: (s: PacketState) => void;
  readonly stmt: string | undefined;
}

/**
 * A store of a numeric value into a field of `width` bits: values the
 * analysis proves in range go straight in, others are reduced like bmv2's
 * truncation on assignment (in numbers when the field fits 32 bits).
 * `slot` is the destination's PHV slot when it is a field known at load time.
 */
export function numericStore(
  width: number,
  signed: boolean,
  /** The destination's slot when it is a field known at load time, and whether it is a narrow one. */
  slot: number | undefined,
  narrow: boolean,
  src: NumExpr,
  store: (s: PacketState, v: bigint) => void,
  write: (s: PacketState, v: bigint) => void,
): NumericStore {
  const range = widthRange(width, signed);
  const inRange = range !== undefined && src.lo >= range[0] && src.hi <= range[1];
  const mask = !inRange && !signed && width <= 32 ? 2 ** width - 1 : undefined;
  if ((inRange || mask !== undefined) && src.src !== undefined && slot !== undefined) {
    const value = inRange ? src.src : width === 32 ? `(${src.src} >>> 0)` : `(${src.src} & ${mask})`;
    const stmt = narrow ? `n[${slot}] = ${value};` : `f[${slot}] = bigOf(${value});`;
    return { step: generate<void>(stmt), stmt };
  }
  const f = numFn(src);
  if (inRange) return { step: (s) => store(s, bigOf(f(s))), stmt: undefined };
  if (mask === undefined) return { step: (s) => write(s, BigInt(f(s))), stmt: undefined };
  if (width === 32) return { step: (s) => store(s, bigOf(f(s) >>> 0)), stmt: undefined };
  return { step: (s) => store(s, bigOf(f(s) & mask)), stmt: undefined };
}
