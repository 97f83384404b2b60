import type {
  ActionDecl,
  BoundArg,
  CallExpr,
  ControlDecl,
  Declaration,
  Expr,
  FunctionDecl,
  Instantiation,
  MemberExpr,
  Param,
  Stmt,
  SwitchStmt,
  TableDecl,
  Type,
} from "../ast/nodes.ts";
import type { IrActionCall, IrExpr, IrPrimitive, IrRuntimeParam } from "../ir/program.ts";
import { actionBodyPrimitives } from "./action_body.ts";
import type { LowerContext } from "./context.ts";
import { Env, type Binding } from "./env.ts";
import { declareExtern, externCall } from "./externs.ts";
import { bool, boolToData, dataToBool, field, konst, op, truncate, twoComp, validOf } from "./ir_build.ts";
import type { NStmt } from "./nstmt.ts";
import { stackOperand, type FieldLoc, type Loc } from "./storage.ts";
import { buildTable } from "./table.ts";
import {
  LowerError,
  annotationNumber,
  annotationString,
  hasAnnotation,
  isBool,
  isScalar,
  isSigned,
  mask,
  p4infoAnnotations,
  representation,
  resolved,
  scalarWidth,
  typeOf,
} from "./types.ts";

/** Which bmv2 construct the statements being lowered end up in. */
export type Mode = "action" | "control" | "parser" | "deparser";

/**
 * Lowers P4 statements and expressions (after the checker) to NStmt/IR: inlining calls of
 * functions, actions and sub-controls, mapping storage to bmv2 fields and v1model externs to
 * bmv2 primitives.
 */
export class Lowerer {
  constructor(
    readonly ctx: LowerContext,
    readonly mode: Mode,
  ) {}

  withMode(mode: Mode): Lowerer {
    return new Lowerer(this.ctx, mode);
  }

  // ----------------------------------------------------------------------------------------
  // Expressions

  /** The value of `e`: a bmv2 boolean for bool-typed expressions, data otherwise. */
  rv(e: Expr, env: Env, out: NStmt[]): IrExpr {
    const t = typeOf(e);
    if (e.constValue !== undefined && e.kind !== "CallExpr") return this.constant(e.constValue, t);
    const dynamic = (e.kind === "IndexExpr" || e.kind === "MemberExpr") && isScalar(t) ? dynamicIndex(e) : null;
    if (dynamic) {
      // bmv2 cannot index a stack by a run-time value: read every element, pick by the index.
      const { index, size } = this.indexTemp(dynamic, env, out);
      let result: IrExpr | null = null;
      for (let i = size - 1; i >= 0; i--) {
        const v = this.rv(withIndex(e, dynamic, i), env, out);
        result = result === null ? v : { kind: "ternary", cond: op("==", index, konst(BigInt(i), null)), ifTrue: v, ifFalse: result };
      }
      return result!;
    }
    switch (e.kind) {
      case "PathExpr":
      case "IndexExpr":
        return this.readLoc(this.binding(e, env, out), e);
      case "MemberExpr":
        return this.member(e, env, out);
      case "CallExpr":
        return this.callValue(e, env, out);
      case "UnaryExpr": {
        const v = this.rv(e.operand, env, out);
        if (e.op === "!") return op("not", null, v);
        if (e.op === "+") return v;
        const w = scalarWidth(t, e.loc);
        if (e.op === "~") return isSigned(t) ? twoComp(op("~", null, v), w) : truncate(op("~", null, v), w);
        return isSigned(t) ? twoComp(op("-", konst(0n, null), v), w) : truncate(op("-", konst(0n, null), v), w);
      }
      case "BinaryExpr":
        return this.binary(e.op, e.left, e.right, t, env, out, e);
      case "TernaryExpr": {
        const cond = this.rv(e.cond, env, out);
        const trueStmts: NStmt[] = [];
        const falseStmts: NStmt[] = [];
        const ifTrue = this.rv(e.ifTrue, env, trueStmts);
        const ifFalse = this.rv(e.ifFalse, env, falseStmts);
        if (trueStmts.length === 0 && falseStmts.length === 0) return { kind: "ternary", cond, ifTrue, ifFalse };
        // A branch with effects runs only when chosen.
        const temp = this.ctx.storage.scalar("tmp", t, e.loc);
        const dest = field(temp.header, temp.field);
        const set = (v: IrExpr) => this.prim("assign", [dest, isBool(t) ? boolToData(v) : v], e.loc);
        out.push({ k: "if", cond, then: [...trueStmts, set(ifTrue)], else: [...falseStmts, set(ifFalse)], source: this.ctx.src.info(e.loc) });
        return this.readLoc(temp, e);
      }
      case "CastExpr":
        return this.cast(this.rv(e.expr, env, out), typeOf(e.expr), t);
      case "SliceExpr": {
        const hi = Number(e.hi.constValue);
        const lo = Number(e.lo.constValue);
        const v = this.rv(e.target, env, out);
        return truncate(lo === 0 ? v : op(">>", v, konst(BigInt(lo), null)), hi - lo + 1);
      }
      default:
        throw new LowerError(e.loc, `cannot lower a ${e.kind} here`);
    }
  }

  /** Evaluates a run-time stack index once, into a scalar. */
  private indexTemp(ix: Expr & { kind: "IndexExpr" }, env: Env, out: NStmt[]): { index: IrExpr; size: number } {
    const stackType = representation(typeOf(ix.target));
    if (stackType.kind !== "stack") throw new LowerError(ix.loc, "only header stacks can be indexed");
    const temp = this.ctx.storage.scalar("index", typeOf(ix.index), ix.loc);
    const dest = field(temp.header, temp.field);
    out.push(this.prim("assign", [dest, this.rv(ix.index, env, out)], ix.loc));
    return { index: dest, size: stackType.size };
  }

  constant(value: bigint | boolean, t: Type): IrExpr {
    if (typeof value === "boolean") return bool(value);
    const r = representation(t);
    if (r.kind === "bit") return konst(BigInt.asUintN(r.width, value), r.width);
    if (r.kind === "int") return konst(BigInt.asIntN(r.width, value), r.width);
    if (r.kind === "bool") return bool(value !== 0n);
    if (r.kind === "error" || r.kind === "enum") return konst(value, 32);
    return konst(value, null);
  }

