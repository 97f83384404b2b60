/**
 * Type resolution and expression checking: resolves type references and names, computes the
 * type of every expression, folds constants, applies the implicit conversions P4 allows
 * (unsized integer -> bit<N>/int<N>, serializable enum -> its underlying type, list and
 * struct-initialiser expressions -> the struct/header/tuple expected) and no others, and
 * checks calls (overloads, type-argument inference, named/default arguments, directions).
 */
import type {
  ActionDecl, Argument, BoundArg, BuiltinDecl, CallExpr, ControlDecl, DeclaredId, Declaration,
  ControlLocal, Expr, ExternObjectDecl, Field, Instantiation, MethodDecl, Param, ParserDecl, ParserLocal, SrcLoc, Type, TypeParam, TypeRef,
} from "../ast/nodes.ts";
import type { DiagnosticSink } from "../diagnostics/diagnostic.ts";
import { callSiteError, type CallSite } from "./call_sites.ts";
import { MAX_CONSTANT_BITS, MAX_STACK_SIZE, MAX_WIDTH, bitLength, foldBinary, foldUnary, wrapToType } from "./const_fold.ts";
import { Scope } from "./scope.ts";
import {
  BOOL, DONTCARE, ERROR, INFINT, MATCH_KIND, STRING, VOID, bit, isFixedInt, isInteger, substitute, typeEquals,
  typeToString, underlyingOf, unify,
} from "./types.ts";

export const ACCEPT: BuiltinDecl = { kind: "BuiltinDecl", name: "accept", loc: { file: "<builtin>", line: 0, col: 0 } };
export const REJECT: BuiltinDecl = { kind: "BuiltinDecl", name: "reject", loc: { file: "<builtin>", line: 0, col: 0 } };

const HEADER_METHODS = new Set(["isValid", "setValid", "setInvalid"]);
const SIZE_METHODS = new Set(["minSizeInBits", "minSizeInBytes", "maxSizeInBits", "maxSizeInBytes"]);

/** How matchArguments reports; by default every problem is a type error at the call. */
interface ArgumentRules {
  /**
   * An action's directionless parameters may be left for the control plane as far as type
   * checking goes; p4c reports a direct call that leaves one unbound only after its front end.
   */
  controlPlaneParams?: boolean;
  /**
   * p4c checks a constructor call of a package, parser or control by unifying it with the
   * declaration's type, so it reports a wrong argument count at the declaration.
   */
  arityErrorAt?: SrcLoc;
}

type Callable = ArgumentRules & {
  params: Param[];
  typeParams: TypeParam[];
  returnType: Type;
  /** Bindings known before looking at the arguments (extern instance type arguments). */
  bindings: Map<TypeParam, Type>;
};

const NOT_A_TYPE_ARGUMENT: ReadonlySet<Type["kind"]> = new Set(["infint", "table", "applyResult", "action", "state"]);

export class ExprChecker {
  /** Members of the merged `error` type, by name. */
  protected readonly errorMembers = new Map<string, DeclaredId>();
  private readonly resolving = new Set<Declaration>();
  /** The kind of body whose statements are being checked; undefined outside bodies. */
  protected callSite: CallSite | undefined;
  /** Locals of the parser or control whose body is being checked (where direct invocations add their instance). */
  protected instanceHost: (ParserLocal | ControlLocal)[] | undefined;

  constructor(protected readonly sink: DiagnosticSink, private readonly isLibraryFile: (file: string) => boolean = () => false) {}

  /**
   * A declaration's location for an error p4c reports there, unless it is in a bundled library
   * (our core.p4/v1model.p4 are not p4c's line for line): then the caller's site is more use.
   */
  protected declarationSite(loc: SrcLoc): SrcLoc | undefined {
    return this.isLibraryFile(loc.file) ? undefined : loc;
  }

  protected error(loc: SrcLoc, message: string): void {
    this.sink.error(loc, message);
  }

  /** Errors p4c finds only after its front end (so after its unused-declaration warnings). */
  readonly lateErrors: { loc: SrcLoc; message: string }[] = [];

  protected lateError(loc: SrcLoc, message: string): void {
    this.lateErrors.push({ loc, message });
  }

  // -------------------------------------------------------------------------------------------
  // Types

  resolveType(ref: TypeRef, scope: Scope): Type {
    if (ref.resolved !== undefined) return ref.resolved;
    const t = this.computeType(ref, scope);
    ref.resolved = t;
    return t;
  }

  private widthOf(e: Expr, scope: Scope, what: string): number {
    this.check(e, scope);
    const v = e.constValue;
    if (typeof v !== "bigint") {
      this.error(e.loc, `${what} must be a compile-time constant`);
      return 1;
    }
    if (v < 0n) {
      this.error(e.loc, `${what} must not be negative`);
      return 1;
    }
    const max = what === "stack size" ? MAX_STACK_SIZE : MAX_WIDTH;
    if (v > max) {
      this.error(e.loc, `${what} ${v}: the compiler only supports up to ${max}`);
      return 1;
    }
    return Number(v);
  }

  private computeType(ref: TypeRef, scope: Scope): Type {
    switch (ref.kind) {
      case "BitTypeRef":
        return bit(ref.width === undefined ? 1 : this.widthOf(ref.width, scope, "bit width"));
      case "SignedTypeRef": {
        const w = this.widthOf(ref.width, scope, "int width");
        if (w < 1) this.error(ref.width.loc, "int<W> needs a width of at least 1");
        return { kind: "int", width: w };
      }
      case "VarbitTypeRef":
        return { kind: "varbit", maxWidth: this.widthOf(ref.maxWidth, scope, "varbit width") };
      case "BoolTypeRef": return BOOL;
      case "InfIntTypeRef": return INFINT;
      case "ErrorTypeRef": return ERROR;
      case "MatchKindTypeRef": return MATCH_KIND;
      case "StringTypeRef": return STRING;
      case "VoidTypeRef": return VOID;
      case "DontCareTypeRef": return DONTCARE;
      case "StackTypeRef": {
        const element = this.resolveType(ref.element, scope);
        const size = this.widthOf(ref.size, scope, "stack size");
        if (element.kind !== "header" && element.kind !== "union") {
          this.error(ref.loc, `header stack elements must be headers or header unions, not '${typeToString(element)}'`);
        }
        return { kind: "stack", element, size };
      }
      case "TupleTypeRef":
        return { kind: "tuple", elements: ref.elements.map((e) => this.resolveType(e, scope)) };
      case "NamedTypeRef": {
        const decls = (ref.global ? scope.root() : scope).lookup(ref.name);
        const decl = decls?.find((d) => isTypeDecl(d));
        if (decl === undefined) {
          this.error(ref.loc, decls === undefined ? `undeclared type '${ref.name}'` : `'${ref.name}' is not a type`);
          return DONTCARE;
        }
        ref.ref = decl as NonNullable<typeof ref.ref>;
        const args = ref.typeArgs.map((a) => this.resolveType(a, scope));
        return this.typeOfTypeDecl(decl, args, ref.loc);
      }
    }
  }

