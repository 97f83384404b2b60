import type { Expr, Keyset, ParserDecl, ParserState, PathExpr, SrcLoc, ValueSetDecl } from "../ast/nodes.ts";
import type { IrExpr, IrParseState, IrParser, IrParserOp, IrPrimitive, IrTransition, SourceInfo } from "../ir/program.ts";
import type { Env } from "./env.ts";
import { boolToData, field } from "./ir_build.ts";
import type { Lowerer } from "./lowerer.ts";
import type { NStmt } from "./nstmt.ts";
import { LowerError, isBool, mask, scalarWidth, typeOf } from "./types.ts";

/**
 * A P4 parser -> one bmv2 parser. Statements become parser ops (extract, set, verify, or any
 * primitive); an `if` inside a state splits the state, since bmv2 states cannot branch except
 * through their transition.
 */
export function lowerParser(lowerer: Lowerer, decl: ParserDecl, env: Env): IrParser {
  const states: IrParseState[] = [];
  const usedNames = new Set(decl.states.map((s) => s.name));
  const fresh = (hint: string): string => {
    let n = hint;
    for (let i = 0; usedNames.has(n); i++) n = `${hint}_${i}`;
    usedNames.add(n);
    return n;
  };
  const top: StateNaming = { name: (n) => n, accept: null };
  const setup = lowerStates(lowerer, decl, env, top, states, fresh);
  // Locals with initializers run first: p4c puts them in the start state.
  const start = states.find((s) => s.name === "start");
  if (start && setup.length > 0) {
    const ops = setup.flatMap((s) => opsOf(s, lowerer, decl.loc));
    states[states.indexOf(start)] = { ...start, ops: [...ops, ...start.ops] };
  }
  return { name: "parser", initState: "start", states: mergeChains(states, "start") };
}

/** How the states of one (possibly inlined) parser are named and where its `accept` goes. */
interface StateNaming {
  readonly name: (state: string) => string;
  readonly accept: string | null;
}

/** Lowers every state of `decl` into `out`; returns the statements of its locals' initializers. */
function lowerStates(lowerer: Lowerer, decl: ParserDecl, env: Env, naming: StateNaming, out: IrParseState[], fresh: (hint: string) => string): NStmt[] {
  const setup: NStmt[] = [];
  for (const local of decl.locals) {
    if (local.kind === "ValueSetDecl") {
      declareValueSet(lowerer, local, env);
      continue;
    }
    lowerer.stmt(local, env, setup, null);
  }
  for (const state of decl.states) {
    const body: NStmt[] = [];
    // Variables declared in a state are visible to its transition.
    const stateEnv = env.child();
    for (const stmt of state.stmts) lowerer.stmt(stmt, stateEnv, body, null);
    const transition = lowerTransition(lowerer, state, stateEnv, body, naming);
    splitState(naming.name(state.name), body, transition.key, transition.transitions, out, fresh, lowerer, state.loc);
  }
  return setup;
}

/**
 * Folds a state into its only predecessor when that predecessor goes to it unconditionally,
 * as p4c does: fewer states, same behaviour, and the state names p4c's output has.
 */
function mergeChains(states: readonly IrParseState[], init: string): IrParseState[] {
  let list = [...states];
  for (;;) {
    const incoming = new Map<string, number>([[init, 1]]);
    for (const s of list) for (const t of s.transitions) if (t.next !== null) incoming.set(t.next, (incoming.get(t.next) ?? 0) + 1);
    const index = list.findIndex((a) => {
      const only = a.transitions.length === 1 ? a.transitions[0]! : null;
      return only?.type === "default" && only.next !== null && only.next !== a.name && a.key.length === 0 && incoming.get(only.next) === 1;
    });
    if (index < 0) return list;
    const a = list[index]!;
    const b = list.find((s) => s.name === a.transitions[0]!.next)!;
    list = list.filter((s) => s !== b).map((s) => (s === a ? { name: a.name, ops: [...a.ops, ...b.ops], key: b.key, transitions: b.transitions } : s));
  }
}

function declareValueSet(lowerer: Lowerer, vs: ValueSetDecl, env: Env): void {
  const t = vs.elementType.resolved;
  const widths = t && t.kind === "struct" ? t.decl.fields.map((f) => scalarWidth(f.type.resolved!, f.loc)) : [scalarWidth(t!, vs.loc)];
  // p4c names the value set by its control-plane name in the JSON too; bmv2's P4Runtime server looks it up by that.
  const name = env.qualify(vs.name);
  const size = vs.size.constValue;
  lowerer.ctx.parseVsets.push({
    name,
    compressedBitwidth: widths.reduce((a, b) => a + b, 0),
    maxSize: typeof size === "bigint" ? Number(size) : 0,
    controlName: name,
    bitwidths: widths,
  });
  env.bind(vs, { b: "value", value: { kind: "string", value: name }, type: { kind: "bool" } });
}

