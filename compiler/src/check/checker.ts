/**
 * The checker: declares every name in its scope, checks declarations and statements in order
 * (expressions are ExprChecker's job) and annotates the AST in place. Entry: checkProgram.
 *
 * Scoping: top-level names are visible everywhere (so bodies may use later declarations, as
 * p4c's lenient mode allows); inside parsers, controls, actions, functions and blocks names are
 * visible from their declaration on and shadow outer ones; parser states see each other.
 */
import type {
  ActionDecl, ActionRef, BlockStmt, CheckedProgram, ControlDecl, DeclaredId, ExternFunctionDecl, ExternObjectDecl, FunctionDecl,
  Instantiation, Keyset, Param, ParserDecl, Program, Stmt, TableDecl, TopLevelDecl, Type, TypeParam, SrcLoc,
  ParserState, Expr, Declaration,
} from "../ast/nodes.ts";
import type { Diagnostic, DiagnosticSink } from "../diagnostics/diagnostic.ts";
import { ACCEPT, ExprChecker, REJECT, isCompileTimeKnown, isOptional, notWritableReason } from "./expressions.ts";
import { Scope } from "./scope.ts";
import { unusedWarnings } from "./unused.ts";
import { annotationValueProblems } from "./annotation_values.ts";
import { v1modelTargetProblems } from "./v1model_rules.ts";
import { entryPriorityProblems } from "./entry_priorities.ts";
import { actionNameClashes } from "./action_names.ts";
import { BOOL, DONTCARE, INFINT, VOID, isFixedInt, isInteger, mentionsTypeVar, typeEquals, typeToString, underlyingOf } from "./types.ts";

/**
 * Checks the program and reports in p4c's pass order, so that the first message is where
 * p4c's is: name resolution (undeclared names, shadowing) first, then type checking; when
 * those found no error, the unused-declaration warnings; then what p4c finds in later passes
 * (run-time division, the bmv2 target's restrictions).
 */
export function checkProgram(program: Program, sink: DiagnosticSink, isLibraryFile: (file: string) => boolean = () => false): CheckedProgram | undefined {
  const before = sink.items.length;
  const checker = new Checker(sink, isLibraryFile);
  const checked = checker.run(program);
  const mine = sink.items.splice(before).filter((d) => !(d.severity === "warning" && isLibraryFile(d.loc.file)));
  sink.items.push(...mine.filter(isNameResolution), ...mine.filter((d) => !isNameResolution(d)));
  if (checked === undefined) return undefined;
  for (const e of actionNameClashes(checked.program)) sink.error(e.loc, e.message);
  if (sink.errorCount === 0) for (const w of unusedWarnings(checked, isLibraryFile)) sink.warning(w.loc, w.message);
  for (const e of [...checker.lateErrors, ...v1modelTargetProblems(checked)]) sink.error(e.loc, e.message);
  const pkg = checked.main.type.resolved;
  if (pkg?.kind === "package" && pkg.decl.name !== "V1Switch" && !isLibraryFile(pkg.decl.loc.file)) {
    sink.warning(pkg.decl.loc, `${pkg.decl.name}: the main package should be called V1Switch; are you using the wrong architecture?`);
  }
  return checked;
}

function isNameResolution(d: Diagnostic): boolean {
  return d.severity === "error" ? /^undeclared /.test(d.message) : / shadows /.test(d.message);
}

/** What the statements being checked belong to (for return/exit rules). */
interface Body {
  kind: "parser" | "control" | "action" | "function";
  returnType: Type;
}

class Checker extends ExprChecker {
  private readonly globals = new Scope();
  private readonly matchKinds: DeclaredId[] = [];
  private readonly errorList: DeclaredId[] = [];

  constructor(sink: DiagnosticSink, isLibraryFile: (file: string) => boolean) {
    super(sink, isLibraryFile);
    this.setGlobalScope(this.globals);
  }

  run(program: Program): CheckedProgram | undefined {
    const byName = new Map<string, TopLevelDecl>();
    const overloads = new Map<string, (ExternFunctionDecl | FunctionDecl | ActionDecl)[]>();
    for (const d of program.decls) this.declareTopLevel(d, byName, overloads);
    // As in p4c, a top-level name is visible after its declaration (a parser or control also
    // inside itself, a function or action not, so neither can recurse).
    const order = new Map<Declaration, number>(program.decls.map((d, i) => [d as Declaration, i]));
    let current = 0;
    this.globals.setVisibility((d) => {
      const at = order.get(d);
      return at === undefined || at < current || (at === current && d.kind !== "FunctionDecl" && d.kind !== "ActionDecl");
    });
    program.decls.forEach((d, i) => {
      current = i;
      for (const p of annotationValueProblems(d)) this.error(p.loc, p.message);
      this.checkTopLevel(d);
    });
    current = program.decls.length;
    const main = byName.get("main");
    if (main?.kind !== "Instantiation") {
      this.error(main?.loc ?? program.loc, main === undefined ? "program has no 'main' package instantiation" : "'main' must be a package instantiation");
      return undefined;
    }
    return { program, errors: this.errorList, matchKinds: this.matchKinds, main, globals: byName, overloads };
  }

  private declareTopLevel(d: TopLevelDecl, byName: Map<string, TopLevelDecl>, overloads: Map<string, (ExternFunctionDecl | FunctionDecl | ActionDecl)[]>): void {
    if (d.kind === "ErrorDecl" || d.kind === "MatchKindDecl") {
      for (const m of d.members) {
        const list = d.kind === "ErrorDecl" ? this.errorList : this.matchKinds;
        if (list.some((x) => x.name === m.name)) {
          this.error(m.loc, `duplicate ${d.kind === "ErrorDecl" ? "error" : "match_kind"} member '${m.name}'`);
          continue;
        }
        list.push(m);
        if (d.kind === "ErrorDecl") this.errorMembers.set(m.name, m);
        else this.globals.declare(m.name, m);
      }
      return;
    }
    const existing = this.globals.own(d.name);
    const overloadable = d.kind === "ExternFunctionDecl" || d.kind === "FunctionDecl" || d.kind === "ActionDecl";
    // Functions and extern functions overload by parameters; p4c keeps one action per name.
    if (existing !== undefined && !(overloadable && d.kind !== "ActionDecl" && existing.every((x) => x.kind === d.kind))) {
      this.error(d.loc, `'${d.name}' is already declared`);
      return;
    }
    this.globals.declare(d.name, d);
    byName.set(d.name, d);
    if (overloadable) {
      const list = overloads.get(d.name) ?? [];
      list.push(d);
      overloads.set(d.name, list);
    }
  }