  private readLoc(loc: Loc | Binding, e: Expr): IrExpr {
    if ("b" in loc) {
      if (loc.b === "param") return isBool(loc.type) ? dataToBool({ kind: "param", index: loc.index }) : { kind: "param", index: loc.index };
      if (loc.b === "value") return loc.value;
      throw new LowerError(e.loc, `'${e.kind === "PathExpr" ? e.name : "this"}' is not a value`);
    }
    if (loc.k === "field") {
      const f = field(loc.header, loc.field);
      return isBool(loc.type) ? dataToBool(f) : f;
    }
    if (loc.k === "header") return { kind: "header", name: loc.name };
    if (loc.k === "stack") return stackOperand(loc);
    if (loc.k === "union") return { kind: "headerUnion", name: loc.name };
    throw new LowerError(e.loc, "a struct value cannot be used as a scalar here");
  }

  private binding(e: Expr, env: Env, out: NStmt[]): Loc | Binding {
    if (e.kind === "PathExpr") {
      const b = e.ref ? env.lookup(e.ref) : undefined;
      if (!b) throw new LowerError(e.loc, `'${e.name}' has no storage here`);
      return b.b === "loc" ? b.loc : b;
    }
    return this.lv(e, env, out);
  }

  /** Storage named by an l-value expression (also used to read aggregates). */
  lv(e: Expr, env: Env, out: NStmt[]): Loc {
    switch (e.kind) {
      case "PathExpr": {
        const b = e.ref ? env.lookup(e.ref) : undefined;
        if (b?.b === "loc") return b.loc;
        throw new LowerError(e.loc, `'${e.name}' is not a variable`);
      }
      case "MemberExpr": {
        const base = this.lv(e.target, env, out);
        return this.memberLoc(base, e);
      }
      case "IndexExpr": {
        const base = this.lv(e.target, env, out);
        const index = e.index.constValue;
        if (base.k === "struct" && representation(base.type).kind === "tuple" && typeof index === "bigint") {
          const element = base.fields.get(String(index));
          if (!element) throw new LowerError(e.loc, `index ${index} is out of the tuple's bounds`);
          return element;
        }
        if (base.k !== "stack") throw new LowerError(e.loc, "only header stacks can be indexed");
        if (typeof index !== "bigint") throw new LowerError(e.loc, "header stack indices must be compile-time constants for the bmv2 back end");
        const element = base.elements[Number(index)];
        if (!element) throw new LowerError(e.loc, `index ${index} is out of the stack's bounds`);
        return element;
      }
      case "DontCareExpr":
        return this.ctx.storage.allocate("tmp", typeOf(e), e.loc);
      case "CallExpr": {
        const t = typeOf(e);
        const temp = this.ctx.storage.allocate("tmp", t, e.loc);
        this.assignFromCall(temp, e, env, out);
        return temp;
      }
      default:
        throw new LowerError(e.loc, `a ${e.kind} is not an l-value`);
    }
  }

  private memberLoc(base: Loc, e: MemberExpr): Loc {
    if (base.k === "struct" || base.k === "union") {
      const f = base.k === "struct" ? base.fields.get(e.member) : base.members.get(e.member);
      if (!f) throw new LowerError(e.loc, `no member '${e.member}'`);
      return f;
    }
    if (base.k === "header") {
      const f = base.fields.get(e.member);
      if (!f) throw new LowerError(e.loc, `header has no field '${e.member}'`);
      return f;
    }
    throw new LowerError(e.loc, `cannot take member '${e.member}' of this value`);
  }

  private member(e: MemberExpr, env: Env, out: NStmt[]): IrExpr {
    if (e.ref?.kind === "DeclaredId" && e.ref.owner === "error") {
      return konst(BigInt(this.ctx.errorCodes.get(e.ref) ?? 0), 32);
    }
    if (e.ref?.kind === "EnumMember") {
      const t = typeOf(e);
      if (e.ref.constValue !== undefined) return this.constant(e.ref.constValue, t);
      const r = representation(t);
      if (r.kind === "enum") return konst(BigInt(r.decl.members.indexOf(e.ref)), 32);
    }
    // t.apply().hit / .miss used as a value: apply the table and remember the outcome.
    if ((e.member === "hit" || e.member === "miss") && e.target.kind === "CallExpr" && e.target.target?.kind === "tableApply") {
      const f = this.ctx.storage.scalar("tmp", { kind: "bool" }, e.loc);
      const set = (v: bigint): NStmt[] => [this.prim("assign", [field(f.header, f.field), konst(v, 1)], e.loc)];
      const table = this.tableName(e.target.target.table, env);
      out.push({ k: "applyHit", table, hit: set(e.member === "hit" ? 1n : 0n), miss: set(e.member === "hit" ? 0n : 1n) });
      return dataToBool(field(f.header, f.field));
    }
    const targetType = e.target.type ? representation(e.target.type) : null;
    if (targetType?.kind === "stack") {
      const stack = this.lv(e.target, env, out);
      if (stack.k !== "stack") throw new LowerError(e.loc, "not a stack");
      if (e.member === "size") return konst(BigInt(stack.elements.length), 32);
      if (e.member === "lastIndex") return op("last_stack_index", null, stackOperand(stack));
    }
    // stack.last.f in a parser: a field of the last extracted element.
    if (e.target.kind === "MemberExpr" && e.target.member === "last") {
      const stack = this.lv(e.target.target, env, out);
      if (stack.k === "stack") {
        const v: IrExpr = { kind: "stackField", stack: stack.name, field: e.member };
        return isBool(typeOf(e)) ? dataToBool(v) : v;
      }
    }
    return this.readLoc(this.lv(e, env, out), e);
  }

  private binary(operator: string, left: Expr, right: Expr, t: Type, env: Env, out: NStmt[], e: Expr): IrExpr {
    const lt = typeOf(left);
    if (operator === "&&" || operator === "||") {
      const l = this.rv(left, env, out);
      const rightStmts: NStmt[] = [];
      const r = this.rv(right, env, rightStmts);
      if (rightStmts.length === 0) return op(operator === "&&" ? "and" : "or", l, r);
      // The right side has effects: evaluate it only when the left side does not decide.
      const flag = this.ctx.storage.scalar("tmp", { kind: "bool" }, e.loc);
      const f = field(flag.header, flag.field);
      out.push(this.prim("assign", [f, boolToData(l)], e.loc));
      const evalRight = [...rightStmts, this.prim("assign", [f, boolToData(r)], e.loc)];
      out.push({ k: "if", cond: dataToBool(f), then: operator === "&&" ? evalRight : [], else: operator === "&&" ? [] : evalRight, source: this.ctx.src.info(e.loc) });
      return dataToBool(f);
    }
    if (operator === "==" || operator === "!=") {
      if (!isScalar(lt)) return this.aggregateEquality(operator, left, right, env, out);
      const l = this.rv(left, env, out);
      const r = this.rv(right, env, out);
      return isBool(lt) ? op(operator, boolToData(l), boolToData(r)) : op(operator, l, r);
    }
    const l = this.rv(left, env, out);
    const r = this.rv(right, env, out);
    if (["<", "<=", ">", ">="].includes(operator)) return op(operator, l, r);
    const w = scalarWidth(t, e.loc);
    const signed = isSigned(t);
    switch (operator) {
      case "+":
      case "-":
      case "*":
      case "<<":
        return signed ? twoComp(op(operator, l, r), w) : truncate(op(operator, l, r), w);
      case ">>":
      case "&":
      case "|":
      case "^":
      case "/":
      case "%":
        return op(operator, l, r);
      case "|+|":
        return op(signed ? "sat_cast" : "usat_cast", op("+", l, r), konst(BigInt(w), null));
      case "|-|":
        return op(signed ? "sat_cast" : "usat_cast", op("-", l, r), konst(BigInt(w), null));
      case "++": {
        const rw = scalarWidth(typeOf(right), right.loc);
        const lw = scalarWidth(lt, left.loc);
        const lu = isSigned(lt) ? truncate(l, lw) : l;
        const ru = isSigned(typeOf(right)) ? truncate(r, rw) : r;
        const joined = op("|", truncate(op("<<", lu, konst(BigInt(rw), null)), w), ru);
        return signed ? twoComp(joined, w) : joined;
      }
      default:
        throw new LowerError(e.loc, `operator ${operator} is not supported by the bmv2 back end`);
    }
  }

