import { SwitchError } from "./api.ts";
import type { CounterCells, MeterArray, RegisterArray } from "./externs.ts";
import {
  asBoolFn,
  asData,
  compile,
  dataExpr,
  headerRef,
  lvalue,
  type Compiled,
  type DataFn,
  type ExprContext,
  type HeaderRef,
  type LValue,
} from "./expr.ts";
import { asArray, asInt, asObject, asString, invalid, parseHexstr, type JsonObject } from "./json.ts";
import type { Layout } from "./layout.ts";
import { generate, numericExpr, numericStore } from "./numeric.ts";
import type { PacketState } from "./state.ts";
import { StdMeta } from "./stdmeta.ts";

/**
 * Compiles BMv2 actions (lists of primitive calls) into closures. Every
 * primitive's operands are resolved at load; the packet path only runs
 * closures.
 */
export type Step = (s: PacketState) => void;

export interface CompiledAction {
  readonly id: number;
  readonly name: string;
  readonly params: readonly { readonly name: string; readonly width: number }[];
  /** Runs the action with its data already in s.args. */
  readonly run: Step;
  /** Validates control-plane action data (count, widths); returns it normalized. */
  checkArgs(args: readonly bigint[], where: string): readonly bigint[];
}

/** What primitives need from the switch around them. */
export interface ActionEnv {
  readonly layout: Layout;
  readonly std: StdMeta;
  /** Port number mark_to_drop writes into egress_spec. */
  readonly dropPort: number;
  readonly registers: ReadonlyMap<string, RegisterArray>;
  readonly counters: ReadonlyMap<string, CounterCells>;
  readonly meters: ReadonlyMap<string, MeterArray>;
  /** Hash of a named calculation over the current packet. */
  calculation(name: string, path: string): (s: PacketState) => bigint;
  readonly learnLists: ReadonlySet<number>;
  readonly now: () => bigint;
  readonly log: (line: string) => void;
  /** Records the assertion failure (the packet is dropped). */
  readonly assertionFailed: (s: PacketState, where: string) => void;
  /** Digest request: learn list id, snapshot taken at the end of ingress. */
  readonly requestDigest: (s: PacketState, learnList: number) => void;
}

export function exprContext(env: ActionEnv, runtimeWidths: readonly number[]): ExprContext {
  return {
    layout: env.layout,
    runtimeWidths,
    registerCells: (name, path) => {
      const r = env.registers.get(name);
      if (!r) throw invalid(path, `unknown register array "${name}"`);
      return r;
    },
  };
}

export function compileAction(env: ActionEnv, raw: unknown, path: string): CompiledAction {
  const a = asObject(raw, path);
  const name = asString(a["name"], `${path}.name`);
  const id = asInt(a["id"], `${path}.id`);
  const params = asArray(a["runtime_data"] ?? [], `${path}.runtime_data`).map((r, i) => {
    const p = asObject(r, `${path}.runtime_data[${i}]`);
    return { name: asString(p["name"], `${path}.runtime_data[${i}].name`), width: asInt(p["bitwidth"], `${path}.runtime_data[${i}].bitwidth`) };
  });
  const ctx = exprContext(env, params.map((p) => p.width));
  const prims = asArray(a["primitives"], `${path}.primitives`);
  const steps = prims.map((p, i) => compilePrimitive(env, ctx, asObject(p, `${path}.primitives[${i}]`), `${path}.primitives[${i}]`, i));
  const run = sequence(steps, prims.length);
  const limits = params.map((p) => 1n << BigInt(p.width));
  return {
    id,
    name,
    params,
    run,
    checkArgs(args, where) {
      if (args.length !== params.length)
        throw new SwitchError("INVALID_ARGUMENT", `${where}: action "${name}" takes ${params.length} parameters, got ${args.length}`);
      args.forEach((v, i) => {
        if (v < 0n || v >= limits[i]!)
          throw new SwitchError(
            "INVALID_ARGUMENT",
            `${where}: action "${name}" parameter "${params[i]!.name}" value 0x${v.toString(16)} does not fit in ${params[i]!.width} bits`,
          );
      });
      return Object.freeze([...args]);
    },
  };
}

/**
 * A compiled primitive: a plain step (with `stmt`, JS source doing the same
 * over the PHV, when it has one), or a jump (returns the next primitive index).
 */
type CompiledPrimitive = { readonly step: Step; readonly stmt?: string | undefined } | { readonly jump: (s: PacketState) => number };