function stateName(next: PathExpr, naming: StateNaming): string | null {
  if (next.name === "accept") return naming.accept;
  if (next.name === "reject") return null;
  return naming.name(next.name);
}

function lowerTransition(lowerer: Lowerer, state: ParserState, env: Env, body: NStmt[], naming: StateNaming): { key: IrExpr[]; transitions: IrTransition[] } {
  const t = state.transition;
  if (!t) return { key: [], transitions: [{ type: "default", next: null }] };
  if (t.kind === "DirectTransition") return { key: [], transitions: [{ type: "default", next: stateName(t.next, naming) }] };
  const widths = t.exprs.map((e) => scalarWidth(typeOf(e), e.loc));
  const key = t.exprs.map((e) => selectKey(lowerer, e, env, body));
  const transitions: IrTransition[] = [];
  for (const c of t.cases) {
    const next = stateName(c.next, naming);
    const keysets = t.exprs.length === 1 ? [c.keyset] : c.keyset.kind === "TupleKeyset" ? c.keyset.elements : null;
    if (c.keyset.kind === "DefaultKeyset" || c.keyset.kind === "DontCareKeyset") {
      transitions.push({ type: "default", next });
      continue;
    }
    if (!keysets) throw new LowerError(c.loc, "select case does not match the number of keys");
    const vset = keysets.length === 1 && keysets[0]!.kind === "ExprKeyset" ? valueSetName(keysets[0]!.expr, env) : null;
    if (vset) {
      transitions.push({ type: "parse_vset", vset, next });
      continue;
    }
    // Ranges become several value/mask pairs; a tuple of keysets is their cross product.
    let combos: { value: bigint; mask: bigint; exact: boolean }[] = [{ value: 0n, mask: 0n, exact: true }];
    let totalBits = 0;
    keysets.forEach((ks, i) => {
      const w = widths[i]!;
      const bytes = Math.ceil(w / 8) * 8;
      const pieces = keysetValues(ks, w, c.loc);
      combos = combos.flatMap((acc) =>
        pieces.map(([v, m]) => ({
          value: (acc.value << BigInt(bytes)) | v,
          mask: (acc.mask << BigInt(bytes)) | m,
          exact: acc.exact && m === mask(w),
        })),
      );
      totalBits += bytes;
    });
    for (const combo of combos) {
      // All wildcards is p4c's default transition.
      if (combo.mask === 0n) {
        transitions.push({ type: "default", next });
        continue;
      }
      transitions.push({ type: "hexstr", value: combo.value, mask: combo.exact ? null : combo.mask, keyWidth: totalBits, next });
    }
  }
  return { key, transitions };
}

function valueSetName(e: Expr, env: Env): string | null {
  if (e.kind !== "PathExpr" || !e.ref || e.ref.kind !== "ValueSetDecl") return null;
  const b = env.lookup(e.ref);
  return b?.b === "value" && b.value.kind === "string" ? b.value.value : null;
}

function keysetValues(ks: Keyset, width: number, at: SrcLoc): [bigint, bigint][] {
  const num = (e: Expr): bigint => {
    const v = e.constValue;
    if (typeof v === "boolean") return v ? 1n : 0n;
    if (typeof v !== "bigint") throw new LowerError(e.loc, "select cases must be compile-time constants");
    return BigInt.asUintN(width, v);
  };
  switch (ks.kind) {
    case "ExprKeyset":
      return [[num(ks.expr), mask(width)]];
    case "MaskKeyset": {
      const m = num(ks.mask);
      return [[num(ks.value) & m, m]];
    }
    case "DefaultKeyset":
    case "DontCareKeyset":
      return [[0n, 0n]];
    case "RangeKeyset":
      return rangeToMasks(num(ks.lo), num(ks.hi), width);
    default:
      throw new LowerError(at, `a ${ks.kind} is not supported in bmv2 parser transitions`);
  }
}

/** [lo, hi] as the fewest aligned power-of-two blocks, each a value/mask pair. */
function rangeToMasks(lo: bigint, hi: bigint, width: number): [bigint, bigint][] {
  const out: [bigint, bigint][] = [];
  let cur = lo;
  while (cur <= hi) {
    let size = 1n;
    while ((cur & (size * 2n - 1n)) === 0n && cur + size * 2n - 1n <= hi && size * 2n <= 1n << BigInt(width)) size *= 2n;
    out.push([cur, mask(width) & ~(size - 1n)]);
    cur += size;
  }
  return out;
}