  /** Header/struct equality: validity and every field equal. */
  private aggregateEquality(operator: "==" | "!=", left: Expr, right: Expr, env: Env, out: NStmt[]): IrExpr {
    const l = this.lv(left, env, out);
    const r = this.lv(right, env, out);
    const parts = equalityParts(l, r);
    const all = parts.reduce<IrExpr | null>((acc, p) => (acc ? op("and", acc, p) : p), null) ?? bool(true);
    return operator === "==" ? all : op("not", null, all);
  }

  cast(v: IrExpr, from: Type, to: Type): IrExpr {
    const f = representation(from);
    const t = representation(to);
    if (t.kind === "bool" && f.kind !== "bool") return dataToBool(v);
    if (f.kind === "bool" && t.kind !== "bool") return boolToData(v);
    if (t.kind === "bit") {
      const fw = f.kind === "bit" || f.kind === "int" ? f.width : Infinity;
      if (f.kind === "int" || fw > t.width) return truncate(v, t.width);
      return v;
    }
    if (t.kind === "int") {
      if (f.kind === "int" && f.width <= t.width) return v;
      return twoComp(v, t.width);
    }
    return v;
  }

  // ----------------------------------------------------------------------------------------
  // Calls

  private callValue(e: CallExpr, env: Env, out: NStmt[]): IrExpr {
    const target = e.target;
    if (!target) throw new LowerError(e.loc, "internal: call was not resolved by the front end");
    if (target.kind === "builtin") {
      if (target.name === "isValid") return this.validity(this.lv(target.receiver, env, out), e);
      if (target.name.endsWith("SizeInBits") || target.name.endsWith("SizeInBytes")) {
        if (e.constValue !== undefined) return this.constant(e.constValue, typeOf(e));
      }
      throw new LowerError(e.loc, `${target.name}() has no value`);
    }
    if (target.kind === "externMethod" && target.method.name === "lookahead") {
      const t = e.inferredTypeArgs?.[0] ?? typeOf(e);
      const w = scalarWidth(t, e.loc);
      const v: IrExpr = { kind: "lookahead", offset: 0, width: w };
      return isBool(t) ? dataToBool(v) : v;
    }
    if (e.constValue !== undefined) return this.constant(e.constValue, typeOf(e));
    const t = typeOf(e);
    if (isScalar(t)) {
      const temp = this.ctx.storage.scalar("tmp", t, e.loc);
      this.assignFromCall(temp, e, env, out);
      return this.readLoc(temp, e);
    }
    throw new LowerError(e.loc, "this call cannot be used as a value");
  }

  private validity(loc: Loc, e: Expr): IrExpr {
    if (loc.k === "header") return validOf(loc.name);
    if (loc.k === "union") return op("valid_union", null, { kind: "headerUnion", name: loc.name });
    throw new LowerError(e.loc, "isValid() needs a header or a header union");
  }

  /** Runs a function (or extern) call whose result goes to `dest`. */
  private assignFromCall(dest: Loc, e: CallExpr, env: Env, out: NStmt[]): void {
    const target = e.target;
    if (target?.kind === "function") {
      this.inlineFunction(target.decl, e, env, out, dest);
      return;
    }
    if (target?.kind === "externMethod" && target.method.name === "lookahead") {
      this.lookaheadInto(dest, e, out);
      return;
    }
    throw new LowerError(e.loc, `a call of ${target?.kind ?? "this"} cannot produce a value for the bmv2 back end`);
  }

  /**
   * `lookahead<T>()` of a header, struct or stack, as p4c lowers it: the next bits of the
   * packet into one wide temporary, then each field sliced out of it in declaration order,
   * every header on the way made valid.
   */
  private lookaheadInto(dest: Loc, e: CallExpr, out: NStmt[]): void {
    const leaves: ({ k: "valid"; header: string } | { k: "field"; loc: FieldLoc; width: number })[] = [];
    const walk = (loc: Loc): void => {
      switch (loc.k) {
        case "field":
          leaves.push({ k: "field", loc, width: scalarWidth(loc.type, e.loc) });
          return;
        case "header":
          leaves.push({ k: "valid", header: loc.name });
          for (const f of loc.fields.values()) walk(f);
          return;
        case "struct":
          for (const f of loc.fields.values()) walk(f);
          return;
        case "stack":
          for (const element of loc.elements) walk(element);
          return;
        case "union":
          throw new LowerError(e.loc, "lookahead of a header union is not supported by the bmv2 back end");
      }
    };
    walk(dest);
    const total = leaves.reduce((n, l) => n + (l.k === "field" ? l.width : 0), 0);
    if (total === 0) return;
    const bits = this.ctx.storage.scalar("tmp", { kind: "bit", width: total }, e.loc);
    out.push(this.prim("assign", [field(bits.header, bits.field), { kind: "lookahead", offset: 0, width: total }], e.loc));
    let consumed = 0;
    for (const leaf of leaves) {
      if (leaf.k === "valid") {
        out.push(this.prim("add_header", [{ kind: "header", name: leaf.header }], e.loc));
        continue;
      }
      consumed += leaf.width;
      const shifted = total - consumed > 0 ? op(">>", field(bits.header, bits.field), konst(BigInt(total - consumed), null)) : field(bits.header, bits.field);
      const value = truncate(shifted, leaf.width);
      out.push(this.prim("assign", [field(leaf.loc.header, leaf.loc.field), isSigned(leaf.loc.type) ? twoComp(value, leaf.width) : value], e.loc));
    }
  }