/**
 * An action without jumps becomes one generated function: primitives with
 * source inline (p4c's struct copies and checksum arithmetic are dozens of
 * them in a row), the others are called through `x`.
 */
function fused(prims: readonly { readonly step: Step; readonly stmt?: string | undefined }[]): Step {
  const externs: Step[] = [];
  const body = prims
    .map((p) => {
      if (p.stmt !== undefined) return p.stmt;
      externs.push(p.step);
      return `x[${externs.length - 1}](s);`;
    })
    .join("\n");
  return generate<void>(body, externs);
}

function sequence(prims: readonly CompiledPrimitive[], n: number): Step {
  if (prims.every((p) => "step" in p)) {
    const plain = prims as readonly { readonly step: Step; readonly stmt?: string | undefined }[];
    if (plain.some((p) => p.stmt !== undefined)) return fused(plain);
    const steps = plain.map((p) => p.step);
    if (steps.length === 0) return () => {};
    if (steps.length === 1) return steps[0]!;
    // Like bmv2, an action runs all its primitives even after `exit`; the flag only stops the control.
    return (s) => {
      for (let i = 0; i < steps.length; i++) steps[i]!(s);
    };
  }
  // Parallel arrays keep the dispatch loop monomorphic.
  const steps = prims.map((p) => ("step" in p ? p.step : undefined));
  const jumps = prims.map((p) => ("jump" in p ? p.jump : undefined));
  return (s) => {
    let pc = 0;
    let budget = 1 << 20;
    while (pc < n && budget-- > 0) {
      const step = steps[pc];
      if (step !== undefined) {
        step(s);
        pc++;
      } else pc = jumps[pc]!(s);
    }
  };
}

function param(p: JsonObject, i: number, path: string): unknown {
  const params = asArray(p["parameters"], `${path}.parameters`);
  if (i >= params.length) throw invalid(`${path}.parameters`, `expected at least ${i + 1} parameters`);
  return params[i];
}

function paramCount(p: JsonObject, path: string): number {
  return asArray(p["parameters"], `${path}.parameters`).length;
}

function namedParam(p: JsonObject, i: number, type: string, path: string): string {
  const o = asObject(param(p, i, path), `${path}.parameters[${i}]`);
  if (o["type"] !== type) throw invalid(`${path}.parameters[${i}]`, `expected a ${type}`);
  return asString(o["value"], `${path}.parameters[${i}].value`);
}

/** Source of a plain copy between fields (unsigned into at least as wide), across the two storage arrays. */
function copyStatement(layout: Layout, dst: number, src: number): string {
  const from = layout.narrow[src] ? `n[${src}]` : `f[${src}]`;
  if (layout.narrow[dst]) return `n[${dst}] = ${layout.narrow[src] ? from : `Number(${from})`};`;
  return `f[${dst}] = ${layout.narrow[src] ? `bigOf(${from})` : from};`;
}

function intParam(p: JsonObject, i: number, path: string): number {
  const o = asObject(param(p, i, path), `${path}.parameters[${i}]`);
  return Number(parseHexstr(o["value"], `${path}.parameters[${i}].value`));
}