  private typeParamScope(parent: Scope, params: TypeParam[]): Scope {
    const s = parent.child();
    for (const p of params) s.declare(p.name, p);
    return s;
  }

  /** `hasBody`: the parameters of a declaration with a body, where p4c warns about shadowing. */
  private declareParams(scope: Scope, params: Param[], hasBody = true): void {
    for (const p of params) {
      const t = this.resolveType(p.type, scope);
      const problem = paramTypeProblem(p, t);
      if (problem !== undefined) this.error(p.loc, `'${p.name}': ${problem}`);
      if (p.defaultValue !== undefined) {
        p.defaultValue = this.checkAgainst(p.defaultValue, scope, p.type.resolved ?? DONTCARE, `default value of '${p.name}'`);
        if (p.defaultValue.constValue === undefined && (isInteger(t) || t.kind === "bool")) this.error(p.defaultValue.loc, `default value of '${p.name}' must be a compile-time constant`);
      }
      if (scope.own(p.name) !== undefined) this.error(p.loc, `duplicate parameter '${p.name}'`);
      else if (hasBody) this.warnShadowing(scope, p.name, p.loc);
      scope.declare(p.name, p);
    }
  }

  private checkTopLevel(d: TopLevelDecl): void {
    const g = this.globals;
    switch (d.kind) {
      case "ConstDecl":
        this.checkConst(d, g);
        return;
      case "TypedefDecl":
        this.resolveType(d.type, g);
        return;
      case "NewTypeDecl": {
        const t = this.resolveType(d.type, g);
        // p4c allows only fixed-width bit and int, bool, and other new types (not varbit, string or error).
        if (!["bit", "int", "bool", "newtype", "dontcare"].includes(t.kind)) {
          this.error(d.loc, `'${d.name}': 'type' can only be applied to base types, not '${typeToString(t)}'`);
        }
        return;
      }
      case "EnumDecl":
        this.checkEnum(d);
        return;
      case "ErrorDecl":
      case "MatchKindDecl":
        return;
      case "HeaderDecl":
      case "StructDecl":
      case "HeaderUnionDecl": {
        const s = this.typeParamScope(g, d.typeParams);
        const seen = new Set<string>();
        for (const f of d.fields) {
          if (seen.has(f.name)) this.error(f.loc, `duplicate field '${f.name}'`);
          seen.add(f.name);
          const t = this.resolveType(f.type, s);
          if (containsAggregate(t, d, new Set())) {
            this.error(f.type.loc, `${d.kind === "StructDecl" ? "struct" : d.kind === "HeaderDecl" ? "header" : "header union"} '${d.name}' cannot contain itself (field '${f.name}')`);
            continue;
          }
          if (t.kind === "string" || t.kind === "extern" || t.kind === "parser" || t.kind === "control" || t.kind === "package" || t.kind === "table") {
            this.error(f.type.loc, `field '${f.name}' of '${d.name}' cannot have type '${typeToString(t)}'`);
            continue;
          }
          if (d.kind === "HeaderDecl" && !isHeaderFieldType(t)) this.error(f.type.loc, `header field '${f.name}' cannot have type '${typeToString(t)}'`);
          if (d.kind === "HeaderUnionDecl" && t.kind !== "header" && t.kind !== "dontcare") this.error(f.type.loc, `header union field '${f.name}' must be a header`);
        }
        return;
      }
      case "ExternFunctionDecl": {
        const s = this.typeParamScope(g, d.typeParams);
        this.resolveType(d.returnType, s);
        this.declareParams(s.child(), d.params, false);
        return;
      }
      case "ExternObjectDecl":
        for (const m of d.methods) {
          const s = this.methodScope(d, m);
          if (m.returnType !== undefined) this.resolveType(m.returnType, s);
          if (m.isConstructor && m.name !== d.name) this.error(m.loc, `method '${m.name}' needs a return type`);
          this.declareParams(s.child(), m.params, false);
        }
        return;
      case "FunctionDecl":
        this.checkFunction(d, g);
        return;
      case "ActionDecl":
        this.checkAction(d, g);
        return;
      case "ParserTypeDecl":
      case "ControlTypeDecl":
      case "PackageTypeDecl":
        this.declareParams(this.typeParamScope(g, d.typeParams), d.params, false);
        return;
      case "ParserDecl":
        this.checkParser(d);
        return;
      case "ControlDecl":
        this.checkControl(d);
        return;
      case "Instantiation": {
        this.checkInstantiation(d, g);
        const t = d.type.resolved;
        if (t?.kind === "parser" || t?.kind === "control") this.error(d.loc, `'${d.name}': a ${t.kind} cannot be instantiated at top level`);
        return;
      }
      case "ValueSetDecl":
        this.error(d.loc, "value_set may only be declared inside a parser");
        return;
    }
  }

  private checkConst(d: Extract<Stmt, { kind: "ConstDecl" }>, scope: Scope): void {
    const t = this.resolveType(d.type, scope);
    if (t.kind === "extern" || t.kind === "parser" || t.kind === "control" || t.kind === "package") {
      this.error(d.loc, `'${d.name}': cannot declare constants of type '${typeToString(t)}'`);
      return;
    }
    d.value = this.checkAgainst(d.value, scope, t, `constant '${d.name}'`);
    if (d.value.constValue === undefined && (isInteger(t) || t.kind === "bool")) {
      this.error(d.value.loc, `initializer of constant '${d.name}' is not a compile-time constant`);
    }
  }

  private checkEnum(d: Extract<TopLevelDecl, { kind: "EnumDecl" }>): void {
    const seen = new Set<string>();
    for (const m of d.members) {
      if (seen.has(m.name)) this.error(m.loc, `duplicate enum member '${m.name}'`);
      seen.add(m.name);
    }
    if (d.underlying === undefined) {
      for (const m of d.members) if (m.value !== undefined) this.error(m.value.loc, "only serializable enums (enum bit<N> ...) give members values");
      return;
    }
    const u = this.resolveType(d.underlying, this.globals);
    if (u.kind === "newtype") {
      this.error(d.loc, `'${d.name}': a serializable enum needs bit<N> or int<N>; a 'type'-declared type is not allowed even when it is one`);
      return;
    }
    if (!isFixedInt(u)) this.error(d.underlying.loc, `serializable enum needs a bit<N> or int<N> type, not '${typeToString(u)}'`);
    for (const m of d.members) {
      if (m.value === undefined) {
        this.error(m.loc, `member '${m.name}' of serializable enum '${d.name}' needs a value`);
        continue;
      }
      m.value = this.checkAgainst(m.value, this.globals, u, `value of '${d.name}.${m.name}'`);
      if (typeof m.value.constValue === "bigint") m.constValue = m.value.constValue;
      else this.error(m.value.loc, `value of '${d.name}.${m.name}' is not a compile-time constant`);
    }
  }