  private inlineFunction(decl: FunctionDecl, call: CallExpr, env: Env, out: NStmt[], result: Loc | null): void {
    const copyOut: NStmt[] = [];
    const inner = this.bindParams(decl.params, call.boundArgs ?? [], env, out, call, { copyOut });
    const body: NStmt[] = [];
    this.block(decl.body.stmts, inner, body, { returnTo: result });
    out.push({ k: "scope", body }, ...copyOut);
  }

  /**
   * Binds the parameters of an inlined callee. In-arguments are copied (the callee sees the
   * value at call time). Out/inout arguments follow P4's copy-in/copy-out when `copy` is given
   * (functions and actions: the copies go back after the body, so aliasing between arguments
   * behaves as the language says); controls alias the caller's storage, as p4c's output does.
   */
  bindParams(
    params: readonly Param[],
    bound: readonly BoundArg[],
    env: Env,
    out: NStmt[],
    at: { loc: Expr["loc"] },
    copy: { copyOut: NStmt[] } | null,
    scopePath?: string,
  ): Env {
    const inner = env.child(scopePath);
    for (const p of params) {
      const arg = bound.find((b) => b.param === p)?.value ?? p.defaultValue;
      const pt = resolved(p.type);
      // packet_in/packet_out and extern objects are passed through, not copied.
      if (representation(pt).kind === "extern") {
        const passed = arg?.kind === "PathExpr" && arg.ref ? env.lookup(arg.ref) : undefined;
        if (passed) inner.bind(p, passed);
        continue;
      }
      if (p.direction === "out" || p.direction === "inout") {
        if (!arg || arg.kind === "DontCareExpr") {
          inner.bind(p, { b: "loc", loc: this.ctx.storage.allocate(p.name, pt, p.loc) });
          continue;
        }
        const dynamic = dynamicIndex(arg);
        if (dynamic && copy) {
          // One index evaluation; the element is read and written back through guarded copies.
          const { index, size } = this.indexTemp(dynamic, env, out);
          const temp = this.ctx.storage.allocate(p.name, pt, p.loc);
          for (let i = 0; i < size; i++) {
            const element = this.lv(withIndex(arg, dynamic, i), env, out);
            const cond = op("==", index, konst(BigInt(i), null));
            const copyIn: NStmt[] = [];
            const back: NStmt[] = [];
            if (p.direction === "inout") this.copy(temp, element, copyIn, arg.loc);
            this.copy(element, temp, back, arg.loc);
            out.push({ k: "if", cond, then: copyIn, else: [], source: null });
            copy.copyOut.push({ k: "if", cond, then: back, else: [], source: null });
          }
          inner.bind(p, { b: "loc", loc: temp });
          continue;
        }
        const target = this.lv(arg, env, out);
        if (!copy) {
          inner.bind(p, { b: "loc", loc: target });
          continue;
        }
        const temp = this.ctx.storage.allocate(p.name, pt, p.loc);
        if (p.direction === "inout") this.copy(temp, target, out, arg.loc);
        else this.invalidateHeaders(temp, out, arg.loc);
        this.copy(target, temp, copy.copyOut, arg.loc);
        inner.bind(p, { b: "loc", loc: temp });
        continue;
      }
      if (!arg) throw new LowerError(at.loc, `no argument for parameter '${p.name}'`);
      const v = this.argumentBinding(arg, pt, env, out);
      inner.bind(p, v);
    }
    return inner;
  }

  /** An in-argument: constants and extern/control references pass as they are, values are copied. */
  private argumentBinding(arg: Expr, pt: Type, env: Env, out: NStmt[]): Binding {
    if (arg.constValue !== undefined) return { b: "value", value: this.constant(arg.constValue, pt), type: pt };
    if (arg.kind === "PathExpr" && arg.ref) {
      const b = env.lookup(arg.ref);
      if (b && (b.b === "extern" || b.b === "param" || b.b === "value" || b.b === "control" || b.b === "parser")) return b;
    }
    const temp = this.ctx.storage.allocate("tmp", pt, arg.loc);
    this.assign(temp, arg, env, out);
    return { b: "loc", loc: temp };
  }

  // ----------------------------------------------------------------------------------------
  // Statements

  block(stmts: readonly Stmt[], env: Env, out: NStmt[], fn: FunctionFrame | null): void {
    const inner = env.child();
    for (const s of stmts) this.stmt(s, inner, out, fn);
  }

  stmt(s: Stmt, env: Env, out: NStmt[], fn: FunctionFrame | null): void {
    switch (s.kind) {
      case "AssignStmt": {
        if (s.target.kind === "SliceExpr") {
          this.assignSlice(s.target, s.value, env, out, s.loc);
          return;
        }
        const dynamic = dynamicIndex(s.target);
        if (dynamic) {
          // Writing through a run-time index: one guarded assignment per element.
          const { index, size } = this.indexTemp(dynamic, env, out);
          for (let i = 0; i < size; i++) {
            const branch: NStmt[] = [];
            this.stmt({ ...s, target: withIndex(s.target, dynamic, i) }, env, branch, fn);
            out.push({ k: "if", cond: op("==", index, konst(BigInt(i), null)), then: branch, else: [], source: this.ctx.src.info(s.loc) });
          }
          return;
        }
        this.assign(this.lv(s.target, env, out), s.value, env, out, s.loc);
        return;
      }
      case "CallStmt":
        this.callStmt(s.call, env, out);
        return;
      case "IfStmt":
        this.ifStmt(s.cond, s.then, s.else, env, out, fn);
        return;
      case "BlockStmt":
        this.block(s.stmts, env, out, fn);
        return;
      case "SwitchStmt":
        this.switchStmt(s, env, out, fn);
        return;
      case "ReturnStmt":
        if (s.value && fn?.returnTo) this.assign(fn.returnTo, s.value, env, out, s.loc);
        out.push({ k: "return" });
        return;
      case "ExitStmt":
        out.push({ k: "exit", source: this.ctx.src.info(s.loc, "exit") });
        return;
      case "EmptyStmt":
        return;
      case "VarDecl": {
        const t = resolved(s.type);
        const loc = this.ctx.storage.allocate(s.name, t, s.loc);
        env.bind(s, { b: "loc", loc });
        if (s.init) this.assign(loc, s.init, env, out, s.loc);
        else this.invalidateHeaders(loc, out, s.loc);
        return;
      }
      case "ConstDecl": {
        const t = resolved(s.type);
        if (s.value.constValue !== undefined) {
          env.bind(s, { b: "value", value: this.constant(s.value.constValue, t), type: t });
          return;
        }
        const loc = this.ctx.storage.allocate(s.name, t, s.loc);
        env.bind(s, { b: "loc", loc });
        this.assign(loc, s.value, env, out, s.loc);
        return;
      }
      case "Instantiation":
        this.instantiate(s, env);
        return;
    }
  }

