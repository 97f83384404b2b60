import { asArray, asInt, asObject, asString, invalid, parseHexstr, type JsonObject } from "./json.ts";
import { type HeaderStack, type HeaderType, type HeaderUnion, isNarrow, type Layout, type UnionStack } from "./layout.ts";
import { bigOf } from "./bits.ts";
import { boolSource, boolWithSource, numFn, numericExpr } from "./numeric.ts";
import type { PacketState } from "./state.ts";

/**
 * Compiles BMv2 JSON expressions into closures over PacketState. Data values
 * are bigints of unbounded precision (as in bmv2); they are truncated only
 * when stored into a field. Booleans stay JS booleans.
 */
export type DataFn = (s: PacketState) => bigint;
export type BoolFn = (s: PacketState) => boolean;
/** Resolves to a header index, or -1 for an out-of-range stack access. */
export type HeaderFn = (s: PacketState) => number;

export interface LValue {
  readonly width: number;
  readonly signed: boolean;
  readonly varbit: boolean;
  readonly read: DataFn;
  readonly write: (s: PacketState, v: bigint) => void;
  /** Writes a value the caller knows to be in range already (no truncation). */
  readonly store: (s: PacketState, v: bigint) => void;
  /** Header the field belongs to (for varbit length bookkeeping), -1 when out of range. */
  readonly header: HeaderFn;
  /** PHV slot of a field known at load time (lets actions fuse plain copies). */
  readonly slot?: number;
  /** read() as a number, for the fields stored as numbers (see isNarrow). */
  readonly readNumber?: (s: PacketState) => number;
}

export interface HeaderRef {
  readonly type: HeaderType;
  readonly fn: HeaderFn;
  /** Set when the header is known at load time. */
  readonly staticIndex?: number;
}

export interface UnionRef {
  readonly union: HeaderUnion;
  /** Resolves to the union's index in layout.unions, or -1. */
  readonly fn: (s: PacketState) => number;
}

export type Compiled =
  | { readonly k: "d"; readonly fn: DataFn }
  | { readonly k: "b"; readonly fn: BoolFn }
  | { readonly k: "h"; readonly ref: HeaderRef }
  | { readonly k: "u"; readonly ref: UnionRef }
  | { readonly k: "stack"; readonly stack: HeaderStack }
  | { readonly k: "ustack"; readonly stack: UnionStack }
  | { readonly k: "lv"; readonly lv: LValue };

export interface ExprContext {
  readonly layout: Layout;
  /** Widths of the runtime data of the action being compiled (empty outside actions). */
  readonly runtimeWidths: readonly number[];
  /** Register cells by array name, for `register` operands. */
  readonly registerCells?: (name: string, path: string) => { cells: bigint[]; width: number };
}

export function normalizer(width: number, signed: boolean): (v: bigint) => bigint {
  if (signed) return (v) => BigInt.asIntN(width, v);
  return (v) => BigInt.asUintN(width, v);
}

export function fieldLValue(ctx: ExprContext, ref: unknown, path: string): LValue {
  const pair = asArray(ref, path);
  const hname = asString(pair[0], `${path}[0]`);
  const fname = asString(pair[1], `${path}[1]`);
  if (fname === "$valid$") {
    const h = ctx.layout.header(hname, path).index;
    return {
      width: 1,
      signed: false,
      varbit: false,
      read: (s) => (s.valid[h] ? 1n : 0n),
      write: () => {
        throw new Error("$valid$ is read-only");
      },
      store: () => {
        throw new Error("$valid$ is read-only");
      },
      header: () => h,
    };
  }
  const { header, index, def } = ctx.layout.field([hname, fname], path);
  const slot = header.base + index;
  const norm = normalizer(def.width, def.signed);
  const h = header.index;
  if (isNarrow(def)) {
    return {
      width: def.width,
      signed: false,
      varbit: false,
      read: (s) => bigOf(s.n[slot]!),
      readNumber: (s) => s.n[slot]!,
      write: (s, v) => {
        s.n[slot] = Number(BigInt.asUintN(def.width, v));
      },
      store: (s, v) => {
        s.n[slot] = Number(v);
      },
      header: () => h,
      slot,
    };
  }
  return {
    width: def.width,
    signed: def.signed,
    varbit: def.varbit,
    read: (s) => s.f[slot]!,
    write: def.varbit
      ? (s, v) => {
          s.f[slot] = v;
        }
      : (s, v) => {
          s.f[slot] = norm(v);
        },
    store: (s, v) => {
      s.f[slot] = v;
    },
    header: () => h,
    slot,
  };
}