export function compilePrimitive(env: ActionEnv, ctx: ExprContext, p: JsonObject, path: string, index = 0): CompiledPrimitive {
  const op = asString(p["op"], `${path}.op`);
  const pp = (i: number): string => `${path}.parameters[${i}]`;
  const layout = env.layout;
  switch (op) {
    case "assign":
    case "modify_field": {
      const dst = lvalue(ctx, param(p, 0, path), pp(0));
      const src = compile(ctx, param(p, 1, path), pp(1));
      if (dst.varbit) return { step: assignVarbit(dst, src, pp(1)) };
      const num = src.k === "lv" ? undefined : numericExpr(ctx, param(p, 1, path), pp(1));
      if (num) return numericStore(dst.width, dst.signed, dst.slot, dst.slot !== undefined && layout.narrow[dst.slot] === true, num, dst.store, dst.write);
      const read = asData(src, pp(1));
      // An unsigned field copied into an unsigned field at least as wide needs no truncation.
      if (src.k === "lv" && !src.lv.varbit && !src.lv.signed && !dst.signed && src.lv.width <= dst.width) {
        const store = dst.store;
        const stmt = src.lv.slot !== undefined && dst.slot !== undefined ? copyStatement(layout, dst.slot, src.lv.slot) : undefined;
        return { step: (s) => store(s, read(s)), stmt };
      }
      const write = dst.write;
      return { step: (s) => write(s, read(s)) };
    }
    case "assign_VL": {
      const dst = lvalue(ctx, param(p, 0, path), pp(0));
      const src = compile(ctx, param(p, 1, path), pp(1));
      return { step: assignVarbit(dst, src, pp(1)) };
    }
    case "assign_header": {
      const dst = headerRef(ctx, param(p, 0, path), pp(0));
      const src = headerRef(ctx, param(p, 1, path), pp(1));
      const copy = rawHeaderCopy(env);
      return { step: (s) => copy(s, dst.fn(s), src.fn(s)) };
    }
    case "assign_union": {
      const dst = compile(ctx, param(p, 0, path), pp(0));
      const src = compile(ctx, param(p, 1, path), pp(1));
      if (dst.k !== "u" || src.k !== "u") throw invalid(path, "assign_union expects two header unions");
      const members = layout.unions.map((u) => u.headers);
      const copy = rawHeaderCopy(env);
      const dfn = dst.ref.fn;
      const sfn = src.ref.fn;
      return {
        step: (s) => {
          const d = dfn(s);
          const sr = sfn(s);
          if (d < 0 || sr < 0) return;
          const dm = members[d]!;
          const sm = members[sr]!;
          for (let i = 0; i < dm.length; i++) copy(s, dm[i]!, sm[i]!);
        },
      };
    }
    case "assign_header_stack":
    case "assign_union_stack": {
      const dst = compile(ctx, param(p, 0, path), pp(0));
      const src = compile(ctx, param(p, 1, path), pp(1));
      return { step: stackCopier(env, dst, src, path) };
    }
    case "push":
    case "pop": {
      const target = compile(ctx, param(p, 0, path), pp(0));
      const count = dataExpr(ctx, param(p, 1, path), pp(1));
      return { step: stackShift(env, target, count, op === "push", path) };
    }
    case "add_header":
    case "remove_header": {
      const ref = headerRef(ctx, param(p, 0, path), pp(0));
      return { step: op === "add_header" ? headerValidator(env, ref) : headerInvalidator(env, ref) };
    }
    case "mark_to_drop":
    case "drop": {
      const hname = paramCount(p, path) > 0 ? namedParam(p, 0, "header", path) : "standard_metadata";
      const meta = new StdMeta(layout, hname);
      const dropPort = BigInt(env.dropPort);
      return {
        step: (s) => {
          meta.set(s, meta.at.egress_spec, dropPort);
          meta.set(s, meta.at.mcast_grp, 0n);
        },
      };
    }
    case "exit":
      return {
        step: (s) => {
          s.exit = true;
        },
      };
    case "_jump": {
      const target = intParam(p, 0, path);
      return { jump: () => target };
    }
    case "_jump_if_zero": {
      const cond = asData(compile(ctx, param(p, 0, path), pp(0)), pp(0));
      const target = intParam(p, 1, path);
      const next = index + 1;
      return { jump: (s) => (cond(s) === 0n ? target : next) };
    }
    case "modify_field_with_hash_based_offset": {
      const dst = lvalue(ctx, param(p, 0, path), pp(0));
      const base = dataExpr(ctx, param(p, 1, path), pp(1));
      const hash = env.calculation(namedParam(p, 2, "calculation", path), pp(2));
      const size = dataExpr(ctx, param(p, 3, path), pp(3));
      return {
        step: (s) => {
          // simple_switch treats a size of 0 as 1.
          const n = size(s);
          dst.write(s, base(s) + (n === 0n ? 0n : hash(s) % n));
        },
      };
    }
    case "modify_field_rng_uniform": {
      const dst = lvalue(ctx, param(p, 0, path), pp(0));
      const lo = dataExpr(ctx, param(p, 1, path), pp(1));
      const hi = dataExpr(ctx, param(p, 2, path), pp(2));
      return {
        step: (s) => {
          const l = lo(s);
          const span = hi(s) - l + 1n;
          dst.write(s, span <= 0n ? l : l + (BigInt(Math.floor(Math.random() * 2 ** 52)) % span));
        },
      };
    }
    case "register_read": {
      const dst = lvalue(ctx, param(p, 0, path), pp(0));
      const reg = register(env, namedParam(p, 1, "register_array", path), pp(1));
      const idx = dataExpr(ctx, param(p, 2, path), pp(2));
      const cells = reg.cells;
      return {
        step: (s) => {
          // Out of range: simple_switch leaves the destination unchanged.
          const i = Number(idx(s));
          if (i >= 0 && i < cells.length) dst.write(s, cells[i]!);
        },
      };
    }
    case "register_write": {
      const reg = register(env, namedParam(p, 0, "register_array", path), pp(0));
      const idx = dataExpr(ctx, param(p, 1, path), pp(1));
      const val = dataExpr(ctx, param(p, 2, path), pp(2));
      const cells = reg.cells;
      const w = reg.width;
      return {
        step: (s) => {
          const i = Number(idx(s));
          if (i >= 0 && i < cells.length) cells[i] = BigInt.asUintN(w, val(s));
        },
      };
    }
    case "count": {
      const name = namedParam(p, 0, "counter_array", path);
      const cells = env.counters.get(name);
      if (!cells) throw invalid(pp(0), `unknown counter array "${name}"`);
      const idx = dataExpr(ctx, param(p, 1, path), pp(1));
      return { step: (s) => cells.count(Number(idx(s)), s.ingressLength) };
    }
    case "execute_meter": {
      const name = namedParam(p, 0, "meter_array", path);
      const meter = env.meters.get(name);
      if (!meter) throw invalid(pp(0), `unknown meter array "${name}"`);
      const idx = dataExpr(ctx, param(p, 1, path), pp(1));
      const dst = lvalue(ctx, param(p, 2, path), pp(2));
      const now = env.now;
      return {
        step: (s) => {
          const cell = meter.cells[Number(idx(s))];
          dst.write(s, BigInt(cell ? cell.execute(meter.countsBytes ? s.ingressLength : 1, now()) : 0));
        },
      };
    }
    case "clone_ingress_pkt_to_egress":
    case "clone_egress_pkt_to_egress": {
      const session = dataExpr(ctx, param(p, 0, path), pp(0));
      const fieldList = paramCount(p, path) > 1 ? intParam(p, 1, path) : -1;
      return {
        step: (s) => {
          s.cloneSession = Number(session(s)) + 1;
          s.cloneFieldList = fieldList;
        },
      };
    }
    case "resubmit":
    case "recirculate": {
      const fieldList = paramCount(p, path) > 0 ? intParam(p, 0, path) : -1;
      if (op === "resubmit")
        return {
          step: (s) => {
            s.resubmitFieldList = fieldList;
          },
        };
      return {
        step: (s) => {
          s.recirculateFieldList = fieldList;
        },
      };
    }
    case "generate_digest": {
      const list = intParam(p, 1, path);
      if (!env.learnLists.has(list)) throw invalid(pp(1), `unknown learn list ${list}`);
      return { step: (s) => env.requestDigest(s, list) };
    }
    case "truncate": {
      const len = dataExpr(ctx, param(p, 0, path), pp(0));
      return {
        step: (s) => {
          s.truncateTo = Number(len(s));
        },
      };
    }
    case "log_msg": {
      const fmt = namedParam(p, 0, "string", path);
      const vec = asObject(param(p, 1, path), pp(1));
      const args = asArray(vec["value"] ?? [], `${pp(1)}.value`).map((v, i) => dataExpr(ctx, v, `${pp(1)}.value[${i}]`));
      return {
        step: (s) => {
          let i = 0;
          env.log(fmt.replace(/\{\}/g, () => (i < args.length ? args[i++]!(s).toString() : "{}")));
        },
      };
    }
    case "assert":
    case "assume": {
      const cond = asBoolFn(compile(ctx, param(p, 0, path), pp(0)), pp(0));
      return {
        step: (s) => {
          if (!cond(s)) env.assertionFailed(s, `${op} at ${path}`);
        },
      };
    }
    default:
      throw invalid(`${path}.op`, `unsupported primitive "${op}"`);
  }
}