  /** Headers declared without an initializer start invalid (they may be reused per packet by inlining). */
  invalidateHeaders(loc: Loc, out: NStmt[], at: Stmt["loc"]): void {
    if (loc.k === "header") out.push(this.prim("remove_header", [{ kind: "header", name: loc.name }], at));
    else if (loc.k === "struct") for (const f of loc.fields.values()) this.invalidateHeaders(f, out, at);
  }

  instantiate(s: Instantiation, env: Env): void {
    const t = resolved(s.type);
    const r = representation(t);
    if (r.kind === "control" && r.decl.kind === "ControlDecl") {
      env.bind(s, { b: "control", decl: r.decl, path: env.qualify(s.name), inst: s });
    } else if (r.kind === "parser" && r.decl.kind === "ParserDecl") {
      env.bind(s, { b: "parser", decl: r.decl, path: env.qualify(s.name), inst: s });
    } else if (r.kind === "extern") {
      const name = this.controlPlaneName(s.annotations, s.name, env);
      env.bind(s, { b: "extern", name, decl: s, externName: r.decl.name });
      declareExtern(this, { loc: s.loc, name: s.name, annotations: s.annotations, boundArgs: s.boundArgs, type: t }, r.decl.name, name);
    } else {
      throw new LowerError(s.loc, `cannot instantiate a ${r.kind} here`);
    }
  }

  /** `@name("x")` renames; a leading dot makes it global, as p4c does. */
  controlPlaneName(annotations: Instantiation["annotations"], name: string, env: Env): string {
    const given = annotationString(annotations, "name");
    if (given === null) return env.qualify(name);
    return given.startsWith(".") ? given.slice(1) : env.qualify(given);
  }

  private ifStmt(condExpr: Expr, then: Stmt, otherwise: Stmt | undefined, env: Env, out: NStmt[], fn: FunctionFrame | null): void {
    if (typeof condExpr.constValue === "boolean") {
      const chosen = condExpr.constValue ? then : otherwise;
      if (chosen) this.stmt(chosen, env.child(), out, fn);
      return;
    }
    const thenOut: NStmt[] = [];
    const elseOut: NStmt[] = [];
    // `if (t.apply().hit)` and its negations map straight onto the table's hit/miss successors.
    const applied = this.hitTest(condExpr);
    if (applied && this.mode === "control") {
      this.stmt(then, env.child(), thenOut, fn);
      if (otherwise) this.stmt(otherwise, env.child(), elseOut, fn);
      const table = this.tableName(applied.table, env);
      out.push(applied.positive ? { k: "applyHit", table, hit: thenOut, miss: elseOut } : { k: "applyHit", table, hit: elseOut, miss: thenOut });
      return;
    }
    const cond = this.rv(condExpr, env, out);
    this.stmt(then, env.child(), thenOut, fn);
    if (otherwise) this.stmt(otherwise, env.child(), elseOut, fn);
    out.push({ k: "if", cond, then: thenOut, else: elseOut, source: this.ctx.src.info(condExpr.loc) });
  }

  private hitTest(e: Expr): { table: TableDecl; positive: boolean } | null {
    if (e.kind === "UnaryExpr" && e.op === "!") {
      const inner = this.hitTest(e.operand);
      return inner ? { table: inner.table, positive: !inner.positive } : null;
    }
    if (e.kind === "MemberExpr" && (e.member === "hit" || e.member === "miss") && e.target.kind === "CallExpr" && e.target.target?.kind === "tableApply") {
      return { table: e.target.target.table, positive: e.member === "hit" };
    }
    return null;
  }

  private switchStmt(s: SwitchStmt, env: Env, out: NStmt[], fn: FunctionFrame | null): void {
    const subject = s.subject;
    // Bodies of labels without one fall through to the next label's body.
    const groups: { labels: (Expr | "default")[]; body: Stmt | undefined }[] = [];
    let pending: (Expr | "default")[] = [];
    for (const c of s.cases) {
      pending.push(c.label.kind === "DefaultLabel" ? "default" : c.label.expr);
      if (c.body) {
        groups.push({ labels: pending, body: c.body });
        pending = [];
      }
    }
    if (pending.length > 0) groups.push({ labels: pending, body: undefined });

    if (subject.kind === "MemberExpr" && subject.member === "action_run" && subject.target.kind === "CallExpr" && subject.target.target?.kind === "tableApply") {
      const tableDecl = subject.target.target.table;
      const table = this.tableName(tableDecl, env);
      const build = this.ctx.tables.get(table)!;
      const cases = groups.map((g) => {
        const body: NStmt[] = [];
        if (g.body) this.stmt(g.body, env.child(), body, fn);
        const actions = g.labels.includes("default")
          ? ("default" as const)
          : g.labels.map((l) => build.actionNameOf((l as Expr).kind === "PathExpr" ? ((l as Expr & { ref?: Declaration }).ref as ActionDecl) : null, (l as Expr).loc));
        return { actions, body };
      });
      out.push({ k: "applySwitch", table, cases });
      return;
    }
    // A switch on a value: a chain of comparisons, default last.
    const value = this.rv(subject, env, out);
    let tail: NStmt[] = [];
    const defaultGroup = groups.find((g) => g.labels.includes("default"));
    if (defaultGroup?.body) this.stmt(defaultGroup.body, env.child(), tail, fn);
    for (const g of [...groups].reverse()) {
      if (g === defaultGroup) continue;
      const body: NStmt[] = [];
      if (g.body) this.stmt(g.body, env.child(), body, fn);
      const cond = (g.labels as Expr[])
        .map((l) => op("==", value, this.rv(l, env, out)))
        .reduce((a, b) => op("or", a, b));
      tail = [{ k: "if", cond, then: body, else: tail, source: this.ctx.src.info(subject.loc) }];
    }
    out.push(...tail);
  }

  // ----------------------------------------------------------------------------------------
  // Assignment