  /** The type a type declaration denotes, given type arguments (missing ones are `_`). */
  protected typeOfTypeDecl(decl: Declaration, args: Type[], loc: SrcLoc): Type {
    const withArgs = (params: TypeParam[]): Type[] => {
      if (args.length > params.length) {
        this.error(loc, `'${(decl as { name: string }).name}' expects ${params.length} type argument(s), got ${args.length}`);
      }
      return params.map((_p, i) => args[i] ?? DONTCARE);
    };
    switch (decl.kind) {
      case "TypeParam": return { kind: "typeVar", param: decl };
      case "HeaderDecl": case "StructDecl": case "HeaderUnionDecl":
        // A generic aggregate names no type until it is given its type arguments (as p4c says
        // at the use, not at the declaration whose fields have the parameters' types).
        if (decl.typeParams.length > 0 && args.length === 0) this.error(loc, `'${decl.name}': no type arguments supplied for generic type`);
        // Field types are not specialized by type arguments here; a header's fields then have no width.
        if (decl.kind !== "StructDecl" && args.length > 0) this.error(loc, `'${decl.name}': generic headers and header unions are not supported by this compiler yet`);
        return decl.kind === "HeaderDecl" ? { kind: "header", decl } : decl.kind === "StructDecl" ? { kind: "struct", decl } : { kind: "union", decl };
      case "EnumDecl": {
        if (decl.underlying === undefined) return { kind: "enum", decl };
        return { kind: "serenum", decl, underlying: this.resolveType(decl.underlying, this.globalScope()) };
      }
      case "TypedefDecl":
      case "NewTypeDecl": {
        if (this.resolving.has(decl)) {
          this.error(loc, `recursive type '${decl.name}'`);
          return DONTCARE;
        }
        this.resolving.add(decl);
        const underlying = this.resolveType(decl.type, this.globalScope());
        this.resolving.delete(decl);
        return decl.kind === "TypedefDecl" ? underlying : { kind: "newtype", decl, underlying };
      }
      case "ExternObjectDecl": return { kind: "extern", decl, typeArgs: withArgs(decl.typeParams) };
      case "ParserTypeDecl": case "ParserDecl": return { kind: "parser", decl, typeArgs: withArgs(decl.typeParams) };
      case "ControlTypeDecl": case "ControlDecl": return { kind: "control", decl, typeArgs: withArgs(decl.typeParams) };
      case "PackageTypeDecl": return { kind: "package", decl, typeArgs: withArgs(decl.typeParams) };
      default: return DONTCARE;
    }
  }

  private global: Scope | undefined;
  protected setGlobalScope(s: Scope): void {
    this.global = s;
  }
  protected globalScope(): Scope {
    return this.global!;
  }

  protected fieldsOf(t: Type): Field[] | undefined {
    if (t.kind === "header" || t.kind === "struct" || t.kind === "union") return t.decl.fields;
    return undefined;
  }

  protected fieldType(f: Field): Type {
    return this.resolveType(f.type, this.globalScope());
  }