/** A field of a header chosen at run time (stack element, union member). */
export function dynamicFieldLValue(ctx: ExprContext, ref: HeaderRef, index: number, path: string): LValue {
  const def = ref.type.fields[index];
  if (!def) throw invalid(path, `field offset ${index} out of range for header type "${ref.type.name}"`);
  if (ref.staticIndex !== undefined) {
    const h = ctx.layout.headers[ref.staticIndex]!;
    return fieldLValue(ctx, [h.name, def.name], path);
  }
  const bases = ctx.layout.headers.map((h) => h.base);
  const norm = normalizer(def.width, def.signed);
  const hf = ref.fn;
  if (isNarrow(def)) {
    return {
      width: def.width,
      signed: false,
      varbit: false,
      read: (s) => {
        const h = hf(s);
        return h < 0 ? 0n : bigOf(s.n[bases[h]! + index]!);
      },
      readNumber: (s) => {
        const h = hf(s);
        return h < 0 ? 0 : s.n[bases[h]! + index]!;
      },
      write: (s, v) => {
        const h = hf(s);
        if (h >= 0) s.n[bases[h]! + index] = Number(BigInt.asUintN(def.width, v));
      },
      store: (s, v) => {
        const h = hf(s);
        if (h >= 0) s.n[bases[h]! + index] = Number(v);
      },
      header: hf,
    };
  }
  return {
    width: def.width,
    signed: def.signed,
    varbit: def.varbit,
    read: (s) => {
      const h = hf(s);
      return h < 0 ? 0n : s.f[bases[h]! + index]!;
    },
    write: (s, v) => {
      const h = hf(s);
      if (h >= 0) s.f[bases[h]! + index] = def.varbit ? v : norm(v);
    },
    store: (s, v) => {
      const h = hf(s);
      if (h >= 0) s.f[bases[h]! + index] = v;
    },
    header: hf,
  };
}

function stackElement(stack: HeaderStack, idx: DataFn): HeaderFn {
  const headers = stack.headers;
  const n = BigInt(headers.length);
  return (s) => {
    const i = idx(s);
    return i >= 0n && i < n ? headers[Number(i)]! : -1;
  };
}

export function headerRef(ctx: ExprContext, v: unknown, path: string): HeaderRef {
  const c = compile(ctx, v, path);
  if (c.k !== "h") throw invalid(path, "expected a header");
  return c.ref;
}

export function lvalue(ctx: ExprContext, v: unknown, path: string): LValue {
  const c = compile(ctx, v, path);
  if (c.k !== "lv") throw invalid(path, "expected a field (lvalue)");
  return c.lv;
}

export function dataExpr(ctx: ExprContext, v: unknown, path: string): DataFn {
  return asData(compile(ctx, v, path), path);
}

export function boolExpr(ctx: ExprContext, v: unknown, path: string): BoolFn {
  return asBoolFn(compile(ctx, v, path), path);
}

export function asData(c: Compiled, path: string): DataFn {
  switch (c.k) {
    case "d":
      return c.fn;
    case "lv":
      return c.lv.read;
    case "b": {
      const b = c.fn;
      return (s) => (b(s) ? 1n : 0n);
    }
    default:
      throw invalid(path, `expected a data value, got ${c.k}`);
  }
}

export function asBoolFn(c: Compiled, path: string): BoolFn {
  switch (c.k) {
    case "b":
      return c.fn;
    case "d":
    case "lv": {
      const d = c.k === "d" ? c.fn : c.lv.read;
      return (s) => d(s) !== 0n;
    }
    default:
      throw invalid(path, `expected a boolean value, got ${c.k}`);
  }
}