  assign(dest: Loc, value: Expr, env: Env, out: NStmt[], at = value.loc): void {
    if (value.kind === "CallExpr" && value.target?.kind === "function") {
      // The result lands in a temporary: the call's copy-out happens before the assignment.
      const result = this.ctx.storage.allocate("retval", typeOf(value), value.loc);
      this.inlineFunction(value.target.decl, value, env, out, result);
      this.copy(dest, result, out, at);
      return;
    }
    if (dest.k === "field") {
      const v = this.rv(value, env, out);
      const assignOp = representation(dest.type).kind === "varbit" ? "assign_VL" : "assign";
      out.push(this.prim(assignOp, [field(dest.header, dest.field), isBool(dest.type) ? boolToData(v) : v], at));
      return;
    }
    if (value.kind === "ListExpr" || value.kind === "StructInitExpr") {
      this.assignList(dest, value, env, out, at);
      return;
    }
    if (value.kind === "DontCareExpr") return;
    if (dest.k === "header" && value.kind === "MemberExpr" && value.member === "last") {
      const stack = this.lv(value.target, env, out);
      if (stack.k === "stack") return this.copyLastElement(dest, stack.name, out, at);
    }
    const src = this.lv(value, env, out);
    this.copy(dest, src, out, at);
  }

  /**
   * `h = stack.last` in a parser: which element is last is known only at run time, and bmv2
   * reads it only field by field (`stack_field`), so the header is made valid and filled so.
   */
  private copyLastElement(dest: Loc & { k: "header" }, stack: string, out: NStmt[], at: Stmt["loc"]): void {
    out.push(this.prim("add_header", [{ kind: "header", name: dest.name }], at));
    for (const [name, member] of dest.fields) {
      if (member.k !== "field") throw new LowerError(at, `header field '${name}' cannot be copied from a stack's last element`);
      out.push(this.prim("assign", [field(member.header, member.field), { kind: "stackField", stack, field: name }], at));
    }
  }

  private assignList(dest: Loc, value: Expr & { kind: "ListExpr" | "StructInitExpr" }, env: Env, out: NStmt[], at: Stmt["loc"]): void {
    const names = dest.k === "header" || dest.k === "struct" ? [...dest.fields.keys()] : [];
    const valueOf = (name: string, i: number): Expr | undefined =>
      value.kind === "ListExpr" ? value.elements[i] : value.fields.find((f) => f.name === name)?.value;
    if (dest.k === "header") out.push(this.prim("add_header", [{ kind: "header", name: dest.name }], at));
    names.forEach((name, i) => {
      const v = valueOf(name, i);
      if (!v) return;
      const member = dest.k === "header" || dest.k === "struct" ? dest.fields.get(name) : undefined;
      if (!member) throw new LowerError(at, `no member '${name}' to initialize`);
      this.assign(member, v, env, out, at);
    });
  }

  copy(dest: Loc, src: Loc, out: NStmt[], at: Stmt["loc"]): void {
    if (dest.k === "field" && src.k === "field") {
      const assignOp = representation(dest.type).kind === "varbit" ? "assign_VL" : "assign";
      out.push(this.prim(assignOp, [field(dest.header, dest.field), field(src.header, src.field)], at));
    } else if (dest.k === "header" && src.k === "header") {
      out.push(this.prim("assign_header", [{ kind: "header", name: dest.name }, { kind: "header", name: src.name }], at));
    } else if (dest.k === "struct" && src.k === "struct") {
      for (const [name, d] of dest.fields) {
        const s = src.fields.get(name);
        if (s) this.copy(d, s, out, at);
      }
    } else if (dest.k === "stack" && src.k === "stack") {
      const unions = dest.elements[0]?.k === "union";
      out.push(this.prim(unions ? "assign_union_stack" : "assign_header_stack", [stackOperand(dest), stackOperand(src)], at));
    } else if (dest.k === "union" && src.k === "union") {
      out.push(this.prim("assign_union", [{ kind: "headerUnion", name: dest.name }, { kind: "headerUnion", name: src.name }], at));
    } else {
      throw new LowerError(at, `cannot assign a ${src.k} to a ${dest.k}`);
    }
  }

  /** `x[hi:lo] = v` becomes a read-modify-write of the whole field. */
  /** `x[hi:lo] = v` (slices of slices too) becomes a read-modify-write of the whole field. */
  private assignSlice(target: Expr & { kind: "SliceExpr" }, value: Expr, env: Env, out: NStmt[], at: Stmt["loc"]): void {
    this.assignSliceValue(target, (o) => this.rv(value, env, o), env, out, at);
  }

  /** The slice assignment itself; `value` is lowered after the destination's storage is known. */
  private assignSliceValue(target: Expr & { kind: "SliceExpr" }, value: (out: NStmt[]) => IrExpr, env: Env, out: NStmt[], at: Stmt["loc"]): void {
    // Innermost slice first: each outer slice is relative to the one inside it.
    let base: Expr = target;
    const slices: { hi: number; lo: number }[] = [];
    while (base.kind === "SliceExpr") {
      slices.unshift({ hi: Number(base.hi.constValue), lo: Number(base.lo.constValue) });
      base = base.target;
    }
    let lo = 0;
    let width = 0;
    for (const [i, sl] of slices.entries()) {
      lo = i === 0 ? sl.lo : lo + sl.lo;
      width = sl.hi - sl.lo + 1;
    }
    const dest = this.lv(base, env, out);
    if (dest.k !== "field") throw new LowerError(at, "only fields can be sliced");
    const w = scalarWidth(dest.type, at);
    const sliceMask = mask(width) << BigInt(lo);
    const v = value(out);
    const cur = field(dest.header, dest.field);
    const kept = op("&", cur, konst(mask(w) & ~sliceMask, w));
    const inserted = op("&", op("<<", v, konst(BigInt(lo), null)), konst(sliceMask, w));
    out.push(this.prim("assign", [cur, op("|", kept, inserted)], at));
  }

  // ----------------------------------------------------------------------------------------
  // Call statements

  private callStmt(call: CallExpr, env: Env, out: NStmt[]): void {
    const target = call.target;
    if (!target) throw new LowerError(call.loc, "internal: call was not resolved by the front end");
    switch (target.kind) {
      case "function":
        this.inlineFunction(target.decl, call, env, out, null);
        return;
      case "action":
        this.callAction(target.decl, call, env, out);
        return;
      case "tableApply": {
        if (this.mode !== "control") throw new LowerError(call.loc, "tables can only be applied in controls");
        out.push({ k: "applySwitch", table: this.tableName(target.table, env), cases: [] });
        return;
      }
      case "controlApply":
        this.inlineControl(call, target.instance, env, out);
        return;
      case "builtin":
        this.builtinCall(target.name, target.receiver, call, env, out);
        return;
      case "externFunction":
      case "externMethod":
      case "parserApply":
        externCall(this, call, env, out);
        return;
    }
  }