  private checkFunction(d: FunctionDecl, outer: Scope): void {
    const s = this.typeParamScope(outer, d.typeParams);
    const rt = this.resolveType(d.returnType, s);
    this.declareParams(s, d.params);
    this.checkBlock(d.body, s, { kind: "function", returnType: rt });
    if (rt.kind !== "void" && !alwaysReturns(d.body)) this.error(d.loc, `function '${d.name}' does not return a value on every path`);
  }

  private checkAction(d: ActionDecl, outer: Scope): void {
    const s = outer.child();
    this.declareParams(s, d.params);
    for (const p of d.params) {
      const t = p.type.resolved;
      if (t !== undefined && (t.kind === "extern" || t.kind === "parser" || t.kind === "control" || t.kind === "package" || t.kind === "infint")) {
        this.error(p.loc, `'${p.name}': action parameters cannot have type '${typeToString(t)}'`);
      }
    }
    let seenDirectionless = false;
    for (const p of d.params) {
      if (p.direction === "none") seenDirectionless = true;
      else if (seenDirectionless) this.error(p.loc, `parameter '${p.name}' with a direction follows a directionless parameter`);
    }
    this.checkBlock(d.body, s, { kind: "action", returnType: VOID });
  }

  /** The parser or control whose body is being checked. */
  private enclosingBlock: ParserDecl | ControlDecl | undefined;

  private checkParser(d: ParserDecl): void {
    this.enclosingBlock = d;
    const s = this.typeParamScope(this.globals, d.typeParams);
    this.declareParams(s, d.params);
    this.declareParams(s, d.ctorParams);
    const body: Body = { kind: "parser", returnType: VOID };
    for (const l of d.locals) {
      switch (l.kind) {
        case "ConstDecl": this.checkConst(l, s); break;
        case "VarDecl": this.checkVar(l, s); break;
        case "Instantiation": this.checkInstantiation(l, s); break;
        case "ValueSetDecl": {
          this.resolveType(l.elementType, s);
          l.size = this.checkAgainst(l.size, s, INFINT, "value_set size");
          break;
        }
      }
      this.declareLocal(s, l.name, l);
    }
    const states = s.child();
    states.declare("accept", ACCEPT);
    states.declare("reject", REJECT);
    for (const st of d.states) {
      if (st.name === "accept" || st.name === "reject" || states.own(st.name)?.some((x) => x.kind === "ParserState")) {
        this.error(st.loc, `state '${st.name}' is already declared`);
        continue;
      }
      states.declare(st.name, st);
    }
    if (!d.states.some((st) => st.name === "start")) this.error(d.loc, `parser '${d.name}' has no 'start' state`);
    this.instanceHost = d.locals;
    for (const st of d.states) this.checkState(st, states, body);
    this.instanceHost = undefined;
    this.callSite = undefined;
  }

  private checkState(st: ParserState, scope: Scope, body: Body): void {
    const s = scope.child();
    this.callSite = body.kind;
    for (const stmt of st.stmts) this.checkStmt(stmt, s, body);
    const tr = st.transition;
    if (tr === undefined) return;
    if (tr.kind === "DirectTransition") {
      this.checkStateRef(tr.next, s);
      return;
    }
    const types = tr.exprs.map((e) => this.check(e, s));
    types.forEach((t, i) => {
      if (t.kind === "infint") this.error(tr.exprs[i]!.loc, "select expression needs a fixed-width type");
    });
    for (const c of tr.cases) {
      const before = this.sink.items.length;
      c.keyset = this.checkKeysetList(c.keyset, types, s);
      // p4c types a select as one expression and reports a mismatching case at the select.
      for (const d of this.sink.items.slice(before)) {
        if (d.severity === "error" && d.message.startsWith("type mismatch in key set")) {
          d.message = `${d.message} (case at line ${d.loc.line})`;
          d.loc = tr.loc;
        }
      }
      this.checkStateRef(c.next, s);
    }
  }

  private checkStateRef(p: Extract<Expr, { kind: "PathExpr" }>, scope: Scope): void {
    const d = scope.lookup(p.name)?.find((x) => x.kind === "ParserState" || x.kind === "BuiltinDecl");
    if (d === undefined) {
      this.error(p.loc, `undeclared parser state '${p.name}'`);
      return;
    }
    p.ref = d;
    p.type = { kind: "state" };
  }

  /** Key set against the list of select/key types. */
  /** Returns the key set to keep: `{a, b}` written as one expression becomes the tuple `(a, b)`. */
  private checkKeysetList(given: Keyset, types: Type[], scope: Scope): Keyset {
    let k = given;
    if (k.kind === "ExprKeyset" && k.expr.kind === "ListExpr" && k.expr.elements.length === types.length) {
      const elements: Keyset[] = k.expr.elements.map((e) => ({ kind: "ExprKeyset", loc: e.loc, expr: e }));
      k = types.length === 1 ? elements[0]! : { kind: "TupleKeyset", loc: k.loc, elements };
    }
    if (k.kind === "DefaultKeyset" || k.kind === "DontCareKeyset") {
      k.type = types.length === 1 ? types[0]! : { kind: "tuple", elements: types };
      return k;
    }
    if (types.length === 1) {
      this.checkKeyset(k, types[0]!, scope);
      return k;
    }
    if (k.kind === "ExprKeyset") {
      // A value_set of structs matches a select on as many expressions as the struct has fields.
      const et = this.check(k.expr, scope);
      if (et.kind === "valueSet" && et.element.kind === "struct" && et.element.decl.fields.length === types.length) {
        k.type = { kind: "tuple", elements: types };
        return k;
      }
    }
    if (k.kind !== "TupleKeyset" || k.elements.length !== types.length) {
      this.error(k.loc, `key set has ${k.kind === "TupleKeyset" ? k.elements.length : 1} component(s), expected ${types.length}`);
      return k;
    }
    k.elements.forEach((e, i) => this.checkKeyset(e, types[i]!, scope));
    k.type = { kind: "tuple", elements: types };
    return k;
  }