/** Select keys must be fields or lookaheads in bmv2; other expressions go through a scalar. */
function selectKey(lowerer: Lowerer, e: Expr, env: Env, body: NStmt[]): IrExpr {
  const v = lowerer.rv(e, env, body);
  if (v.kind === "field" || v.kind === "lookahead" || v.kind === "stackField") return v;
  if (v.kind === "op" && v.op === "d2b" && (v.right.kind === "field" || v.right.kind === "lookahead")) return v.right;
  const t = typeOf(e);
  const temp = lowerer.ctx.storage.scalar("tmp", t, e.loc);
  const dest = field(temp.header, temp.field);
  body.push(lowerer.prim("assign", [dest, isBool(t) ? boolToData(v) : v], e.loc));
  return dest;
}

/**
 * Emits `body` as one or more states: each top-level `if` ends the current state with a
 * select on the condition and continues in a join state.
 */
function splitState(
  name: string,
  body: readonly NStmt[],
  key: IrExpr[],
  transitions: IrTransition[],
  out: IrParseState[],
  fresh: (hint: string) => string,
  lowerer: Lowerer,
  at: SrcLoc,
): void {
  const ops: { op: IrParserOp; source: SourceInfo | null }[] = [];
  for (let i = 0; i < body.length; i++) {
    const s = body[i]!;
    if (s.k === "if") {
      const condField = lowerer.ctx.storage.scalar("tmp", { kind: "bit", width: 1 }, at);
      const condExpr = field(condField.header, condField.field);
      ops.push({ op: { op: "set", dest: condExpr, value: boolToData(s.cond) }, source: s.source });
      const join = fresh(`${name}_join`);
      const thenName = fresh(`${name}_true`);
      const elseName = fresh(`${name}_false`);
      out.push({
        name,
        ops,
        key: [condExpr],
        transitions: [
          { type: "hexstr", value: 1n, mask: null, keyWidth: 8, next: thenName },
          { type: "default", next: elseName },
        ],
      });
      splitState(thenName, s.then, [], [{ type: "default", next: join }], out, fresh, lowerer, at);
      splitState(elseName, s.else, [], [{ type: "default", next: join }], out, fresh, lowerer, at);
      splitState(join, body.slice(i + 1), key, transitions, out, fresh, lowerer, at);
      return;
    }
    if (s.k === "callParser") {
      // The state ends by entering the sub-parser; its accept continues with the rest of this state.
      const prefix = fresh(s.prefix);
      const rest = fresh(`${name}_after_${prefix}`);
      const subNaming: StateNaming = { name: (n) => `${prefix}_${n}`, accept: rest };
      const subStates: IrParseState[] = [];
      const setup = lowerStates(lowerer, s.decl, s.env, subNaming, subStates, fresh);
      ops.push(...setup.flatMap((x) => opsOf(x, lowerer, at)));
      out.push({ name, ops, key: [], transitions: [{ type: "default", next: subNaming.name("start") }] });
      out.push(...subStates);
      splitState(rest, body.slice(i + 1), key, transitions, out, fresh, lowerer, at);
      return;
    }
    for (const op of opsOf(s, lowerer, at)) ops.push(op);
  }
  out.push({ name, ops, key, transitions });
}

function opsOf(s: NStmt, lowerer: Lowerer, at: SrcLoc): { op: IrParserOp; source: SourceInfo | null }[] {
  switch (s.k) {
    case "prim":
      return [{ op: parserOp(s.prim), source: s.prim.source }];
    case "scope":
      return s.body.flatMap((x) => opsOf(x, lowerer, at));
    case "if":
      throw new LowerError(at, "conditionals nested in calls inside parser states are not supported by the bmv2 back end");
    default:
      throw new LowerError(at, `a ${s.k} statement is not allowed in a parser`);
  }
}

function parserOp(p: IrPrimitive): IrParserOp {
  switch (p.op) {
    case "extract":
      return { op: "extract", target: p.args[0]! };
    case "extract_VL":
      return { op: "extract_VL", target: p.args[0]!, lengthBits: p.args[1]! };
    case "assign":
      return { op: "set", dest: p.args[0]!, value: p.args[1]! };
    case "verify":
      return { op: "verify", condition: p.args[0]!, error: p.args[1]! };
    case "advance":
      return { op: "advance", bits: p.args[0]! };
    default:
      return { op: "primitive", primitive: p };
  }
}