  private builtinCall(name: string, receiver: Expr, call: CallExpr, env: Env, out: NStmt[]): void {
    const loc = this.lv(receiver, env, out);
    switch (name) {
      case "setValid":
      case "setInvalid": {
        if (loc.k !== "header") throw new LowerError(call.loc, `${name}() needs a header`);
        out.push(this.prim(name === "setValid" ? "add_header" : "remove_header", [{ kind: "header", name: loc.name }], call.loc));
        return;
      }
      case "push_front":
      case "pop_front": {
        if (loc.k !== "stack") throw new LowerError(call.loc, `${name}() needs a header stack`);
        const count = call.args[0]?.value.constValue;
        out.push(this.prim(name === "push_front" ? "push" : "pop", [stackOperand(loc), konst(BigInt(count ?? 1), null)], call.loc));
        return;
      }
      default:
        throw new LowerError(call.loc, `${name}() cannot be used as a statement`);
    }
  }

  private inlineControl(call: CallExpr, instance: Expr, env: Env, out: NStmt[]): void {
    const b = instance.kind === "PathExpr" && instance.ref ? env.lookup(instance.ref) : undefined;
    if (!b || b.b !== "control") throw new LowerError(call.loc, "cannot find the control instance applied here");
    const inner = this.bindParams(b.decl.params, call.boundArgs ?? [], env, out, call, null, b.path);
    this.bindCtorParams(b.decl, b.inst, inner, env);
    const body: NStmt[] = [];
    this.controlBody(b.decl, inner, body);
    out.push({ k: "scope", body });
  }

  bindCtorParams(decl: { ctorParams: Param[] }, inst: Instantiation | null, inner: Env, outer: Env): void {
    for (const p of decl.ctorParams) {
      const arg = inst?.boundArgs?.find((a) => a.param === p)?.value ?? p.defaultValue;
      if (arg?.constValue !== undefined) {
        inner.bind(p, { b: "value", value: this.constant(arg.constValue, resolved(p.type)), type: resolved(p.type) });
      } else if (arg?.kind === "PathExpr" && arg.ref) {
        const bound = outer.lookup(arg.ref);
        if (bound) inner.bind(p, bound);
      }
    }
  }

  /** The locals and apply block of a control, in the control's own scope. */
  controlBody(decl: ControlDecl, env: Env, out: NStmt[]): void {
    for (const local of decl.locals) {
      switch (local.kind) {
        case "VarDecl":
        case "ConstDecl":
        case "Instantiation":
          this.stmt(local, env, out, null);
          break;
        case "TableDecl":
          env.bind(local, { b: "table", decl: local, path: env.path });
          break;
        case "ActionDecl":
          break;
      }
    }
    const body: NStmt[] = [];
    this.block(decl.apply.stmts, env, body, null);
    out.push({ k: "scope", body });
  }

  private callAction(decl: ActionDecl, call: CallExpr, env: Env, out: NStmt[]): void {
    if (this.mode === "action" || this.mode === "parser" || this.mode === "deparser") {
      const copyOut: NStmt[] = [];
      const inner = this.bindParams(decl.params, call.boundArgs ?? [], env, out, call, { copyOut });
      const body: NStmt[] = [];
      this.block(decl.body.stmts, inner, body, { returnTo: null });
      out.push({ k: "scope", body }, ...copyOut);
      return;
    }
    const dynamic = (call.boundArgs ?? []).map((b) => (b.value && b.param.direction !== "none" ? dynamicIndex(b.value) : null)).find((d) => d !== null);
    if (dynamic) {
      // An action binds its out/inout arguments to fixed storage: one call per stack element,
      // guarded by the index evaluated once.
      const { index, size } = this.indexTemp(dynamic, env, out);
      for (let i = 0; i < size; i++) {
        const branch: NStmt[] = [];
        const boundArgs = (call.boundArgs ?? []).map((b) => (b.value ? { ...b, value: withIndex(b.value, dynamic, i) } : b));
        this.callAction(decl, { ...call, boundArgs }, env, branch);
        out.push({ k: "if", cond: op("==", index, konst(BigInt(i), null)), then: branch, else: [], source: this.ctx.src.info(call.loc) });
      }
      return;
    }
    const copyBack: NStmt[] = [];
    const actionCall = this.actionCall(decl, call.boundArgs ?? [], env, out, call.loc, copyBack);
    out.push({ k: "callAction", call: actionCall, source: this.ctx.src.info(call.loc) }, ...copyBack);
  }

  /**
   * The IR action for `decl` as seen from `env`, with the data of a call: directionless
   * parameters become runtime data, directional ones are bound to the call's arguments.
   */
  actionCall(decl: ActionDecl, bound: readonly BoundArg[], env: Env, out: NStmt[], at: Expr["loc"], copyBack?: NStmt[]): IrActionCall {
    const directional = decl.params.filter((p) => p.direction !== "none");
    const runtime = decl.params.filter((p) => p.direction === "none");
    const callEnv = env.child();
    const pre: NStmt[] = [];
    for (const p of directional) {
      const arg = bound.find((b) => b.param === p)?.value ?? p.defaultValue;
      if (!arg) throw new LowerError(at, `no argument for parameter '${p.name}' of action '${decl.name}'`);
      if (arg.kind === "SliceExpr" && copyBack && p.direction !== "in") {
        // A slice is no storage of its own: the action works on a copy that is written back.
        const temp = this.ctx.storage.scalar(p.name, resolved(p.type), arg.loc);
        if (p.direction === "inout") this.assign(temp, arg, env, pre, arg.loc);
        this.assignSliceValue(arg, () => field(temp.header, temp.field), env, copyBack, arg.loc);
        callEnv.bind(p, { b: "loc", loc: temp });
        continue;
      }
      const isPlace = arg.kind === "PathExpr" || arg.kind === "MemberExpr" || arg.kind === "IndexExpr";
      if (p.direction === "in" && !isPlace) {
        // An `in` argument that is a value (a constant, an expression) is copied in first.
        const temp = this.ctx.storage.allocate(p.name, resolved(p.type), arg.loc);
        this.assign(temp, arg, env, pre, arg.loc);
        callEnv.bind(p, { b: "loc", loc: temp });
        continue;
      }
      callEnv.bind(p, { b: "loc", loc: this.lv(arg, env, pre) });
    }
    out.push(...pre);
    const isLocal = this.isControlLocal(decl, env);
    const key = `${this.ctx.objectKey(decl)}|${isLocal ? env.path : ""}|${directional.map((p) => locKey(callEnv.lookup(p)!)).join(",")}`;
    let name = this.ctx.actionKeys.get(key);
    if (name === undefined) {
      const qualified = isLocal ? this.controlPlaneName(decl.annotations, decl.name, env) : nameOfGlobal(decl);
      // One declaration bound to different storage is several bmv2 actions sharing a control-plane name.
      name = this.ctx.uniqueName(qualified);
      this.ctx.actionKeys.set(key, name);
      this.buildAction(decl, callEnv, directional, name, hasAnnotation(decl.annotations, "hidden") ? null : qualified, runtime);
    }
    const data = runtime.map((p) => {
      const arg = bound.find((b) => b.param === p)?.value ?? p.defaultValue;
      const w = scalarWidth(resolved(p.type), p.loc);
      const v = arg?.constValue;
      if (arg && v === undefined) throw new LowerError(arg.loc, "action data must be a compile-time constant here");
      return { value: typeof v === "boolean" ? (v ? 1n : 0n) : BigInt.asUintN(w, v ?? 0n), width: w };
    });
    return { action: name, data };
  }