  private checkKeyset(k: Keyset, t: Type, scope: Scope): void {
    k.type = t;
    switch (k.kind) {
      case "DefaultKeyset":
      case "DontCareKeyset":
        return;
      case "ExprKeyset": {
        const et = this.check(k.expr, scope);
        if (et.kind === "valueSet") {
          // A value_set of a one-field struct matches the field's type.
          const element = et.element.kind === "struct" && et.element.decl.fields.length === 1 ? et.element.decl.fields[0]!.type.resolved ?? et.element : et.element;
          if (!typeEquals(element, t) && !typeEquals(et.element, t) && t.kind !== "dontcare") this.error(k.loc, `value_set of '${typeToString(et.element)}' cannot match '${typeToString(t)}'`);
          return;
        }
        k.expr = this.convert(k.expr, t, "key set");
        this.requireConstant(k.expr, "key set value");
        return;
      }
      case "MaskKeyset":
        k.value = this.checkAgainst(k.value, scope, t, "key set value");
        // A mask is bits, even when matching a serializable enum.
        k.mask = this.checkAgainst(k.mask, scope, t.kind === "serenum" ? underlyingOf(t) : t, "key set mask");
        this.requireConstant(k.value, "key set value");
        this.requireConstant(k.mask, "key set mask");
        return;
      case "RangeKeyset":
        k.lo = this.checkAgainst(k.lo, scope, t, "range bound");
        k.hi = this.checkAgainst(k.hi, scope, t, "range bound");
        this.requireConstant(k.lo, "range bound");
        this.requireConstant(k.hi, "range bound");
        return;
      case "TupleKeyset":
        this.error(k.loc, `key set has ${k.elements.length} component(s), expected 1`);
        return;
    }
  }

  private requireConstant(e: Expr, what: string): void {
    if (e.constValue === undefined && e.type?.kind !== "dontcare" && e.type?.kind !== "enum" && e.type?.kind !== "error") {
      this.error(e.loc, `${what} must be a compile-time constant`);
    }
  }

  private checkControl(d: ControlDecl): void {
    this.enclosingBlock = d;
    const s = this.typeParamScope(this.globals, d.typeParams);
    this.declareParams(s, d.params);
    this.declareParams(s, d.ctorParams);
    const body: Body = { kind: "control", returnType: VOID };
    for (const l of d.locals) {
      switch (l.kind) {
        case "ConstDecl": this.checkConst(l, s); break;
        case "VarDecl": this.checkVar(l, s); break;
        case "Instantiation": this.checkInstantiation(l, s); break;
        case "ActionDecl": this.checkAction(l, s); break;
        case "TableDecl": this.checkTable(l, s); break;
      }
      this.declareLocal(s, l.name, l);
    }
    this.instanceHost = d.locals;
    this.checkBlock(d.apply, s, body);
    this.instanceHost = undefined;
  }

  protected override checkImplicitInstance(inst: Instantiation, scope: Scope): void {
    this.checkInstantiation(inst, scope);
  }

  /** p4c warns when a declaration hides one of an enclosing scope (a parameter: see below). */
  private warnShadowing(scope: Scope, name: string, loc: SrcLoc): void {
    if (scope.own(name) !== undefined) return;
    const outer = scope.parent?.lookup(name)?.[0];
    if (outer === undefined || outer.kind === "BuiltinDecl" || outer.kind === "DeclaredId") return;
    if (this.shadowingReported) {
      this.shadowingReported = false;
      return;
    }
    this.sink.warning(loc, `'${name}' shadows '${name}'`);
  }

  /** Set when the declaration being made was already reported as hiding a parameter. */
  private shadowingReported = false;

  /** p4c makes a statement-level declaration that hides a parameter an error (elsewhere shadowing only warns). */
  private noParameterShadowing(scope: Scope, name: string, loc: SrcLoc): void {
    if (scope.own(name) === undefined && scope.lookup(name)?.[0]?.kind === "Param") {
      this.error(loc, `declaration of '${name}' shadows a parameter '${name}'`);
      this.shadowingReported = true;
    }
  }

  private declareLocal(scope: Scope, name: string, d: Declaration): void {
    this.warnShadowing(scope, name, d.loc);
    const own = scope.own(name);
    if (own !== undefined && own.some((x) => x.kind !== "Param" || d.kind === "Param")) {
      this.error(d.loc, `'${name}' is already declared in this scope`);
    }
    scope.declare(name, d);
  }