function register(env: ActionEnv, name: string, path: string): RegisterArray {
  const r = env.registers.get(name);
  if (!r) throw invalid(path, `unknown register array "${name}"`);
  return r;
}

/** Assignment to a varbit field also carries the source's current length. */
function assignVarbit(dst: LValue, src: Compiled, path: string): Step {
  if (src.k !== "lv") {
    const read = asData(src, path);
    return (s) => dst.write(s, read(s));
  }
  const srcLv = src.lv;
  return (s) => {
    dst.write(s, srcLv.read(s));
    const dh = dst.header(s);
    const sh = srcLv.header(s);
    if (dh >= 0 && sh >= 0) s.vlen[dh] = s.vlen[sh]!;
  };
}

/** Copies validity, fields and varbit length of header `src` into `dst` (same type). */
function rawHeaderCopy(env: ActionEnv): (s: PacketState, dst: number, src: number) => void {
  const headers = env.layout.headers;
  return (s, dst, src) => {
    if (dst < 0 || src < 0) return;
    if (!s.valid[src]) {
      s.valid[dst] = 0;
      return;
    }
    const d = headers[dst]!;
    const sb = headers[src]!.base;
    const n = d.type.fields.length;
    for (let i = 0; i < n; i++) {
      s.f[d.base + i] = s.f[sb + i]!;
      s.n[d.base + i] = s.n[sb + i]!;
    }
    s.vlen[dst] = s.vlen[src]!;
    s.valid[dst] = 1;
    for (const o of d.siblings) s.valid[o] = 0;
  };
}