  private isControlLocal(decl: ActionDecl, env: Env): boolean {
    return !this.ctx.checked.program.decls.includes(decl) && env.path !== "";
  }

  /** Directional parameters get copy-in/copy-out through temporaries, as P4 specifies. */
  private buildAction(decl: ActionDecl, callEnv: Env, directional: Param[], name: string, controlName: string | null, runtime: Param[]): void {
    const inner = callEnv.child();
    const params: IrRuntimeParam[] = runtime.map((p, index) => {
      const t = resolved(p.type);
      const p4info = controlName !== null ? this.ctx.controlPlaneType(t, p.loc) : { bitwidth: scalarWidth(t, p.loc), typeName: null };
      inner.bind(p, { b: "param", index, type: t });
      return { name: p.name, bitwidth: scalarWidth(t, p.loc), idAnnotation: annotationNumber(p.annotations, "id"), p4info };
    });
    const copyIn: NStmt[] = [];
    const copyOut: NStmt[] = [];
    for (const p of directional) {
      const target = callEnv.lookup(p);
      if (target?.b !== "loc") continue;
      const temp = this.ctx.storage.allocate(p.name, resolved(p.type), p.loc);
      if (p.direction === "out") this.invalidateHeaders(temp, copyIn, p.loc);
      else this.copy(temp, target.loc, copyIn, p.loc);
      if (p.direction !== "in") this.copy(target.loc, temp, copyOut, p.loc);
      inner.bind(p, { b: "loc", loc: temp });
    }
    const body: NStmt[] = [...copyIn];
    const actionLowerer = this.withMode("action");
    const main: NStmt[] = [];
    actionLowerer.block(decl.body.stmts, inner, main, { returnTo: null });
    body.push({ k: "scope", body: main }, ...copyOut);
    const globalIndex = this.ctx.checked.program.decls.indexOf(decl);
    const rank = globalIndex >= 0 ? { category: 0 as const, position: globalIndex } : { category: 1 as const, position: this.ctx.sourcePosition(decl.loc.file, decl.loc.line, decl.loc.col) };
    this.ctx.addAction({
      name,
      controlName,
      params,
      primitives: actionBodyPrimitives(body),
      source: this.ctx.src.info(decl.loc, decl.name),
      idAnnotation: annotationNumber(decl.annotations, "id"),
      annotations: p4infoAnnotations(decl.annotations),
    }, rank);
  }

  /** The IR name of a table applied from `env`, building the table on first use. */
  tableName(decl: TableDecl, env: Env): string {
    const b = env.lookup(decl);
    const path = b?.b === "table" ? b.path : env.path;
    const name = this.controlPlaneName(decl.annotations, decl.name, new Env(null, path));
    if (!this.ctx.tables.has(name)) this.ctx.tables.set(name, buildTable(this, decl, name, env));
    return name;
  }

  prim(opName: string, args: IrExpr[], at: Expr["loc"] | null, fragment?: string): NStmt {
    return { k: "prim", prim: this.primitive(opName, args, at, fragment) };
  }

  primitive(opName: string, args: IrExpr[], at: Expr["loc"] | null, fragment?: string): IrPrimitive {
    return { op: opName, args, source: at ? this.ctx.src.info(at, fragment) : null };
  }
}

/** Where `return` in a function body sends its value. */
export interface FunctionFrame {
  readonly returnTo: Loc | null;
}

/** The innermost stack index in an l-value path that is not a compile-time constant. */
function dynamicIndex(e: Expr): (Expr & { kind: "IndexExpr" }) | null {
  let found: (Expr & { kind: "IndexExpr" }) | null = null;
  for (let cur: Expr = e; ; ) {
    if (cur.kind === "IndexExpr") {
      if (typeof cur.index.constValue !== "bigint") found = cur;
      cur = cur.target;
    } else if (cur.kind === "MemberExpr" || cur.kind === "SliceExpr") {
      cur = cur.target;
    } else {
      return found;
    }
  }
}

/** `e` with the stack index `ix` replaced by the constant `i`. */
function withIndex(e: Expr, ix: Expr & { kind: "IndexExpr" }, i: number): Expr {
  if (e === ix) return { ...ix, index: { kind: "IntLiteral", loc: ix.index.loc, value: BigInt(i), text: String(i), type: typeOf(ix.index), constValue: BigInt(i) } };
  if (e.kind === "IndexExpr" || e.kind === "MemberExpr" || e.kind === "SliceExpr") return { ...e, target: withIndex(e.target, ix, i) } as Expr;
  return e;
}

function nameOfGlobal(decl: ActionDecl): string {
  const given = annotationString(decl.annotations, "name");
  if (given === null) return decl.name;
  return given.startsWith(".") ? given.slice(1) : given;
}

function locKey(b: Binding): string {
  if (b.b !== "loc") return b.b;
  const l = b.loc;
  return l.k === "field" ? `${l.header}.${l.field}` : l.k === "struct" ? [...l.fields.values()].map((f) => locKey({ b: "loc", loc: f })).join("+") : l.name;
}

function equalityParts(l: Loc, r: Loc): IrExpr[] {
  if (l.k === "field" && r.k === "field") return [op("==", field(l.header, l.field), field(r.header, r.field))];
  if (l.k === "header" && r.k === "header") {
    const lv = validOf(l.name);
    const rv = validOf(r.name);
    const fields = [...l.fields.entries()].flatMap(([n, f]) => equalityParts(f, r.fields.get(n)!));
    const sameFields = fields.reduce<IrExpr>((a, b) => op("and", a, b), bool(true));
    // Equal when both invalid, or both valid with equal fields.
    return [op("or", op("and", op("not", null, lv), op("not", null, rv)), op("and", op("and", lv, rv), sameFields))];
  }
  if (l.k === "struct" && r.k === "struct") return [...l.fields.entries()].flatMap(([n, f]) => equalityParts(f, r.fields.get(n)!));
  if (l.k === "stack" && r.k === "stack") return l.elements.flatMap((e, i) => equalityParts(e, r.elements[i]!));
  throw new Error("internal: cannot compare these values");
}