  private checkTable(t: TableDecl, scope: Scope): void {
    let keyTypes: Type[] = [];
    let matchKinds: string[] = [];
    const listed = new Map<ActionDecl, ActionRef>();
    const seen = new Set<string>();
    for (const p of t.properties) {
      const name = p.kind === "KeyProperty" ? "key" : p.kind === "ActionsProperty" ? "actions" : p.kind === "DefaultActionProperty" ? "default_action" : p.kind === "EntriesProperty" ? "entries" : p.name;
      if (seen.has(name)) this.error(p.loc, `table property '${name}' appears more than once`);
      seen.add(name);
      switch (p.kind) {
        case "KeyProperty":
          matchKinds = p.elements.map((k) => k.matchKind.name);
          keyTypes = p.elements.map((k) => {
            const kt = this.check(k.expr, scope);
            if (kt.kind === "infint" || kt.kind === "list") this.error(k.expr.loc, "table key needs a fixed-width type");
            const mk = scope.lookup(k.matchKind.name)?.[0];
            if (mk?.kind !== "DeclaredId" || mk.owner !== "match_kind") {
              this.error(k.matchKind.loc, `'${k.matchKind.name}' is not a match kind`);
            } else {
              k.matchKind.ref = mk;
              k.matchKind.type = { kind: "match_kind" };
              // Prefix and range matching compare bits of a number; a bool or enum has none to compare.
              const repr = underlyingOf(kt);
              if ((mk.name === "lpm" || mk.name === "range") && repr.kind !== "bit" && repr.kind !== "int" && repr.kind !== "dontcare") {
                this.error(k.expr.loc, `key with match kind '${mk.name}' must be a bit<W> or int<W>, not '${typeToString(kt)}'`);
              }
            }
            return kt;
          });
          break;
        case "ActionsProperty":
          for (const a of p.actions) {
            const decl = this.resolveActionRef(a, scope, false);
            if (decl !== undefined) listed.set(decl, a);
          }
          break;
        case "DefaultActionProperty": {
          const actionsLater = !seen.has("actions") && t.properties.some((q) => q.kind === "ActionsProperty");
          if (actionsLater) {
            this.error(t.loc, `table '${t.name}' has no actions list before its default_action, so it cannot invoke '${p.action.name.name}'`);
            break;
          }
          const decl = this.resolveActionRef(p.action, scope, true);
          if (decl !== undefined && seen.has("actions") && !listed.has(decl)) {
            this.error(p.action.loc, `default action '${decl.name}' is not in the table's actions list`);
          }
          if (decl !== undefined) this.matchListedArgs(p.action, decl, listed);
          if (decl !== undefined && listed.get(decl)?.annotations.some((x) => x.name === "tableonly")) {
            this.error(p.loc, `action '${decl.name}' is marked @tableonly and cannot be the default action`);
          }
          break;
        }
        case "EntriesProperty":
          if (!seen.has("key") && t.properties.some((q) => q.kind === "KeyProperty")) {
            this.error(p.loc, `table '${t.name}': the entries list must come after the key`);
            break;
          }
          for (const e of p.entries) {
            e.keyset = this.checkKeysetList(e.keyset, keyTypes, scope);
            this.checkEntryMatchKinds(e.keyset, matchKinds, keyTypes);
            const decl = this.resolveActionRef(e.action, scope, true);
            if (decl !== undefined && !listed.has(decl)) this.error(e.action.loc, `action '${decl.name}' is not in the table's actions list`);
            if (decl !== undefined) this.matchListedArgs(e.action, decl, listed);
            if (decl !== undefined && listed.get(decl)?.annotations.some((x) => x.name === "defaultonly")) {
              this.error(e.loc, `action '${decl.name}' is marked @defaultonly and cannot be used in an entry`);
            }
            if (e.priority !== undefined) e.priority = this.checkAgainst(e.priority, scope, INFINT, "entry priority");
          }
          break;
        case "OtherProperty":
          this.check(p.value, scope);
          if (p.name === "size" && typeof p.value.constValue !== "bigint") this.error(p.value.loc, "table size must be a compile-time constant");
          break;
      }
    }
    if (!seen.has("actions")) this.error(t.loc, `table '${t.name}' has no actions property`);
    for (const problem of entryPriorityProblems(t)) this.error(problem.loc, problem.message);
  }

  /**
   * A default action or entry repeats the arguments the actions list binds to the action's
   * directional parameters, and gives compile-time constants for the others (the control plane's).
   */
  private matchListedArgs(a: ActionRef, decl: ActionDecl, listed: ReadonlyMap<ActionDecl, ActionRef>): void {
    (listed.get(decl)?.args ?? []).forEach((bound, i) => {
      const given = a.args?.[i];
      if (given !== undefined && !sameExpression(given.value, bound.value)) {
        this.error(given.value.loc, `argument ${i + 1} of action '${decl.name}' does not match the one bound in the actions list`);
      }
    });
    for (const b of a.boundArgs ?? []) {
      if (b.param.direction === "none" && b.value !== undefined && !isCompileTimeKnown(b.value)) {
        this.error(b.value.loc, `argument for '${b.param.name}' of action '${decl.name}' must be a compile-time constant`);
      }
    }
  }

  /** What each match kind accepts in a constant entry, as p4c's bmv2 back end checks it (so late). */
  private checkEntryMatchKinds(keyset: Keyset, matchKinds: string[], keyTypes: Type[]): void {
    const parts = matchKinds.length === 1 ? [keyset] : keyset.kind === "TupleKeyset" ? keyset.elements : [];
    parts.forEach((k, i) => {
      const kind = matchKinds[i];
      const t = keyTypes[i];
      if (kind === "optional" && (k.kind === "MaskKeyset" || k.kind === "RangeKeyset")) {
        this.lateError(k.loc, "unsupported optional key expression: an optional key matches one value or anything");
      }
      if (kind === "lpm" && k.kind === "MaskKeyset" && typeof k.mask.constValue === "bigint" && t !== undefined && isFixedInt(t)) {
        const all = (1n << BigInt(t.width)) - 1n;
        const zeros = all & ~k.mask.constValue;
        if ((zeros & (zeros + 1n)) !== 0n) this.lateError(k.loc, "invalid mask for LPM key: it must be a prefix (ones, then zeros)");
      }
    });
  }

  private resolveActionRef(a: ActionRef, scope: Scope, allArgs: boolean): ActionDecl | undefined {
    const d = scope.lookup(a.name.name)?.find((x) => x.kind === "ActionDecl");
    if (d?.kind !== "ActionDecl") {
      this.error(a.name.loc, scope.lookup(a.name.name) === undefined ? `undeclared action '${a.name.name}'` : `'${a.name.name}' is not an action`);
      return undefined;
    }
    a.name.ref = d;
    a.name.type = { kind: "action", decl: d };
    const args = a.args ?? [];
    const directional = d.params.filter((p) => p.direction !== "none").length;
    if (!allArgs && a.args !== undefined && args.length !== directional) {
      this.error(a.loc, `action '${d.name}' in an actions list takes ${directional} argument(s) (its parameters with a direction), got ${args.length}`);
      return d;
    }
    if (!allArgs && a.args === undefined && directional > 0) {
      this.error(a.loc, `action '${d.name}' needs arguments for its parameters with a direction`);
      return d;
    }
    a.boundArgs = this.bindActionArgs(d, args, scope, a.loc, allArgs && a.args !== undefined);
    return d;
  }