/** Compiles a type-value object (field, hexstr, bool, header, expression, ...). */
export function compile(ctx: ExprContext, v: unknown, path: string): Compiled {
  const o = asObject(v, path);
  const type = asString(o["type"], `${path}.type`);
  const value = o["value"];
  const vpath = `${path}.value`;
  switch (type) {
    case "field":
      return { k: "lv", lv: fieldLValue(ctx, value, vpath) };
    case "hexstr":
      return { k: "d", fn: constant(parseHexstr(value, vpath)) };
    case "bool": {
      if (typeof value !== "boolean") throw invalid(vpath, "expected a boolean");
      return { k: "b", fn: () => value };
    }
    case "runtime_data":
    case "local": {
      const i = asInt(value, vpath);
      if (i < 0 || i >= ctx.runtimeWidths.length) throw invalid(vpath, `runtime data index ${i} out of range`);
      return { k: "d", fn: (s) => s.args[i]! };
    }
    case "header": {
      const h = ctx.layout.header(asString(value, vpath), vpath);
      const index = h.index;
      return { k: "h", ref: { type: h.type, fn: () => index, staticIndex: index } };
    }
    case "header_stack":
      return { k: "stack", stack: ctx.layout.stack(asString(value, vpath), vpath) };
    case "header_union": {
      const u = ctx.layout.union(asString(value, vpath), vpath);
      const index = u.index;
      return { k: "u", ref: { union: u, fn: () => index } };
    }
    case "header_union_stack":
      return { k: "ustack", stack: ctx.layout.unionStack(asString(value, vpath), vpath) };
    case "stack_field": {
      const pair = asArray(value, vpath);
      const stack = ctx.layout.stack(asString(pair[0], `${vpath}[0]`), vpath);
      const fi = stack.type.fieldIndex.get(asString(pair[1], `${vpath}[1]`));
      if (fi === undefined) throw invalid(vpath, `stack "${stack.name}" has no field "${String(pair[1])}"`);
      const si = stack.index;
      const headers = stack.headers;
      const ref: HeaderRef = {
        type: stack.type,
        fn: (s) => {
          const n = s.stackNext[si]!;
          return n > 0 ? headers[n - 1]! : -1;
        },
      };
      return { k: "lv", lv: dynamicFieldLValue(ctx, ref, fi, vpath) };
    }
    case "register": {
      const pair = asArray(value, vpath);
      if (!ctx.registerCells) throw invalid(vpath, "register operand outside an action");
      const reg = ctx.registerCells(asString(pair[0], `${vpath}[0]`), vpath);
      const idx = dataExpr(ctx, pair[1], `${vpath}[1]`);
      const cells = reg.cells;
      const norm = normalizer(reg.width, false);
      return {
        k: "lv",
        lv: {
          width: reg.width,
          signed: false,
          varbit: false,
          read: (s) => {
            const i = Number(idx(s));
            return i >= 0 && i < cells.length ? cells[i]! : 0n;
          },
          write: (s, x) => {
            const i = Number(idx(s));
            if (i >= 0 && i < cells.length) cells[i] = norm(x);
          },
          store: (s, x) => {
            const i = Number(idx(s));
            if (i >= 0 && i < cells.length) cells[i] = norm(x);
          },
          header: () => -1,
        },
      };
    }
    case "expression": {
      // Primitive arguments wrap a type-value object; conditions hold the operator directly.
      const inner = asObject(value, vpath);
      if (!("op" in inner)) return compile(ctx, inner, vpath);
      const num = numericExpr(ctx, v, path);
      if (num) {
        if (num.lo === num.hi) return { k: "d", fn: constant(BigInt(num.lo)) };
        const f = numFn(num);
        return { k: "d", fn: (s) => bigOf(f(s)) };
      }
      return compileOp(ctx, inner, vpath);
    }
    default:
      throw invalid(`${path}.type`, `unsupported operand type "${type}"`);
  }
}

/** Closures that always return the same value, so operators can fold or inline them. */
const CONSTANTS = new WeakMap<DataFn, bigint>();

function constant(v: bigint): DataFn {
  const fn: DataFn = () => v;
  CONSTANTS.set(fn, v);
  return fn;
}

function constantValue(fn: DataFn): bigint | undefined {
  return CONSTANTS.get(fn);
}