/** setValid: an invalid header becomes valid with zeroed fields (and the packet-length register grows). */
function headerValidator(env: ActionEnv, ref: HeaderRef): Step {
  const headers = env.layout.headers;
  const fn = ref.fn;
  return (s) => {
    const h = fn(s);
    if (h < 0 || s.valid[h]) return;
    const hi = headers[h]!;
    for (let i = 0; i < hi.type.fields.length; i++) {
      s.f[hi.base + i] = 0n;
      s.n[hi.base + i] = 0;
    }
    s.vlen[h] = 0;
    s.valid[h] = 1;
    if (!hi.metadata) s.lengthRegister += hi.type.fixedBits >> 3;
    for (const o of hi.siblings) s.valid[o] = 0;
  };
}

function headerInvalidator(env: ActionEnv, ref: HeaderRef): Step {
  const headers = env.layout.headers;
  const fn = ref.fn;
  return (s) => {
    const h = fn(s);
    if (h < 0 || !s.valid[h]) return;
    const hi = headers[h]!;
    if (!hi.metadata) s.lengthRegister -= (hi.type.fixedBits + s.vlen[h]!) >> 3;
    s.valid[h] = 0;
  };
}

/** Elements of a header stack or union stack, each as the list of headers it spans. */
function stackSlots(env: ActionEnv, c: Compiled, path: string): { slots: number[][]; index: number; union: boolean } {
  if (c.k === "stack") return { slots: c.stack.headers.map((h) => [h]), index: c.stack.index, union: false };
  if (c.k === "ustack")
    return { slots: c.stack.unions.map((u) => [...env.layout.unions[u]!.headers]), index: c.stack.index, union: true };
  throw invalid(path, "expected a header stack or header union stack");
}

function stackCopier(env: ActionEnv, dstC: Compiled, srcC: Compiled, path: string): Step {
  const dst = stackSlots(env, dstC, `${path}.parameters[0]`);
  const src = stackSlots(env, srcC, `${path}.parameters[1]`);
  const copy = rawHeaderCopy(env);
  return (s) => {
    for (let i = 0; i < dst.slots.length; i++) {
      const d = dst.slots[i]!;
      const sr = src.slots[i]!;
      for (let j = 0; j < d.length; j++) copy(s, d[j]!, sr[j]!);
    }
    const next = dst.union ? s.unionStackNext : s.stackNext;
    const srcNext = src.union ? s.unionStackNext : s.stackNext;
    next[dst.index] = srcNext[src.index]!;
  };
}

/** push_front(n) (push = true) / pop_front(n) on a header or union stack. */
function stackShift(env: ActionEnv, target: Compiled, count: DataFn, push: boolean, path: string): Step {
  const st = stackSlots(env, target, `${path}.parameters[0]`);
  const copy = rawHeaderCopy(env);
  const size = st.slots.length;
  return (s) => {
    const n = Math.min(Number(count(s)), size);
    const next = st.union ? s.unionStackNext : s.stackNext;
    if (push) {
      for (let i = size - 1; i >= n; i--) {
        const d = st.slots[i]!;
        const sr = st.slots[i - n]!;
        for (let j = 0; j < d.length; j++) copy(s, d[j]!, sr[j]!);
      }
      for (let i = 0; i < n; i++) for (const h of st.slots[i]!) s.valid[h] = 0;
      next[st.index] = Math.min(size, next[st.index]! + n);
    } else {
      for (let i = 0; i + n < size; i++) {
        const d = st.slots[i]!;
        const sr = st.slots[i + n]!;
        for (let j = 0; j < d.length; j++) copy(s, d[j]!, sr[j]!);
      }
      for (let i = Math.max(0, size - n); i < size; i++) for (const h of st.slots[i]!) s.valid[h] = 0;
      next[st.index] = Math.max(0, next[st.index]! - n);
    }
  };
}