  private checkInstantiation(d: Instantiation, scope: Scope): void {
    const t = this.resolveType(d.type, scope);
    const named = d.type.kind === "NamedTypeRef" ? d.type.ref : undefined;
    // `typedef register<bit<8>> R; R(4) r;` instantiates the type the typedef names.
    const viaTypedef = named?.kind === "TypedefDecl" && (t.kind === "extern" || t.kind === "parser" || t.kind === "control" || t.kind === "package");
    const decl = viaTypedef ? t.decl : named;
    // The constructor is checked as the call `Type(args)` would be.
    const call: Extract<Expr, { kind: "CallExpr" }> = {
      kind: "CallExpr", loc: d.loc, callee: { kind: "PathExpr", loc: d.type.loc, name: d.type.kind === "NamedTypeRef" ? d.type.name : "?", global: false },
      typeArgs: d.type.kind === "NamedTypeRef" ? d.type.typeArgs : [], args: d.args,
    };
    if (decl?.kind === "ExternObjectDecl") {
      const selfArg = d.type.kind === "NamedTypeRef" ? d.type.typeArgs.find((a) => mentionsExtern(a.resolved, decl)) : undefined;
      if (selfArg !== undefined) {
        this.error(d.loc, `'${decl.name}': contains itself as a type argument (through '${typeToString(selfArg.resolved!)}')`);
        return;
      }
      const ctors = decl.methods.filter((m) => m.isConstructor);
      if (ctors.length === 0) this.error(d.loc, `extern '${decl.name}' has no constructor`);
      const typeArgs = viaTypedef && t.kind === "extern" ? t.typeArgs : d.type.kind === "NamedTypeRef" ? d.type.typeArgs.map((a) => this.resolveType(a, scope)) : [];
      const typed = this.checkConstructorCall(call, decl, typeArgs, scope, true);
      call.type = typed;
      if (call.target?.kind === "constructor") {
        if (call.target.method !== undefined) d.constructorDecl = call.target.method;
        if (call.boundArgs !== undefined) d.boundArgs = call.boundArgs;
        if (typed.kind === "extern" && t.kind === "extern") {
          // Type arguments the declaration left out are inferred from the constructor arguments.
          d.type.resolved = { ...t, typeArgs: t.typeArgs.map((a, i) => (a.kind === "dontcare" ? typed.typeArgs[i] ?? a : a)) };
        }
      }
      this.checkAbstractMethods(d, decl, scope);
      return;
    }
    if ((decl?.kind === "ParserDecl" || decl?.kind === "ControlDecl") && decl === this.enclosingBlock) {
      this.error(d.loc, `self-referencing types are not supported: '${decl.name}' within ${decl.kind === "ParserDecl" ? "parser" : "control"} '${decl.name}'`);
      return;
    }
    if (decl?.kind === "ParserDecl" || decl?.kind === "ControlDecl") {
      call.type = this.checkConstructorCall(call, decl, [], scope, true);
      if (call.boundArgs !== undefined) d.boundArgs = call.boundArgs;
      return;
    }
    if (decl?.kind === "PackageTypeDecl") {
      this.checkPackageArgs(d, decl, t, scope);
      return;
    }
    if (t.kind !== "dontcare") this.error(d.type.loc, `cannot instantiate type '${typeToString(t)}'`);
  }

  private checkAbstractMethods(d: Instantiation, decl: Extract<TopLevelDecl, { kind: "ExternObjectDecl" }>, scope: Scope): void {
    const abstract = decl.methods.filter((m) => m.isAbstract);
    for (const f of d.initializer ?? []) {
      if (f.kind === "FunctionDecl") {
        if (!abstract.some((m) => m.name === f.name)) this.error(f.loc, `'${f.name}' is not an abstract method of '${decl.name}'`);
        this.checkFunction(f, scope);
      } else {
        this.checkInstantiation(f, scope);
      }
    }
    for (const m of abstract) {
      if (!d.initializer?.some((f) => f.kind === "FunctionDecl" && f.name === m.name)) {
        this.error(d.loc, `instance '${d.name}' must implement abstract method '${m.name}'`);
      }
    }
  }

  private checkPackageArgs(d: Instantiation, pkg: Extract<TopLevelDecl, { kind: "PackageTypeDecl" }>, t: Type, scope: Scope): void {
    const pairs = this.matchArguments(d.args, pkg.params, d.loc, { arityErrorAt: this.declarationSite(pkg.loc) });
    if (pairs === undefined) return;
    const sig = this.typeParamScope(this.globals, pkg.typeParams);
    const bindings = new Map<TypeParam, Type>();
    if (t.kind === "package") pkg.typeParams.forEach((p, i) => {
      const a = t.typeArgs[i];
      if (a !== undefined && a.kind !== "dontcare") bindings.set(p, a);
    });
    d.boundArgs = pkg.params.map((p, index) => {
      const arg = pairs.find((x) => x.index === index)?.arg;
      if (arg === undefined) return { param: p };
      const at = this.check(arg.value, scope);
      const pt = this.resolveType(p.type, sig);
      this.matchBlock(at, pt, pkg.typeParams, bindings, arg.value.loc, p.name);
      return { param: p, value: arg.value };
    });
    // A default argument is checked in the package's own scope, so it cannot fix a type
    // variable of this instance: one that only a defaulted parameter mentions stays unknown.
    const omitted = pkg.params.filter((p, index) => p.defaultValue !== undefined && !pairs.some((x) => x.index === index && x.arg !== undefined));
    const unknown = pkg.typeParams.find((tp) => !bindings.has(tp) && omitted.some((p) => mentionsTypeVar(this.resolveType(p.type, sig), tp)));
    if (unknown !== undefined) this.error(d.loc, `'${d.name}': could not infer a type for type variable '${unknown.name}' of '${pkg.name}'`);
    if (t.kind === "package") d.type.resolved = { ...t, typeArgs: pkg.typeParams.map((p) => bindings.get(p) ?? DONTCARE) };
  }