type Bin = (a: bigint, b: bigint) => bigint;
const ARITH: Readonly<Record<string, Bin>> = {
  "+": (a, b) => a + b,
  "-": (a, b) => a - b,
  "*": (a, b) => a * b,
  "/": (a, b) => (b === 0n ? 0n : a / b),
  "%": (a, b) => (b === 0n ? 0n : a % b),
  "&": (a, b) => a & b,
  "|": (a, b) => a | b,
  "^": (a, b) => a ^ b,
  "<<": (a, b) => a << b,
  ">>": (a, b) => a >> b,
};
type Cmp = (a: bigint, b: bigint) => boolean;
const COMPARE: Readonly<Record<string, Cmp>> = {
  "==": (a, b) => a === b,
  "!=": (a, b) => a !== b,
  "<": (a, b) => a < b,
  "<=": (a, b) => a <= b,
  ">": (a, b) => a > b,
  ">=": (a, b) => a >= b,
};

function compileOp(ctx: ExprContext, e: JsonObject, path: string): Compiled {
  const op = asString(e["op"], `${path}.op`);
  const lp = `${path}.left`;
  const rp = `${path}.right`;
  const arith = ARITH[op];
  if (arith) {
    const r = dataExpr(ctx, e["right"], rp);
    if (e["left"] === null || e["left"] === undefined) {
      if (op !== "-") throw invalid(lp, `operator "${op}" needs a left operand`);
      return { k: "d", fn: (s) => -r(s) };
    }
    const l = dataExpr(ctx, e["left"], lp);
    const lk = constantValue(l);
    const rk = constantValue(r);
    if (lk !== undefined && rk !== undefined) return { k: "d", fn: constant(arith(lk, rk)) };
    // A constant right operand (masks, increments, shift amounts) is inlined into the closure.
    if (rk !== undefined) {
      switch (op) {
        case "+":
          return { k: "d", fn: (s) => l(s) + rk };
        case "-":
          return { k: "d", fn: (s) => l(s) - rk };
        case "&":
          return { k: "d", fn: (s) => l(s) & rk };
        case "|":
          return { k: "d", fn: (s) => l(s) | rk };
        case ">>":
          return { k: "d", fn: (s) => l(s) >> rk };
        case "<<":
          return { k: "d", fn: (s) => l(s) << rk };
      }
    }
    switch (op) {
      case "+":
        return { k: "d", fn: (s) => l(s) + r(s) };
      case "-":
        return { k: "d", fn: (s) => l(s) - r(s) };
      case "&":
        return { k: "d", fn: (s) => l(s) & r(s) };
      case "|":
        return { k: "d", fn: (s) => l(s) | r(s) };
      case ">>":
        return { k: "d", fn: (s) => l(s) >> r(s) };
      case "<<":
        return { k: "d", fn: (s) => l(s) << r(s) };
      default:
        return { k: "d", fn: (s) => arith(l(s), r(s)) };
    }
  }
  const cmp = COMPARE[op];
  if (cmp) {
    const numeric = numericCompare(ctx, e, path, op);
    if (numeric) return { k: "b", fn: numeric };
    const lc = compile(ctx, e["left"], lp);
    const rc = compile(ctx, e["right"], rp);
    if (lc.k === "b" && rc.k === "b") {
      const lb = lc.fn;
      const rb = rc.fn;
      if (op === "==") return { k: "b", fn: (s) => lb(s) === rb(s) };
      if (op === "!=") return { k: "b", fn: (s) => lb(s) !== rb(s) };
    }
    if (lc.k === "h" && rc.k === "h") return { k: "b", fn: headerEquality(ctx, lc.ref, rc.ref, op === "!=") };
    const l = asData(lc, lp);
    const r = asData(rc, rp);
    const rk = constantValue(r);
    if (rk !== undefined && op === "==") return { k: "b", fn: (s) => l(s) === rk };
    if (rk !== undefined && op === "!=") return { k: "b", fn: (s) => l(s) !== rk };
    if (op === "==") return { k: "b", fn: (s) => l(s) === r(s) };
    if (op === "!=") return { k: "b", fn: (s) => l(s) !== r(s) };
    return { k: "b", fn: (s) => cmp(l(s), r(s)) };
  }
  switch (op) {
    case "and":
    case "or": {
      const l = boolExpr(ctx, e["left"], lp);
      const r = boolExpr(ctx, e["right"], rp);
      const ls = boolSource(l);
      const rs = boolSource(r);
      if (ls !== undefined && rs !== undefined) return { k: "b", fn: boolWithSource(`(${ls} ${op === "and" ? "&&" : "||"} ${rs})`) };
      if (op === "and") return { k: "b", fn: (s) => l(s) && r(s) };
      return { k: "b", fn: (s) => l(s) || r(s) };
    }
    case "not": {
      const r = boolExpr(ctx, e["right"], rp);
      const rs = boolSource(r);
      if (rs !== undefined) return { k: "b", fn: boolWithSource(`(!${rs})`) };
      return { k: "b", fn: (s) => !r(s) };
    }
    case "~": {
      const r = dataExpr(ctx, e["right"], rp);
      return { k: "d", fn: (s) => ~r(s) };
    }
    case "d2b": {
      const num = numericExpr(ctx, e["right"], rp);
      if (num?.src !== undefined) return { k: "b", fn: boolWithSource(`(${num.src} !== 0)`) };
      const r = dataExpr(ctx, e["right"], rp);
      return { k: "b", fn: (s) => r(s) !== 0n };
    }
    case "b2d": {
      const r = boolExpr(ctx, e["right"], rp);
      return { k: "d", fn: (s) => (r(s) ? 1n : 0n) };
    }
    case "two_comp_mod":
    case "sat_cast":
    case "usat_cast": {
      const l = dataExpr(ctx, e["left"], lp);
      const r = dataExpr(ctx, e["right"], rp);
      if (op === "two_comp_mod") return { k: "d", fn: (s) => BigInt.asIntN(Number(r(s)), l(s)) };
      if (op === "usat_cast")
        return {
          k: "d",
          fn: (s) => {
            const v = l(s);
            const max = (1n << r(s)) - 1n;
            return v < 0n ? 0n : v > max ? max : v;
          },
        };
      return {
        k: "d",
        fn: (s) => {
          const v = l(s);
          const w = r(s);
          const max = (1n << (w - 1n)) - 1n;
          const min = -(1n << (w - 1n));
          return v < min ? min : v > max ? max : v;
        },
      };
    }
    case "?": {
      const c = boolExpr(ctx, e["cond"], `${path}.cond`);
      const lc = compile(ctx, e["left"], lp);
      const rc = compile(ctx, e["right"], rp);
      if (lc.k === "b" && rc.k === "b") {
        const l = lc.fn;
        const r = rc.fn;
        return { k: "b", fn: (s) => (c(s) ? l(s) : r(s)) };
      }
      if (lc.k === "h" && rc.k === "h") {
        const l = lc.ref.fn;
        const r = rc.ref.fn;
        return { k: "h", ref: { type: lc.ref.type, fn: (s) => (c(s) ? l(s) : r(s)) } };
      }
      const l = asData(lc, lp);
      const r = asData(rc, rp);
      return { k: "d", fn: (s) => (c(s) ? l(s) : r(s)) };
    }
    case "valid": {
      const rc = compile(ctx, e["right"], rp);
      if (rc.k === "u") return { k: "b", fn: unionValid(ctx, rc.ref) };
      if (rc.k !== "h") throw invalid(rp, "valid() expects a header");
      if (rc.ref.staticIndex !== undefined) return { k: "b", fn: boolWithSource(`(v[${rc.ref.staticIndex}] === 1)`) };
      const h = rc.ref.fn;
      return { k: "b", fn: (s) => {
        const i = h(s);
        return i >= 0 && s.valid[i] === 1;
      } };
    }
    case "valid_union": {
      const rc = compile(ctx, e["right"], rp);
      if (rc.k !== "u") throw invalid(rp, "valid_union() expects a header union");
      return { k: "b", fn: unionValid(ctx, rc.ref) };
    }
    case "dereference_header_stack": {
      const lc = compile(ctx, e["left"], lp);
      if (lc.k !== "stack") throw invalid(lp, "expected a header stack");
      const idx = dataExpr(ctx, e["right"], rp);
      return { k: "h", ref: { type: lc.stack.type, fn: stackElement(lc.stack, idx) } };
    }
    case "dereference_union_stack": {
      const lc = compile(ctx, e["left"], lp);
      if (lc.k !== "ustack") throw invalid(lp, "expected a header union stack");
      const idx = dataExpr(ctx, e["right"], rp);
      const unions = lc.stack.unions;
      const first = ctx.layout.unions[unions[0]!];
      if (!first) throw invalid(lp, "empty header union stack");
      const n = BigInt(unions.length);
      return {
        k: "u",
        ref: {
          union: first,
          fn: (s) => {
            const i = idx(s);
            return i >= 0n && i < n ? unions[Number(i)]! : -1;
          },
        },
      };
    }
    case "access_field": {
      const ref = headerRef(ctx, e["left"], lp);
      const index = asInt(e["right"], rp);
      return { k: "lv", lv: dynamicFieldLValue(ctx, ref, index, path) };
    }
    case "access_union_header": {
      const lc = compile(ctx, e["left"], lp);
      if (lc.k !== "u") throw invalid(lp, "expected a header union");
      const member = asInt(e["right"], rp);
      const firstHeader = lc.ref.union.headers[member];
      if (firstHeader === undefined) throw invalid(rp, `union member ${member} out of range`);
      const type = ctx.layout.headers[firstHeader]!.type;
      const unionHeaders = ctx.layout.unions.map((u) => u.headers[member] ?? -1);
      const uf = lc.ref.fn;
      return {
        k: "h",
        ref: {
          type,
          fn: (s) => {
            const u = uf(s);
            return u < 0 ? -1 : unionHeaders[u]!;
          },
        },
      };
    }
    case "last_stack_index":
    case "size_stack": {
      const rc = compile(ctx, e["right"], rp);
      let si: number;
      let next: (s: PacketState) => number[];
      if (rc.k === "stack") {
        si = rc.stack.index;
        next = (s) => s.stackNext;
      } else if (rc.k === "ustack") {
        si = rc.stack.index;
        next = (s) => s.unionStackNext;
      } else throw invalid(rp, "expected a header stack");
      if (op === "size_stack") return { k: "d", fn: (s) => BigInt(next(s)[si]!) };
      return { k: "d", fn: (s) => BigInt(next(s)[si]! - 1) };
    }
    default:
      throw invalid(`${path}.op`, `unsupported expression operator "${op}"`);
  }
}

