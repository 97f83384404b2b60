import { boolExpr } from "./expr.ts";
import type { ExprContext } from "./expr.ts";
import { asArray, asInt, asObject, asString, parseHexstr } from "./json.ts";
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

export interface NumExpr {
  readonly fn: NumFn;
  /** Inclusive bounds of every value fn can return. */
  readonly lo: number;
  readonly hi: number;
}

const SAFE = Number.MAX_SAFE_INTEGER;
const U32 = 0xffff_ffff;

const SMALL = Array.from({ length: 1 << 16 }, (_, i) => BigInt(i));

/** The bigint of an exact integer, without allocating for the small ones. */
export function bigOf(n: number): bigint {
  return n >= 0 && n < 65536 ? SMALL[n]! : BigInt(n);
}

function bounded(fn: NumFn, lo: number, hi: number): NumExpr | undefined {
  return lo >= -SAFE && hi <= SAFE ? { fn, lo, hi } : undefined;
}

function constant(v: number): NumExpr {
  return { fn: () => v, lo: v, hi: v };
}

function isConstant(e: NumExpr): boolean {
  return e.lo === e.hi;
}

/** Bounds of an integer of `width` bits. */
function widthRange(width: number, signed: boolean): readonly [number, number] | undefined {
  if (width > 53 || width <= 0) return undefined;
  return signed ? [-(2 ** (width - 1)), 2 ** (width - 1) - 1] : [0, 2 ** width - 1];
}

/** Compiles a type-value object to a number closure, or undefined when it may leave the exact range. */
export function numericExpr(ctx: ExprContext, v: unknown, path: string): NumExpr | undefined {
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
        return { fn: (s) => (s.valid[h] ? 1 : 0), lo: 0, hi: 1 };
      }
      const { header, index, def } = ctx.layout.field([hname, fname], vpath);
      const range = def.varbit ? undefined : widthRange(def.width, def.signed);
      if (!range) return undefined;
      const slot = header.base + index;
      return { fn: (s) => Number(s.f[slot]!), lo: range[0], hi: range[1] };
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
      return { fn: (s) => Number(s.args[i]!), lo: range[0], hi: range[1] };
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
      return { fn: (s) => (b(s) ? 1 : 0), lo: 0, hi: 1 };
    }
    case "?": {
      const c = boolExpr(ctx, e["cond"], `${path}.cond`);
      const l = operand("left");
      const r = operand("right");
      if (!l || !r) return undefined;
      const lf = l.fn;
      const rf = r.fn;
      return { fn: (s) => (c(s) ? lf(s) : rf(s)), lo: Math.min(l.lo, r.lo), hi: Math.max(l.hi, r.hi) };
    }
    case "~": {
      const r = operand("right");
      if (!r) return undefined;
      const rf = r.fn;
      // Unbounded two's complement: ~x = -x - 1.
      return bounded((s) => -rf(s) - 1, -r.hi - 1, -r.lo - 1);
    }
    case "-":
      if (e["left"] === null || e["left"] === undefined) {
        const r = operand("right");
        if (!r) return undefined;
        const rf = r.fn;
        return bounded((s) => -rf(s), -r.hi, -r.lo);
      }
      break;
  }
  const l = operand("left");
  const r = operand("right");
  if (!l || !r) return undefined;
  const lf = l.fn;
  const rf = r.fn;
  switch (op) {
    case "+":
      if (isConstant(r)) {
        const k = r.lo;
        return bounded((s) => lf(s) + k, l.lo + k, l.hi + k);
      }
      return bounded((s) => lf(s) + rf(s), l.lo + r.lo, l.hi + r.hi);
    case "-":
      if (isConstant(r)) {
        const k = r.lo;
        return bounded((s) => lf(s) - k, l.lo - k, l.hi - k);
      }
      return bounded((s) => lf(s) - rf(s), l.lo - r.hi, l.hi - r.lo);
    case "*": {
      const corners = [l.lo * r.lo, l.lo * r.hi, l.hi * r.lo, l.hi * r.hi];
      return bounded((s) => lf(s) * rf(s), Math.min(...corners), Math.max(...corners));
    }
    case "&":
      return bitAnd(l, r) ?? bitAnd(r, l);
    case "|":
    case "^": {
      // Both operands in [0, 2^32): the 32-bit operators give the exact result.
      if (l.lo < 0 || r.lo < 0 || l.hi > U32 || r.hi > U32) return undefined;
      const hi = 2 ** Math.ceil(Math.log2(Math.max(l.hi, r.hi) + 1)) - 1;
      return op === "|" ? { fn: (s) => (lf(s) | rf(s)) >>> 0, lo: 0, hi } : { fn: (s) => (lf(s) ^ rf(s)) >>> 0, lo: 0, hi };
    }
    case ">>": {
      if (!isConstant(r) || r.lo < 0) return undefined;
      const k = r.lo;
      if (k >= 64) return l.lo >= 0 ? constant(0) : undefined;
      const div = 2 ** k;
      // Arithmetic shift of an unbounded integer is floor division, exact in doubles.
      if (l.lo >= 0 && l.hi <= U32 && k < 32) return { fn: (s) => lf(s) >>> k, lo: l.lo >>> k, hi: l.hi >>> k };
      return { fn: (s) => Math.floor(lf(s) / div), lo: Math.floor(l.lo / div), hi: Math.floor(l.hi / div) };
    }
    case "<<": {
      if (!isConstant(r) || r.lo < 0 || r.lo > 53) return undefined;
      const mul = 2 ** r.lo;
      return bounded((s) => lf(s) * mul, l.lo * mul, l.hi * mul);
    }
    default:
      return undefined;
  }
}

/**
 * x & m with m in [0, 2^32): ToInt32 reduces any exact integer modulo 2^32,
 * which keeps exactly the bits m can select, so the 32-bit operator is exact.
 */
function bitAnd(x: NumExpr, m: NumExpr): NumExpr | undefined {
  if (m.lo < 0 || m.hi > U32) return undefined;
  const xf = x.fn;
  const hi = x.lo >= 0 ? Math.min(x.hi, m.hi) : m.hi;
  if (isConstant(m)) {
    const k = m.lo;
    return { fn: (s) => (xf(s) & k) >>> 0, lo: 0, hi };
  }
  const mf = m.fn;
  return { fn: (s) => (xf(s) & mf(s)) >>> 0, lo: 0, hi };
}

/**
 * A store of a numeric value into a field of `width` bits: values the
 * analysis proves in range go straight in, others are reduced like bmv2's
 * truncation on assignment (in numbers when the field fits 32 bits).
 */
export function numericStore(
  width: number,
  signed: boolean,
  src: NumExpr,
  store: (s: PacketState, v: bigint) => void,
  write: (s: PacketState, v: bigint) => void,
): (s: PacketState) => void {
  const f = src.fn;
  const range = widthRange(width, signed);
  if (range && src.lo >= range[0] && src.hi <= range[1]) return (s) => store(s, bigOf(f(s)));
  if (!signed && width < 32) {
    const mask = 2 ** width - 1;
    return (s) => store(s, bigOf(f(s) & mask));
  }
  if (!signed && width === 32) return (s) => store(s, bigOf(f(s) >>> 0));
  return (s) => write(s, BigInt(f(s)));
}