  /** Type of a declaration used as a value. */
  protected typeOfDecl(d: Declaration, scope: Scope): Type {
    switch (d.kind) {
      case "VarDecl": case "ConstDecl": case "Param": return this.resolveType(d.type, scope);
      case "Instantiation": return this.resolveType(d.type, scope);
      case "ValueSetDecl": return { kind: "valueSet", element: this.resolveType(d.elementType, scope) };
      case "ActionDecl": return { kind: "action", decl: d };
      case "TableDecl": return { kind: "table", decl: d };
      case "FunctionDecl": case "ExternFunctionDecl": return { kind: "function", decl: d };
      case "DeclaredId": return d.owner === "match_kind" ? MATCH_KIND : ERROR;
      case "ParserState": case "BuiltinDecl": return { kind: "state" };
      default: return DONTCARE;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Expressions

  /** Computes and records the natural type of `e` (unsized literals stay `int`). */
  check(e: Expr, scope: Scope): Type {
    const t = this.compute(e, scope);
    e.type = t;
    return t;
  }

  /**
   * Checks `e` where a value of type `target` is required; returns the expression to store in
   * its place (an implicit cast may wrap it). Reports a mismatch naming `what`.
   */
  checkAgainst(e: Expr, scope: Scope, target: Type, what = "expression"): Expr {
    this.check(e, scope);
    return this.convert(e, target, what);
  }

  /** Applies an implicit conversion of an already-checked expression to `target`. */
  convert(e: Expr, target: Type, what = "expression"): Expr {
    const from = e.type ?? DONTCARE;
    if (this.assignable(e, from, target)) return e;
    if (from.kind === "serenum" && typeEquals(underlyingOf(from), target)) {
      const cast: Expr = { kind: "CastExpr", loc: e.loc, targetType: typeRefFor(target, e.loc), expr: e, implicit: true, type: target };
      if (e.constValue !== undefined) cast.constValue = e.constValue;
      return cast;
    }
    this.error(e.loc, `type mismatch in ${what}: expected '${typeToString(target)}', found '${typeToString(from)}'`);
    return e;
  }

  /** Whether `from` converts implicitly to `to`; retypes literals/lists in `e` when it does. */
  private assignable(e: Expr, from: Type, to: Type): boolean {
    if (to.kind === "dontcare" || from.kind === "dontcare" || to.kind === "typeVar") return true;
    // A value of a type parameter of the enclosing generic declaration is of an unknown type.
    if (from.kind === "typeVar") return false;
    if (typeEquals(from, to)) return true;
    if (from.kind === "infint" && isFixedInt(to)) {
      this.retypeConstant(e, to);
      return true;
    }
    if (from.kind === "list" && e.kind === "ListExpr") return this.convertList(e, to);
    if (from.kind === "structInit" && e.kind === "StructInitExpr") return this.convertStructInit(e, to);
    if (e.kind === "TernaryExpr" && (from.kind === "infint" || from.kind === "list")) {
      const ok = this.assignable(e.ifTrue, e.ifTrue.type ?? DONTCARE, to) && this.assignable(e.ifFalse, e.ifFalse.type ?? DONTCARE, to);
      if (ok) e.type = to;
      return ok;
    }
    if (from.kind === "parser" && to.kind === "parser") return from.decl.params.length === to.decl.params.length;
    if (from.kind === "control" && to.kind === "control") return from.decl.params.length === to.decl.params.length;
    if (from.kind === "extern" && to.kind === "extern") {
      // Type arguments left open (dontcare) or generic (typeVar) on either side match anything.
      const open = (t: Type): boolean => t.kind === "dontcare" || t.kind === "typeVar";
      return from.decl === to.decl && from.typeArgs.every((a, i) => {
        const b = to.typeArgs[i];
        return b === undefined || open(a) || open(b) || typeEquals(a, b);
      });
    }
    return false;
  }

  private retypeConstant(e: Expr, to: Type): void {
    e.type = to;
    if (typeof e.constValue !== "bigint") return;
    const wrapped = wrapToType(e.constValue, to);
    if (e.constValue > 0n && wrapped !== e.constValue) {
      this.sink.warning(e.loc, `value ${e.constValue} does not fit in ${typeToString(to)}; truncated to ${wrapped}`);
    }
    e.constValue = wrapped;
  }

  private convertList(e: Extract<Expr, { kind: "ListExpr" }>, to: Type): boolean {
    let targets: Type[] | undefined;
    const fields = this.fieldsOf(to);
    if (fields !== undefined && to.kind !== "union") targets = fields.map((f) => this.fieldType(f));
    else if (to.kind === "tuple") targets = to.elements;
    else if (to.kind === "stack") targets = e.elements.map(() => to.element);
    if (targets === undefined || targets.length !== e.elements.length) return false;
    for (let i = 0; i < e.elements.length; i++) {
      e.elements[i] = this.convert(e.elements[i]!, targets[i]!, "initializer element");
    }
    e.type = to;
    return true;
  }

  private convertStructInit(e: Extract<Expr, { kind: "StructInitExpr" }>, to: Type): boolean {
    const fields = this.fieldsOf(to);
    if (fields === undefined) return false;
    for (const f of e.fields) {
      const decl = fields.find((d) => d.name === f.name);
      if (decl === undefined) {
        this.error(f.nameLoc, `no field '${f.name}' in type '${typeToString(to)}'`);
        continue;
      }
      f.value = this.convert(f.value, this.fieldType(decl), `field '${f.name}'`);
    }
    for (const d of fields) {
      if (!e.fields.some((f) => f.name === d.name)) this.error(e.loc, `field '${d.name}' of '${typeToString(to)}' is not initialized`);
    }
    e.type = to;
    return true;
  }

  private compute(e: Expr, scope: Scope): Type {
    switch (e.kind) {
      case "IntLiteral": {
        if (e.width === undefined) {
          e.constValue = e.value;
          return INFINT;
        }
        const t: Type = e.signed ? { kind: "int", width: e.width } : bit(e.width);
        const wrapped = wrapToType(e.value, t);
        if (wrapped !== e.value && !(e.signed && e.value === 1n << BigInt(e.width - 1))) {
          this.sink.warning(e.loc, `value ${e.value} does not fit in ${typeToString(t)}; truncated to ${wrapped}`);
        }
        e.constValue = wrapped;
        return t;
      }
      case "BoolLiteral":
        e.constValue = e.value;
        return BOOL;
      case "StringLiteral":
        return STRING;
      case "DontCareExpr":
        return DONTCARE;
      case "TypeExpr": {
        // Only `error.X` and `T.minSizeInBits()`-style uses read a type in expression position;
        // those are handled by their member/call forms, so reaching here means a type was used as a value.
        const t = this.resolveType(e.typeRef, scope);
        this.error(e.loc, `'${typeToString(t)}' is a type, not a value`);
        return DONTCARE;
      }
      case "PathExpr":
        return this.checkPath(e, scope);
      case "MemberExpr":
        return this.checkMember(e, scope);
      case "IndexExpr": {
        const t = this.check(e.target, scope);
        const it = this.check(e.index, scope);
        if (!isInteger(it) && it.kind !== "dontcare") this.error(e.index.loc, `array index must be an integer, not '${typeToString(it)}'`);
        if (t.kind === "stack") {
          if (typeof e.index.constValue === "bigint" && (e.index.constValue < 0n || e.index.constValue >= BigInt(t.size))) {
            this.error(e.index.loc, `index ${e.index.constValue} out of bounds for '${typeToString(t)}'`);
          }
          return t.element;
        }
        if (t.kind === "tuple") {
          if (typeof e.index.constValue !== "bigint") {
            this.error(e.index.loc, "tuple index must be a compile-time constant");
            return DONTCARE;
          }
          const element = t.elements[Number(e.index.constValue)];
          if (element === undefined) this.error(e.index.loc, `index ${e.index.constValue} out of bounds for '${typeToString(t)}'`);
          return element ?? DONTCARE;
        }
        if (t.kind !== "dontcare") this.error(e.loc, `cannot index a value of type '${typeToString(t)}'`);
        return DONTCARE;
      }
      case "SliceExpr": {
        const t = this.check(e.target, scope);
        this.check(e.hi, scope);
        this.check(e.lo, scope);
        const hi = e.hi.constValue;
        const lo = e.lo.constValue;
        if (typeof hi !== "bigint" || typeof lo !== "bigint") {
          this.error(typeof hi !== "bigint" ? e.hi.loc : e.lo.loc, "bit slice bounds must be compile-time constants");
          return DONTCARE;
        }
        if (!isInteger(t) && t.kind !== "dontcare") {
          this.error(e.target.loc, `cannot slice a value of type '${typeToString(t)}'`);
          return DONTCARE;
        }
        if (hi < lo) {
          this.error(e.hi.loc, `bit slice [${hi}:${lo}]: high index is below low index`);
          return DONTCARE;
        }
        if (isFixedInt(t) && hi >= BigInt(t.width)) {
          this.error(e.hi.loc, `bit slice [${hi}:${lo}] out of range for '${typeToString(t)}'`);
          return DONTCARE;
        }
        const rt = bit(Number(hi - lo) + 1);
        if (typeof e.target.constValue === "bigint") e.constValue = BigInt.asUintN(Number(hi - lo) + 1, e.target.constValue >> lo);
        return rt;
      }
      case "CallExpr": {
        const t = this.checkCall(e, scope);
        const misplaced = this.callSite === undefined ? undefined : callSiteError(e, this.callSite);
        if (misplaced !== undefined) this.error(e.loc, misplaced);
        return t;
      }
      case "UnaryExpr":
        return this.checkUnary(e, scope);
      case "BinaryExpr":
        return this.checkBinary(e, scope);
      case "TernaryExpr": {
        e.cond = this.checkAgainst(e.cond, scope, BOOL, "condition");
        const a = this.check(e.ifTrue, scope);
        const b = this.check(e.ifFalse, scope);
        let t = a;
        if (a.kind === "infint" && b.kind !== "infint") {
          e.ifTrue = this.convert(e.ifTrue, b, "conditional expression");
          t = b;
        } else if (b.kind === "infint" && a.kind !== "infint") {
          e.ifFalse = this.convert(e.ifFalse, a, "conditional expression");
        } else if (a.kind === "list" || b.kind === "list") {
          t = a;
        } else if (!typeEquals(a, b) && a.kind !== "dontcare" && b.kind !== "dontcare") {
          this.error(e.loc, `branches of '?:' have different types: '${typeToString(a)}' and '${typeToString(b)}'`);
          return DONTCARE;
        }
        if (typeof e.cond.constValue === "boolean") {
          const chosen = e.cond.constValue ? e.ifTrue : e.ifFalse;
          if (chosen.constValue !== undefined) e.constValue = chosen.constValue;
        }
        return t;
      }
      case "CastExpr":
        return this.checkCast(e, scope);
      case "ListExpr": {
        const elements = e.elements.map((x) => this.check(x, scope));
        return { kind: "list", elements };
      }
      case "StructInitExpr":
        return { kind: "structInit", fields: e.fields.map((f) => ({ name: f.name, type: this.check(f.value, scope) })) };
    }
  }

  private checkPath(e: Extract<Expr, { kind: "PathExpr" }>, scope: Scope): Type {
    const decls = (e.global ? scope.root() : scope).lookup(e.name);
    const d = decls?.[0];
    if (d === undefined) {
      this.error(e.loc, `undeclared name '${e.name}'`);
      return DONTCARE;
    }
    e.ref = d;
    if (d.kind === "ConstDecl" && d.value.constValue !== undefined) e.constValue = d.value.constValue;
    if (isTypeDecl(d) && d.kind !== "ParserDecl" && d.kind !== "ControlDecl") {
      this.error(e.loc, `'${e.name}' is a type, not a value`);
      return DONTCARE;
    }
    return this.typeOfDecl(d, scope);
  }

  private checkMember(e: Extract<Expr, { kind: "MemberExpr" }>, scope: Scope): Type {
    // Members of enum types and of `error` name constants, not fields.
    if (e.target.kind === "PathExpr") {
      const d = (e.target.global ? scope.root() : scope).lookup(e.target.name)?.[0];
      if (d?.kind === "EnumDecl") {
        e.target.ref = d;
        const t = this.typeOfTypeDecl(d, [], e.loc);
        e.target.type = t;
        const m = d.members.find((x) => x.name === e.member);
        if (m === undefined) {
          this.error(e.memberLoc, `enum '${d.name}' has no member '${e.member}'`);
          return DONTCARE;
        }
        e.ref = m;
        if (m.constValue !== undefined) e.constValue = m.constValue;
        return t;
      }
    }
    if (e.target.kind === "TypeExpr" && e.target.typeRef.kind === "ErrorTypeRef") {
      e.target.type = ERROR;
      const m = this.errorMembers.get(e.member);
      if (m === undefined) {
        this.error(e.memberLoc, `error.${e.member} is not declared`);
        return DONTCARE;
      }
      e.ref = m;
      return ERROR;
    }
    const t = this.check(e.target, scope);
    const fields = this.fieldsOf(t);
    if (fields !== undefined) {
      const f = fields.find((x) => x.name === e.member);
      if (f !== undefined) return this.fieldType(f);
    }
    if (t.kind === "stack") {
      if (e.member === "next" || e.member === "last") return t.element;
      if (e.member === "lastIndex" || e.member === "size" || e.member === "nextIndex") {
        if (e.member !== "size" && this.callSite !== "parser") this.error(e.loc, `'${e.member}' of a header stack can only be used in a parser`);
        if (e.member === "size") e.constValue = BigInt(t.size);
        return bit(32);
      }
    }
    if (t.kind === "applyResult") {
      if (e.member === "hit" || e.member === "miss") return BOOL;
      if (e.member === "action_run") return { kind: "actionEnum", table: t.table };
    }
    if (t.kind === "dontcare") return DONTCARE;
    if (t.kind === "table" && (e.member === "hit" || e.member === "miss" || e.member === "action_run")) {
      this.error(e.memberLoc, `'${e.member}' is a member of the result of '${t.decl.name}.apply()', not of the table itself`);
      return DONTCARE;
    }
    this.error(e.memberLoc, `no member '${e.member}' in type '${typeToString(t)}'`);
    return DONTCARE;
  }

  private checkUnary(e: Extract<Expr, { kind: "UnaryExpr" }>, scope: Scope): Type {
    const t = this.check(e.operand, scope);
    const u = underlyingOf(t);
    let ok: boolean;
    switch (e.op) {
      case "!": ok = t.kind === "bool"; break;
      case "~": ok = isFixedInt(u); break;
      default: ok = isInteger(u);
    }
    if (!ok && t.kind !== "dontcare") {
      this.error(e.loc, `operator '${e.op}' cannot be applied to '${typeToString(t)}'`);
      return DONTCARE;
    }
    if (e.operand.constValue !== undefined) {
      const v = foldUnary(e.op, e.operand.constValue, t);
      if (v !== undefined) e.constValue = v;
    }
    return t;
  }

  private checkBinary(e: Extract<Expr, { kind: "BinaryExpr" }>, scope: Scope): Type {
    const lt = this.check(e.left, scope);
    const rt = this.check(e.right, scope);
    const op = e.op;
    const fail = (msg: string): Type => {
      this.error(e.loc, msg);
      return DONTCARE;
    };
    if ((op === "==" || op === "!=") && (lt.kind === "applyResult" || rt.kind === "applyResult")) return fail("table application results cannot be compared");
    if (lt.kind === "dontcare" || rt.kind === "dontcare") return op === "==" || op === "!=" || op === "<" || op === ">" || op === "<=" || op === ">=" || op === "&&" || op === "||" ? BOOL : DONTCARE;
    let result: Type;
    let operandType: Type = lt;
    switch (op) {
      case "&&": case "||":
        if (lt.kind !== "bool" || rt.kind !== "bool") return fail(`operator '${op}' needs bool operands, found '${typeToString(lt)}' and '${typeToString(rt)}'`);
        result = BOOL;
        break;
      case "<<": case ">>": {
        if (!isInteger(underlyingOf(lt))) return fail(`operator '${op}' cannot be applied to '${typeToString(lt)}'`);
        if (!(rt.kind === "bit" || rt.kind === "infint")) return fail(`shift amount must be an unsigned integer, not '${typeToString(rt)}'`);
        if (rt.kind === "infint" && typeof e.right.constValue === "bigint" && e.right.constValue < 0n) return fail("shift amount must not be negative");
        // p4c's limit: it is also what keeps `1 << 903012108` from building a gigabit constant.
        if (typeof e.right.constValue === "bigint" && e.right.constValue > MAX_WIDTH) return fail(`shift by ${e.right.constValue}: the compiler only supports widths up to ${MAX_WIDTH}`);
        if (lt.kind === "infint" && e.left.constValue !== undefined && e.right.constValue === undefined) {
          return fail("shifting an unsized integer by a run-time amount: give the integer a width");
        }
        result = lt;
        break;
      }
      case "++": {
        if (!isFixedInt(lt) || !isFixedInt(rt)) return fail(`operator '++' needs fixed-width operands, found '${typeToString(lt)}' and '${typeToString(rt)}'`);
        result = { kind: lt.kind, width: lt.width + rt.width };
        break;
      }
      default: {
        let l: Type = lt;
        let r: Type = rt;
        // An unsized literal takes the other operand's type only when that type is numeric;
        // otherwise (e.g. `hdr == 1`) the operands simply differ, reported once below.
        if (l.kind === "infint" && r.kind !== "infint" && isInteger(underlyingOf(r))) {
          e.left = this.convert(e.left, r.kind === "serenum" ? underlyingOf(r) : r, `operand of '${op}'`);
          l = e.left.type ?? l;
        } else if (r.kind === "infint" && l.kind !== "infint" && isInteger(underlyingOf(l))) {
          e.right = this.convert(e.right, l.kind === "serenum" ? underlyingOf(l) : l, `operand of '${op}'`);
          r = e.right.type ?? r;
        }
        if (l.kind === "serenum" && r.kind !== "serenum") {
          e.left = this.convert(e.left, r, `operand of '${op}'`);
          l = r;
        } else if (r.kind === "serenum" && l.kind !== "serenum") {
          e.right = this.convert(e.right, l, `operand of '${op}'`);
          r = l;
        }
        const isCompare = op === "==" || op === "!=";
        const isOrder = op === "<" || op === "<=" || op === ">" || op === ">=";
        if (!typeEquals(l, r) && !(isCompare && (l.kind === "list" || r.kind === "list"))) {
          return fail(`operands of '${op}' have different types: '${typeToString(l)}' and '${typeToString(r)}'`);
        }
        operandType = l;
        if (isCompare) {
          result = BOOL;
        } else if (isOrder) {
          if (!isInteger(l)) return fail(`operator '${op}' cannot be applied to '${typeToString(l)}'`);
          result = BOOL;
        } else {
          if (!isInteger(l)) return fail(`operator '${op}' cannot be applied to '${typeToString(l)}'`);
          if ((op === "/" || op === "%") && l.kind === "int") return fail(`operator '${op}' is not defined on signed type '${typeToString(l)}'`);
          if ((op === "|+|" || op === "|-|") && l.kind === "infint") return fail(`saturating operator '${op}' needs a fixed-width type`);
          if ((op === "/" || op === "%") && e.right.constValue === 0n) {
            this.error(e.right.loc, op === "/" ? "division by zero" : "modulo by zero");
            return DONTCARE;
          }
          result = l;
        }
      }
    }
    const a = e.left.constValue;
    const b = e.right.constValue;
    if (a !== undefined && b !== undefined) {
      const v = foldBinary(op, a, b, operandType, result);
      if (typeof v === "bigint" && bitLength(v) > MAX_CONSTANT_BITS) return fail(`constant value too large: more than ${MAX_CONSTANT_BITS} bits`);
      if (v !== undefined) e.constValue = v;
    }
    // p4c (for bmv2) turns division and modulo by a power of two into shifts and masks, and of
    // zero into zero, and rejects every other one it cannot evaluate while compiling.
    if ((op === "/" || op === "%") && e.constValue === undefined && isFixedInt(result) && e.left.constValue !== 0n) {
      const d = e.right.constValue;
      if (typeof d !== "bigint" || d <= 0n || (d & (d - 1n)) !== 0n) this.lateError(e.loc, `'${op}' could not be evaluated at compile time (only division and modulo by a power of two are computed at run time)`);
    }
    return result;
  }

  private checkCast(e: Extract<Expr, { kind: "CastExpr" }>, scope: Scope): Type {
    const to = this.resolveType(e.targetType, scope);
    const from = this.check(e.expr, scope);
    if (from.kind === "list" || from.kind === "structInit") {
      e.expr = this.convert(e.expr, to, "cast");
      return to;
    }
    const f = underlyingOf(from);
    const t = underlyingOf(to);
    const ok =
      typeEquals(from, to) || from.kind === "dontcare" || to.kind === "dontcare" ||
      (isInteger(f) && isFixedInt(t) && (to.kind !== "newtype" || from.kind === "infint" || typeEquals(f, t)) && (from.kind !== "newtype" || typeEquals(f, t) || isFixedInt(to))) ||
      (f.kind === "bool" && t.kind === "bit" && t.width === 1) ||
      (t.kind === "bool" && ((f.kind === "bit" && f.width === 1) || f.kind === "infint")) ||
      (typeEquals(f, t) && (from.kind === "newtype" || to.kind === "newtype" || from.kind === "serenum" || to.kind === "serenum")) ||
      (to.kind === "serenum" && isInteger(f));
    if (!ok) {
      this.error(e.loc, `cannot cast '${typeToString(from)}' to '${typeToString(to)}'`);
      return to;
    }
    const v = e.expr.constValue;
    if (t.kind === "bool" && f.kind === "infint" && v !== 0n && v !== 1n) {
      this.error(e.loc, "only the constants 0 and 1 can be cast to bool");
      return to;
    }
    if (v !== undefined) {
      if (typeof v === "bigint" && t.kind === "bool") e.constValue = v !== 0n;
      else if (typeof v === "boolean" && isFixedInt(t)) e.constValue = v ? 1n : 0n;
      else if (typeof v === "bigint" && isFixedInt(t)) e.constValue = wrapToType(v, t);
      else e.constValue = v;
    }
    return to;
  }

  // -------------------------------------------------------------------------------------------
  // Calls

  private checkCall(e: CallExpr, scope: Scope): Type {
    const callee = e.callee;
    const explicitTypeArgs = e.typeArgs.map((a) => this.resolveType(a, scope));
    if (callee.kind === "PathExpr") {
      const decls = (callee.global ? scope.root() : scope).lookup(callee.name);
      if (decls === undefined) {
        this.error(callee.loc, `undeclared name '${callee.name}'`);
        this.checkArgsLoosely(e, scope);
        return DONTCARE;
      }
      callee.ref = decls[0]!;
      const first = decls[0]!;
      if (first.kind === "ActionDecl") {
        e.target = { kind: "action", decl: first };
        callee.type = { kind: "action", decl: first };
        this.bindCall(e, scope, { params: first.params, typeParams: [], returnType: VOID, bindings: new Map(), controlPlaneParams: true }, explicitTypeArgs);
        return VOID;
      }
      if (first.kind === "FunctionDecl") {
        e.target = { kind: "function", decl: first };
        callee.type = { kind: "function", decl: first };
        const rt = this.resolveType(first.returnType, scope);
        return this.bindCall(e, scope, { params: first.params, typeParams: first.typeParams, returnType: rt, bindings: new Map() }, explicitTypeArgs);
      }
      if (first.kind === "ExternFunctionDecl") {
        const candidates = decls.filter((d) => d.kind === "ExternFunctionDecl");
        const chosen = this.pickOverload(candidates, e, callee.name);
        if (chosen === undefined) return DONTCARE;
        callee.ref = chosen;
        callee.type = { kind: "function", decl: chosen };
        e.target = { kind: "externFunction", decl: chosen };
        const rt = this.resolveType(chosen.returnType, scope);
        const result = this.bindCall(e, scope, { params: chosen.params, typeParams: chosen.typeParams, returnType: rt, bindings: new Map() }, explicitTypeArgs);
        if (chosen.name === "static_assert") this.evaluateStaticAssert(e);
        return result;
      }
      if (first.kind === "ExternObjectDecl" || first.kind === "ParserDecl" || first.kind === "ControlDecl") {
        return this.checkConstructorCall(e, first, explicitTypeArgs, scope);
      }
      this.error(callee.loc, `'${callee.name}' is not a function, action or method`);
      this.checkArgsLoosely(e, scope);
      return DONTCARE;
    }
    if (callee.kind === "MemberExpr") return this.checkMethodCall(e, callee, explicitTypeArgs, scope);
    this.error(callee.loc, "expression is not callable");
    return DONTCARE;
  }

  /** core.p4's static_assert runs at compile time: its value is known and a false check is an error. */
  private evaluateStaticAssert(e: CallExpr): void {
    const check = e.boundArgs?.[0]?.value;
    if (check === undefined) return;
    if (typeof check.constValue !== "boolean") {
      this.error(check.loc, "static_assert needs a condition known at compile time");
      return;
    }
    e.constValue = true;
    if (!check.constValue) {
      const message = e.boundArgs?.[1]?.value;
      this.error(e.loc, `static assertion failed${message?.kind === "StringLiteral" ? `: ${message.value}` : ""}`);
    }
  }

  /** `T(args)`; `typeArgsChecked` when the caller already resolved (and reported on) the type. */
  /** Checks an instance the checker itself declares (see directInvocation). */
  protected checkImplicitInstance(_inst: Instantiation, _scope: Scope): void {}

  protected checkConstructorCall(e: CallExpr, decl: ExternObjectDecl | ParserDecl | ControlDecl, typeArgs: Type[], scope: Scope, typeArgsChecked = false): Type {
    const t = typeArgsChecked ? this.typeOfTypeDecl(decl, typeArgs.slice(0, decl.typeParams.length), e.loc) : this.typeOfTypeDecl(decl, typeArgs, e.loc);
    if (e.callee.kind === "PathExpr") e.callee.type = t;
    if (decl.kind === "ExternObjectDecl") {
      const ctors = decl.methods.filter((m) => m.isConstructor);
      const chosen = this.pickOverload(ctors, e, decl.name);
      if (chosen === undefined) return t;
      e.target = { kind: "constructor", decl, method: chosen };
      const bindings = new Map<TypeParam, Type>();
      decl.typeParams.forEach((p, i) => {
        const a = typeArgs[i];
        if (a !== undefined && a.kind !== "dontcare") bindings.set(p, a);
      });
      this.bindCall(e, scope, { params: chosen.params, typeParams: decl.typeParams, returnType: VOID, bindings }, []);
      this.requireCompileTimeArgs(e);
      const inferred = decl.typeParams.map((p) => bindings.get(p) ?? DONTCARE);
      return { kind: "extern", decl, typeArgs: inferred };
    }
    e.target = { kind: "constructor", decl };
    this.bindCall(e, scope, { params: decl.ctorParams, typeParams: [], returnType: VOID, bindings: new Map(), arityErrorAt: this.declarationSite(decl.loc) }, []);
    this.requireCompileTimeArgs(e);
    return t;
  }

  /** Instances are made when the program is compiled, so constructor arguments must be known then. */
  private requireCompileTimeArgs(e: CallExpr): void {
    for (const b of e.boundArgs ?? []) {
      if (b.value !== undefined && !isCompileTimeKnown(b.value)) {
        this.error(b.value.loc, `constructor argument '${b.param.name}' must be a compile-time constant`);
      }
    }
  }

  private checkMethodCall(e: CallExpr, callee: Extract<Expr, { kind: "MemberExpr" }>, typeArgs: Type[], scope: Scope): Type {
    const name = callee.member;
    // `Type.minSizeInBits()` on a type name.
    if (callee.target.kind === "PathExpr" && SIZE_METHODS.has(name)) {
      const d = scope.lookup(callee.target.name)?.[0];
      if (d !== undefined && isTypeDecl(d)) {
        callee.target.ref = d;
        const receiverType = this.typeOfTypeDecl(d, [], callee.loc);
        callee.target.type = receiverType;
        return this.sizeMethod(e, callee, receiverType);
      }
    }
    if (name === "apply" && callee.target.kind === "PathExpr") this.directInvocation(callee.target, scope);
    const t = this.check(callee.target, scope);
    callee.type = DONTCARE;
    const receiver = callee.target;
    if (SIZE_METHODS.has(name) && t.kind !== "extern") return this.sizeMethod(e, callee, t);
    if ((t.kind === "header" || t.kind === "union") && HEADER_METHODS.has(name)) {
      e.target = { kind: "builtin", name: name as "isValid", receiver };
      if (e.args.length !== 0) this.error(e.loc, `'${name}' takes no arguments`);
      e.boundArgs = [];
      return name === "isValid" ? BOOL : VOID;
    }
    if (t.kind === "stack" && (name === "push_front" || name === "pop_front")) {
      e.target = { kind: "builtin", name, receiver };
      if (e.args.length !== 1) {
        this.error(e.loc, `'${name}' takes one argument`);
        return VOID;
      }
      const a = e.args[0]!;
      a.value = this.checkAgainst(a.value, scope, INFINT, `argument of '${name}'`);
      if (typeof a.value.constValue !== "bigint") this.error(a.value.loc, `argument of '${name}' must be a compile-time constant`);
      e.boundArgs = [];
      return VOID;
    }
    if (t.kind === "table" && name === "apply") {
      e.target = { kind: "tableApply", table: t.decl };
      if (e.args.length !== 0) this.error(e.loc, "table apply takes no arguments");
      e.boundArgs = [];
      return { kind: "applyResult", table: t.decl };
    }
    if ((t.kind === "parser" || t.kind === "control") && name === "apply") {
      const decl = t.decl;
      e.target = decl.kind === "ParserDecl" || decl.kind === "ParserTypeDecl" ? { kind: "parserApply", decl, instance: receiver } : { kind: "controlApply", decl, instance: receiver };
      const bindings = new Map<TypeParam, Type>();
      decl.typeParams.forEach((p, i) => {
        const a = t.typeArgs[i];
        if (a !== undefined && a.kind !== "dontcare") bindings.set(p, a);
      });
      this.bindCall(e, scope, { params: decl.params, typeParams: decl.typeParams, returnType: VOID, bindings }, typeArgs);
      return VOID;
    }
    if (t.kind === "extern") {
      const methods = t.decl.methods.filter((m) => !m.isConstructor && m.name === name);
      if (methods.length === 0) {
        this.error(callee.memberLoc, `extern '${t.decl.name}' has no method '${name}'`);
        this.checkArgsLoosely(e, scope);
        return DONTCARE;
      }
      const chosen = this.pickOverload(methods, e, `${t.decl.name}.${name}`);
      if (chosen === undefined) return DONTCARE;
      e.target = { kind: "externMethod", extern: t.decl, method: chosen, instance: receiver };
      const bindings = new Map<TypeParam, Type>();
      t.decl.typeParams.forEach((p, i) => {
        const a = t.typeArgs[i];
        if (a !== undefined && a.kind !== "dontcare") bindings.set(p, a);
      });
      const rt = chosen.returnType === undefined ? VOID : this.resolveType(chosen.returnType, this.methodScope(t.decl, chosen));
      return this.bindCall(e, scope, { params: chosen.params, typeParams: [...t.decl.typeParams, ...chosen.typeParams], returnType: rt, bindings }, typeArgs, chosen.typeParams);
    }
    const field = (t.kind === "struct" || t.kind === "header" || t.kind === "union") ? t.decl.fields.find((f) => f.name === name) : undefined;
    if (field !== undefined) this.error(callee.memberLoc, `'${name}' is a field of '${typeToString(t)}', not a method: it cannot be called`);
    else if (t.kind !== "dontcare") this.error(callee.memberLoc, `no method '${name}' on type '${typeToString(t)}'`);
    this.checkArgsLoosely(e, scope);
    return DONTCARE;
  }

  /**
   * `P.apply(...)` on a parser or control type (no constructor parameters) is a direct
   * invocation: as in p4c it stands for an instance declared in the enclosing block, so the
   * receiver is rewritten to name that implicit instance (one per call site, the first named
   * after the type) and everything after sees an ordinary instance apply.
   */
  private directInvocation(target: Extract<Expr, { kind: "PathExpr" }>, scope: Scope): void {
    const d = (target.global ? scope.root() : scope).lookup(target.name)?.[0];
    if (d?.kind !== "ParserDecl" && d?.kind !== "ControlDecl") return;
    const host = this.instanceHost;
    if (host === undefined) {
      this.error(target.loc, `'${d.name}' can only be invoked directly inside a parser or control`);
      return;
    }
    if (d.ctorParams.length > 0) {
      this.error(target.loc, `'${d.name}' has constructor parameters: instantiate it to apply it`);
      return;
    }
    const taken = (n: string): boolean => host.some((l) => l.name === n);
    let instName = d.name;
    for (let i = 0; taken(instName); i++) instName = `${d.name}_${i}`;
    const inst: Instantiation = {
      kind: "Instantiation", loc: target.loc, annotations: [], args: [], name: instName,
      type: { kind: "NamedTypeRef", loc: target.loc, name: d.name, global: target.global, typeArgs: [] },
    };
    this.checkImplicitInstance(inst, scope);
    host.push(inst);
    scope.declare(instName, inst);
    target.name = instName;
    target.global = false;
  }

  private sizeMethod(e: CallExpr, callee: Extract<Expr, { kind: "MemberExpr" }>, t: Type): Type {
    const name = callee.member as "minSizeInBits";
    e.target = { kind: "builtin", name, receiver: callee.target };
    e.boundArgs = [];
    const bits = this.sizeInBits(t, name.startsWith("max"));
    if (bits !== undefined) e.constValue = BigInt(name.endsWith("Bytes") ? Math.ceil(bits / 8) : bits);
    return INFINT;
  }

  private sizeInBits(t: Type, max: boolean): number | undefined {
    switch (t.kind) {
      case "bit": case "int": return t.width;
      case "bool": return 1;
      case "varbit": return max ? t.maxWidth : 0;
      case "serenum": case "newtype": return this.sizeInBits(t.underlying, max);
      case "header": case "struct": {
        let sum = 0;
        for (const f of t.decl.fields) {
          const s = this.sizeInBits(this.fieldType(f), max);
          if (s === undefined) return undefined;
          sum += s;
        }
        return sum;
      }
      case "stack": {
        const s = this.sizeInBits(t.element, max);
        return s === undefined ? undefined : s * t.size;
      }
      default: return undefined;
    }
  }

  /** Scope in which an extern method's signature types resolve (its own and the extern's type params). */
  protected methodScope(ext: ExternObjectDecl, m: MethodDecl): Scope {
    const s = new Scope(this.globalScope());
    for (const p of ext.typeParams) s.declare(p.name, p);
    for (const p of m.typeParams) s.declare(p.name, p);
    return s;
  }

  /** Scope for resolving the parameter types of a callable declaration. */
  protected signatureScope(d: Declaration): Scope {
    const s = new Scope(this.globalScope());
    if ("typeParams" in d && Array.isArray(d.typeParams)) for (const p of d.typeParams as TypeParam[]) s.declare(p.name, p);
    return s;
  }

  private pickOverload<D extends { params: Param[]; name: string }>(candidates: D[], e: CallExpr, what: string): D | undefined {
    const n = e.args.length;
    const named = e.args.filter((a) => a.name !== undefined).map((a) => a.name!);
    const fits = candidates.filter((c) => {
      const required = c.params.filter((p) => !isOptional(p)).length;
      if (n < required || n > c.params.length) return false;
      return named.every((nm) => c.params.some((p) => p.name === nm));
    });
    const exact = fits.filter((c) => c.params.length === n);
    const chosen = exact[0] ?? fits[0];
    if (chosen === undefined) {
      const counts = [...new Set(candidates.map((c) => c.params.length))].join(" or ");
      this.error(e.loc, `'${what}' expects ${counts} argument(s), got ${n}`);
      for (const a of e.args) this.check(a.value, new Scope(this.globalScope()));
    }
    return chosen;
  }

  private checkArgsLoosely(e: CallExpr, scope: Scope): void {
    for (const a of e.args) this.check(a.value, scope);
  }

  /**
   * Matches arguments to parameters, infers type arguments, converts each argument to its
   * parameter type and checks directions. Returns the call's result type.
   */
  protected bindCall(e: CallExpr, scope: Scope, c: Callable, explicitTypeArgs: Type[], explicitParams?: TypeParam[]): Type {
    const paramsForExplicit = explicitParams ?? c.typeParams;
    explicitTypeArgs.forEach((t, i) => {
      const p = paramsForExplicit[i];
      if (p === undefined) this.error(e.loc, `too many type arguments`);
      else if (t.kind !== "dontcare") c.bindings.set(p, t);
    });
    const pairs = this.matchArguments(e.args, c.params, e.loc, c);
    if (pairs === undefined) {
      this.checkArgsLoosely(e, scope);
      return substitute(c.returnType, c.bindings);
    }
    const sigScope = new Scope(this.globalScope());
    for (const p of c.typeParams) sigScope.declare(p.name, p);
    const paramTypes = c.params.map((p) => this.resolveType(p.type, sigScope));
    const unboundBefore = c.typeParams.filter((p) => !c.bindings.has(p));
    for (const { arg, index } of pairs) {
      if (arg === undefined) continue;
      const at = this.check(arg.value, scope);
      unify(paramTypes[index]!, at, c.typeParams, c.bindings);
    }
    // A type variable cannot stand for a table; the callee's own type variables cannot stand for
    // an unsized integer either: p4c rejects the call. (An extern instance's open type argument
    // may take one, as `register<bit<32>>` with v1model's two-parameter register does here.)
    for (const p of unboundBefore) {
      const b = c.bindings.get(p);
      if (b === undefined || !NOT_A_TYPE_ARGUMENT.has(b.kind) || (b.kind === "infint" && !paramsForExplicit.includes(p))) continue;
      const at = pairs.find(({ arg, index }) => arg !== undefined && paramTypes[index]!.kind === "typeVar" && (paramTypes[index] as { param: TypeParam }).param === p);
      this.error(at?.arg?.value.loc ?? e.loc, `could not infer a type for parameter '${at !== undefined ? c.params[at.index]!.name : p.name}' (type variable '${p.name}' would be '${typeToString(b)}')`);
      c.bindings.set(p, DONTCARE);
    }
    // p4c specializes a generic callee with the inferred types and checks its parameters again,
    // so a string where a parameter with a direction has a type variable is reported there.
    c.params.forEach((p, index) => {
      const declared = paramTypes[index]!;
      if (p.direction !== "none" && declared.kind === "typeVar" && substitute(declared, c.bindings).kind === "string") {
        this.error(p.loc, `'${p.name}': parameters of type string must be directionless`);
      }
    });
    const bound: BoundArg[] = [];
    c.params.forEach((p, index) => {
      const pair = pairs.find((x) => x.index === index);
      const arg = pair?.arg;
      if (arg === undefined) {
        bound.push({ param: p });
        return;
      }
      const pt = substitute(paramTypes[index]!, c.bindings);
      const what = `argument '${p.name}'`;
      if (p.direction === "out" || p.direction === "inout") {
        if (arg.value.kind === "DontCareExpr" && p.direction === "out") {
          arg.value.type = pt;
        } else {
          const why = notWritableReason(arg.value);
          if (why !== undefined) this.error(arg.value.loc, `argument for ${p.direction} parameter '${p.name}' must be an l-value${why === "" ? "" : `: ${why}`}`);
          const at = arg.value.type ?? DONTCARE;
          if (why === undefined && !typeEquals(at, pt) && at.kind !== "dontcare" && pt.kind !== "dontcare" && pt.kind !== "typeVar" && at.kind !== "typeVar") {
            this.error(arg.value.loc, `type mismatch in ${what}: expected '${typeToString(pt)}', found '${typeToString(at)}'`);
          }
        }
      } else if (pt.kind === "typeVar" && !c.typeParams.includes(pt.param)) {
        // A type parameter of the enclosing generic declaration (reached through inference) is
        // one unknown type: only its own values convert to it.
        const from = arg.value.type ?? DONTCARE;
        if (from.kind !== "dontcare" && !(from.kind === "typeVar" && from.param === pt.param)) {
          this.error(arg.value.loc, `type mismatch in ${what}: expected '${typeToString(pt)}', found '${typeToString(from)}'`);
        }
      } else {
        arg.value = this.convert(arg.value, pt, what);
      }
      bound.push({ param: p, value: arg.value });
    });
    e.boundArgs = bound;
    if (c.typeParams.length > 0) e.inferredTypeArgs = c.typeParams.map((p) => c.bindings.get(p) ?? DONTCARE);
    return substitute(c.returnType, c.bindings);
  }

  /** Positional then named arguments onto parameter indices; undefined after reporting an error. */
  protected matchArguments(args: Argument[], params: Param[], loc: SrcLoc, rules: ArgumentRules = {}): { arg?: Argument; index: number }[] | undefined {
    const out: { arg?: Argument; index: number }[] = [];
    const used = new Set<number>();
    // Reported at the declaration, the message still has to lead the user to the call.
    const callSite = rules.arityErrorAt === undefined ? "" : ` (in the call at ${loc.file}:${loc.line}:${loc.col})`;
    let ok = true;
    args.forEach((a, i) => {
      let index = i;
      if (a.name !== undefined) {
        index = params.findIndex((p) => p.name === a.name);
        if (index < 0) {
          this.error(a.loc, `no parameter named '${a.name}'`);
          ok = false;
          return;
        }
      }
      if (index >= params.length) {
        this.error(rules.arityErrorAt ?? a.loc, `too many arguments: expected ${params.length}, got ${args.length}${callSite}`);
        ok = false;
        return;
      }
      used.add(index);
      out.push({ arg: a, index });
    });
    if (!ok) return undefined;
    params.forEach((p, index) => {
      if (used.has(index)) return;
      if (rules.controlPlaneParams === true && p.direction === "none") this.lateError(loc, `missing argument for parameter '${p.name}'`);
      else if (!isOptional(p)) {
        this.error(rules.arityErrorAt ?? loc, `missing argument for parameter '${p.name}'${callSite}`);
        ok = false;
      }
      out.push({ index });
    });
    return ok ? out : undefined;
  }

  /** For table action references: binds written args to the action's leading parameters. */
  protected bindActionArgs(action: ActionDecl, args: Argument[], scope: Scope, loc: SrcLoc, all: boolean): BoundArg[] {
    const bound: BoundArg[] = [];
    if (args.length > action.params.length) {
      this.error(loc, `action '${action.name}' expects ${action.params.length} argument(s), got ${args.length}`);
      return bound;
    }
    if (all && args.length < action.params.length) {
      this.error(loc, `action '${action.name}' expects ${action.params.length} argument(s), got ${args.length}`);
    }
    const sig = this.signatureScope(action);
    args.forEach((a, i) => {
      const p = action.params[i]!;
      const pt = this.resolveType(p.type, sig);
      if (p.direction === "out" || p.direction === "inout") {
        this.check(a.value, scope);
        const why = notWritableReason(a.value);
        if (why !== undefined) this.error(a.value.loc, `argument for ${p.direction} parameter '${p.name}' must be an l-value${why === "" ? "" : `: ${why}`}`);
      } else {
        a.value = this.checkAgainst(a.value, scope, pt, `argument '${p.name}'`);
      }
      bound.push({ param: p, value: a.value });
    });
    return bound;
  }

}

export function isOptional(p: Param): boolean {
  return p.defaultValue !== undefined || p.annotations.some((a) => a.name === "optional");
}

export function isTypeDecl(d: Declaration): boolean {
  switch (d.kind) {
    case "TypedefDecl": case "NewTypeDecl": case "EnumDecl": case "HeaderDecl": case "StructDecl": case "HeaderUnionDecl":
    case "ExternObjectDecl": case "ParserTypeDecl": case "ControlTypeDecl": case "PackageTypeDecl": case "ParserDecl":
    case "ControlDecl": case "TypeParam":
      return true;
    default:
      return false;
  }
}

/**
 * Why `e` cannot be written: undefined when it can, "" when it is simply not an l-value, or a
 * specific reason naming the root of its access path (a constant, a read-only parameter).
 */
export function notWritableReason(e: Expr): string | undefined {
  if (isLValue(e)) return undefined;
  let root = e;
  while (root.kind === "MemberExpr" || root.kind === "IndexExpr" || root.kind === "SliceExpr") root = root.target;
  if (root.kind === "PathExpr") {
    const d = root.ref;
    if (d?.kind === "ConstDecl") return `'${root.name}' is a constant`;
    if (d?.kind === "Param" && (d.direction === "in" || d.direction === "none")) return `parameter '${root.name}' is read-only (direction ${d.direction === "in" ? "in" : "none"})`;
  }
  return "";
}

/** Values fixed when the program is compiled: constants, enum members, instances, constructor calls. */
export function isCompileTimeKnown(e: Expr): boolean {
  if (e.constValue !== undefined) return true;
  switch (e.kind) {
    case "StringLiteral":
      return true;
    case "MemberExpr":
      return e.ref !== undefined;
    case "PathExpr":
      // Constructor parameters of the enclosing parser/control are compile-time values too.
      return e.ref?.kind === "Instantiation" || e.ref?.kind === "ConstDecl" || (e.ref?.kind === "Param" && e.ref.direction === "none");
    case "CallExpr":
      return e.target?.kind === "constructor";
    case "ListExpr":
      return e.elements.every(isCompileTimeKnown);
    case "StructInitExpr":
      return e.fields.every((f) => isCompileTimeKnown(f.value));
    case "CastExpr":
      return isCompileTimeKnown(e.expr);
    default:
      return false;
  }
}

/** Whether an expression denotes storage that can be written (assignment target, out argument). */
export function isLValue(e: Expr): boolean {
  switch (e.kind) {
    case "PathExpr":
      // `in` and directionless parameters are read-only (P4_16 calling convention).
      return e.ref?.kind === "VarDecl" || (e.ref?.kind === "Param" && (e.ref.direction === "out" || e.ref.direction === "inout"));
    case "MemberExpr":
      return e.ref === undefined && isLValue(e.target);
    case "IndexExpr":
    case "SliceExpr":
      return isLValue(e.target);
    default:
      return false;
  }
}

/** A syntactic type denoting a semantic type, for casts the checker inserts. */
function typeRefFor(t: Type, loc: SrcLoc): TypeRef {
  const width = (w: number): Expr => ({ kind: "IntLiteral", loc, value: BigInt(w), text: String(w), constValue: BigInt(w), type: INFINT });
  if (t.kind === "bit") return { kind: "BitTypeRef", loc, width: width(t.width), resolved: t };
  if (t.kind === "int") return { kind: "SignedTypeRef", loc, width: width(t.width), resolved: t };
  if (t.kind === "bool") return { kind: "BoolTypeRef", loc, resolved: t };
  return { kind: "DontCareTypeRef", loc, resolved: t };
}