/** A comparison of two operands the numeric compiler can evaluate exactly. */
function numericCompare(ctx: ExprContext, e: JsonObject, path: string, op: string): BoolFn | undefined {
  const l = e["left"] === undefined || e["left"] === null ? undefined : numericExpr(ctx, e["left"], `${path}.left`);
  const r = l && (e["right"] === undefined || e["right"] === null ? undefined : numericExpr(ctx, e["right"], `${path}.right`));
  if (!l || !r) return undefined;
  const jsOp = op === "==" ? "===" : op === "!=" ? "!==" : op;
  if (l.src !== undefined && r.src !== undefined) return boolWithSource(`(${l.src} ${jsOp} ${r.src})`);
  const lf = numFn(l);
  const rf = numFn(r);
  switch (op) {
    case "==":
      return (s) => lf(s) === rf(s);
    case "!=":
      return (s) => lf(s) !== rf(s);
    case "<":
      return (s) => lf(s) < rf(s);
    case "<=":
      return (s) => lf(s) <= rf(s);
    case ">":
      return (s) => lf(s) > rf(s);
    default:
      return (s) => lf(s) >= rf(s);
  }
}

function unionValid(ctx: ExprContext, ref: UnionRef): BoolFn {
  const members = ctx.layout.unions.map((u) => u.headers);
  const uf = ref.fn;
  return (s) => {
    const u = uf(s);
    if (u < 0) return false;
    for (const h of members[u]!) if (s.valid[h] === 1) return true;
    return false;
  };
}

/** P4 header equality: both invalid, or both valid with equal fields. */
function headerEquality(ctx: ExprContext, a: HeaderRef, b: HeaderRef, negate: boolean): BoolFn {
  const bases = ctx.layout.headers.map((h) => h.base);
  const n = a.type.fields.length;
  return (s) => {
    const ha = a.fn(s);
    const hb = b.fn(s);
    const va = ha >= 0 && s.valid[ha] === 1;
    const vb = hb >= 0 && s.valid[hb] === 1;
    let eq = va === vb;
    if (eq && va) {
      const ba = bases[ha]!;
      const bb = bases[hb]!;
      // Each field sits in the same array in both (same type); the other array holds a zero there.
      for (let i = 0; i < n && eq; i++) eq = s.f[ba + i] === s.f[bb + i] && s.n[ba + i] === s.n[bb + i];
    }
    return eq !== negate;
  };
}