  /** Checks a parser/control argument against a package parameter's block type, inferring the package's type arguments. */
  private matchBlock(actual: Type, expected: Type, pkgParams: TypeParam[], bindings: Map<TypeParam, Type>, loc: SrcLoc, paramName: string): void {
    if (actual.kind === "dontcare") return;
    if ((expected.kind === "package" || expected.kind === "extern") && actual.kind === expected.kind && actual.decl === expected.decl) {
      this.matchInstanceTypeArgs(actual, expected, pkgParams, bindings, loc, paramName);
      return;
    }
    if ((expected.kind !== "parser" && expected.kind !== "control") || actual.kind !== expected.kind) {
      this.error(loc, `argument '${paramName}': expected a ${expected.kind === "parser" || expected.kind === "control" ? expected.kind : typeToString(expected)}, found '${typeToString(actual)}'`);
      return;
    }
    const want = expected.decl.params;
    const got = actual.decl.params;
    // A block may leave out trailing parameters the block type marks @optional.
    if (got.length > want.length || want.slice(got.length).some((p) => !isOptional(p))) {
      this.error(loc, `argument '${paramName}': '${actual.decl.name}' has ${got.length} parameter(s), '${expected.decl.name}' needs ${want.length}`);
      return;
    }
    // The block type's own type parameters stand for the package's type arguments.
    const inner = new Map<TypeParam, Type>();
    expected.decl.typeParams.forEach((p, i) => inner.set(p, expected.typeArgs[i] ?? DONTCARE));
    const sig = this.typeParamScope(this.globals, expected.decl.typeParams);
    const actualScope = this.typeParamScope(this.globals, actual.decl.typeParams);
    want.slice(0, got.length).forEach((wp, i) => {
      const gp = got[i]!;
      if (wp.direction !== gp.direction) {
        this.error(gp.loc, `parameter '${gp.name}' of '${actual.decl.name}' must be '${wp.direction}' to match '${expected.decl.name}'`);
        return;
      }
      let wt = this.resolveType(wp.type, sig);
      if (wt.kind === "typeVar") wt = inner.get(wt.param) ?? wt;
      const gt = this.resolveType(gp.type, actualScope);
      if (wt.kind === "typeVar" && pkgParams.includes(wt.param)) {
        const bound = bindings.get(wt.param);
        if (bound === undefined) bindings.set(wt.param, gt);
        else if (!typeEquals(bound, gt) && gt.kind !== "dontcare" && bound.kind !== "dontcare") {
          this.error(gp.loc, `parameter '${gp.name}' of '${actual.decl.name}' has type '${typeToString(gt)}', but the package needs '${typeToString(bound)}'`);
        }
        return;
      }
      if (wt.kind !== "typeVar" && wt.kind !== "dontcare" && gt.kind !== "dontcare" && !typeEquals(wt, gt)) {
        this.error(gp.loc, `parameter '${gp.name}' of '${actual.decl.name}' has type '${typeToString(gt)}', expected '${typeToString(wt)}'`);
      }
    });
  }

  /**
   * An instance of a generic package or extern passed where `Name<A, B>` is expected: each of the
   * expected type arguments that is one of the outer package's type parameters is bound to (or,
   * when already bound, must equal) the instance's own type argument (P4_16 type inference).
   */
  private matchInstanceTypeArgs(actual: Extract<Type, { typeArgs: Type[] }>, expected: Extract<Type, { typeArgs: Type[] }>, pkgParams: TypeParam[], bindings: Map<TypeParam, Type>, loc: SrcLoc, paramName: string): void {
    expected.typeArgs.forEach((want, i) => {
      const got = actual.typeArgs[i];
      if (got === undefined || got.kind === "dontcare" || want.kind === "dontcare") return;
      if (want.kind === "typeVar" && pkgParams.includes(want.param)) {
        const bound = bindings.get(want.param);
        if (bound === undefined || bound.kind === "dontcare") bindings.set(want.param, got);
        else if (!typeEquals(bound, got)) {
          this.error(loc, `argument '${paramName}': type argument ${i + 1} of '${typeToString(actual)}' is '${typeToString(got)}', but the package needs '${typeToString(bound)}'`);
        }
        return;
      }
      if (want.kind !== "typeVar" && !typeEquals(want, got)) {
        this.error(loc, `argument '${paramName}': expected '${typeToString(expected)}', found '${typeToString(actual)}'`);
      }
    });
  }

  // -------------------------------------------------------------------------------------------
  // Statements

  private checkBlock(b: BlockStmt, outer: Scope, body: Body): void {
    const s = outer.child();
    const enclosing = this.callSite;
    this.callSite = body.kind;
    for (const st of b.stmts) this.checkStmt(st, s, body);
    this.callSite = enclosing;
  }

  private checkVar(d: Extract<Stmt, { kind: "VarDecl" }>, scope: Scope): void {
    const t = this.resolveType(d.type, scope);
    if (t.kind === "parser" || t.kind === "control" || t.kind === "package" || t.kind === "extern") {
      this.error(d.loc, `'${d.name}': cannot declare variables of type '${typeToString(t)}' (declare an instance instead)`);
      return;
    }
    if (d.init !== undefined) d.init = this.checkAgainst(d.init, scope, t, `initializer of '${d.name}'`);
    if (t.kind === "infint") this.error(d.loc, `variable '${d.name}' cannot have type 'int'; give it a width`);
  }

  private checkStmt(st: Stmt, scope: Scope, body: Body): void {
    switch (st.kind) {
      case "EmptyStmt":
        return;
      case "AssignStmt": {
        const t = this.check(st.target, scope);
        const why = notWritableReason(st.target);
        if (why !== undefined && t.kind !== "dontcare") this.error(st.target.loc, `cannot assign to this expression: ${why === "" ? "it is not an l-value" : why}`);
        st.value = this.checkAgainst(st.value, scope, t, "assignment");
        return;
      }
      case "CallStmt":
        this.check(st.call, scope);
        return;
      case "IfStmt":
        st.cond = this.checkAgainst(st.cond, scope, BOOL, "if condition");
        this.checkNested(st.then, scope, body);
        if (st.else !== undefined) this.checkNested(st.else, scope, body);
        return;
      case "BlockStmt":
        this.checkBlock(st, scope, body);
        return;
      case "SwitchStmt":
        this.checkSwitch(st, scope, body);
        return;
      case "ReturnStmt":
        if (body.kind === "parser") {
          this.error(st.loc, "'return' is not allowed in a parser");
        } else if (st.value === undefined) {
          if (body.kind === "function" && body.returnType.kind !== "void") this.error(st.loc, "return without a value in a function that returns a value");
        } else if (body.kind !== "function" || body.returnType.kind === "void") {
          this.error(st.value.loc, "return with a value outside a function that returns a value");
          this.check(st.value, scope);
        } else {
          st.value = this.checkAgainst(st.value, scope, body.returnType, "return value");
        }
        return;
      case "ExitStmt":
        if (body.kind === "parser" || body.kind === "function") this.error(st.loc, `'exit' is not allowed in a ${body.kind}`);
        return;
      case "VarDecl":
        this.checkVar(st, scope);
        this.noParameterShadowing(scope, st.name, st.loc);
        this.declareLocal(scope, st.name, st);
        return;
      case "ConstDecl":
        this.checkConst(st, scope);
        this.noParameterShadowing(scope, st.name, st.loc);
        this.declareLocal(scope, st.name, st);
        return;
      case "Instantiation":
        this.checkInstantiation(st, scope);
        this.declareLocal(scope, st.name, st);
        return;
    }
  }

  /** A statement that is the branch of an if: gets its own scope. */
  private checkNested(st: Stmt, scope: Scope, body: Body): void {
    this.checkStmt(st, scope.child(), body);
  }

  private checkSwitch(st: Extract<Stmt, { kind: "SwitchStmt" }>, scope: Scope, body: Body): void {
    const t = this.check(st.subject, scope);
    const table = t.kind === "actionEnum" ? t.table : undefined;
    const u = underlyingOf(t);
    if (table === undefined && !isFixedInt(u) && t.kind !== "enum" && t.kind !== "error" && t.kind !== "dontcare") {
      this.error(st.subject.loc, `cannot switch on a value of type '${typeToString(t)}'`);
    }
    const seen = new Set<string>();
    st.cases.forEach((c, i) => {
      if (c.label.kind === "DefaultLabel") {
        if (st.cases.slice(0, i).some((x) => x.label.kind === "DefaultLabel")) this.error(st.loc, "switch has more than one 'default' label");
        else if (i !== st.cases.length - 1) this.error(st.loc, `switch label after 'default' (line ${c.loc.line}): 'default' must be the last label`);
      } else if (table !== undefined) {
        const e = c.label.expr;
        if (e.kind !== "PathExpr") {
          this.error(e.loc, "switch label must name an action of the table");
        } else {
          const actions = table.properties.flatMap((p) => (p.kind === "ActionsProperty" ? p.actions : []));
          const match = actions.find((a) => a.name.name === e.name);
          if (match === undefined || match.name.ref === undefined) {
            this.error(e.loc, `'${e.name}' is not an action of table '${table.name}'`);
          } else {
            e.ref = match.name.ref;
            e.type = t;
          }
          if (seen.has(e.name)) this.error(e.loc, `duplicate switch label '${e.name}'`);
          seen.add(e.name);
        }
      } else if (c.label.expr.kind === "PathExpr" && scope.lookup(c.label.expr.name)?.[0]?.kind === "ActionDecl") {
        this.error(c.label.expr.loc, `switch label '${c.label.expr.name}' is an action: action labels need a switch on 'table.apply().action_run', not on a value of type '${typeToString(t)}'`);
      } else {
        c.label.expr = this.checkAgainst(c.label.expr, scope, t, "switch label");
        const v = c.label.expr.constValue;
        const key = v !== undefined ? String(v) : c.label.expr.kind === "MemberExpr" ? c.label.expr.member : undefined;
        if (key !== undefined && seen.has(key)) this.error(c.label.expr.loc, "duplicate switch label");
        if (key !== undefined) seen.add(key);
      }
      if (c.body !== undefined) this.checkBlock(c.body, scope, body);
    });
    const last = st.cases[st.cases.length - 1];
    if (last !== undefined && last.body === undefined) this.error(last.loc, "the last switch case needs a body");
  }
}

/** Whether a value of type `t` holds a `decl` inside it (a recursive type, which has no finite size). */
function containsAggregate(t: Type, decl: Declaration, seen: Set<Declaration>): boolean {
  if (t.kind === "stack") return containsAggregate(t.element, decl, seen);
  if (t.kind === "tuple") return t.elements.some((e) => containsAggregate(e, decl, seen));
  if (t.kind !== "struct" && t.kind !== "header" && t.kind !== "union") return false;
  if (t.decl === decl) return true;
  if (seen.has(t.decl)) return false;
  seen.add(t.decl);
  return t.decl.fields.some((f) => f.type.resolved !== undefined && containsAggregate(f.type.resolved, decl, seen));
}

/** A type parameter passes here: p4c checks the field's type once the generic header is given type arguments. */
function isHeaderFieldType(t: Type): boolean {
  return t.kind === "typeVar" || t.kind === "bit" || t.kind === "int" || t.kind === "varbit" || t.kind === "bool" || t.kind === "serenum" || t.kind === "dontcare" ||
    (t.kind === "newtype" && isHeaderFieldType(t.underlying)) ||
    (t.kind === "struct" && t.decl.fields.every((f) => f.type.resolved === undefined || isHeaderFieldType(f.type.resolved)));
}

/** Conservative: every path through the block ends in return (or exit). */
function alwaysReturns(st: Stmt): boolean {
  switch (st.kind) {
    case "ReturnStmt":
    case "ExitStmt":
      return true;
    case "BlockStmt":
      return st.stmts.some(alwaysReturns);
    case "IfStmt":
      return st.else !== undefined && alwaysReturns(st.then) && alwaysReturns(st.else);
    case "SwitchStmt":
      return st.cases.some((c) => c.label.kind === "DefaultLabel") && st.cases.every((c) => c.body === undefined || alwaysReturns(c.body));
    default:
      return false;
  }
}

/** What p4c forbids in a parameter declaration, whatever the block. */
function paramTypeProblem(p: Param, t: Type): string | undefined {
  if (p.direction !== "none" && (t.kind === "extern" || t.kind === "parser" || t.kind === "control" || t.kind === "package")) {
    return `a parameter of type '${typeToString(t)}' cannot have a direction`;
  }
  if (p.direction !== "none" && (t.kind === "infint" || t.kind === "string")) return `parameters of type ${t.kind === "infint" ? "int" : "string"} must be directionless`;
  // A parser or control declaration is one implementation, not an interface a parameter can name.
  if ((t.kind === "parser" || t.kind === "control") && (t.decl.kind === "ParserDecl" || t.decl.kind === "ControlDecl")) {
    return `a parameter cannot have type '${t.kind} ${t.decl.name}' (use its type declaration)`;
  }
  return undefined;
}

/** Whether two expressions are written the same (names, members, indices and constants). */
function sameExpression(a: Expr, b: Expr): boolean {
  const shape = (e: Expr): string =>
    JSON.stringify(e, (k, v: unknown) => (k === "loc" || k === "memberLoc" || k === "nameLoc" || k === "type" || k === "ref" || k === "text" ? undefined : typeof v === "bigint" ? v.toString() : v));
  return shape(a) === shape(b);
}

/** Whether a parser or control type takes a parameter of the given extern's type. */
function mentionsExtern(t: Type | undefined, ext: ExternObjectDecl): boolean {
  if (t?.kind !== "parser" && t?.kind !== "control") return false;
  return t.decl.params.some((p) => p.type.resolved?.kind === "extern" && p.type.resolved.decl === ext);
}
