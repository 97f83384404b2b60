/**
 * Grammar of statements and declarations (typescript-parsec). Alternatives are ordered
 * (alt_sc): where two forms share a prefix, the one that needs more tokens to succeed is tried
 * first, and the token that tells them apart is part of the alternative.
 */
import { alt_sc, apply, kleft, kmid, kright, list_sc, opt_sc, rep_sc, rule, seq, type Parser } from "typescript-parsec";
import type {
  ActionDecl, ActionRef, BlockStmt, ConstDecl, ControlLocal, DeclaredId, Direction, EnumMember,
  Field, Instantiation, KeyElement, MethodDecl, Param, ParserLocal, ParserState, SelectCase, Stmt, SwitchCase, SwitchLabel,
  TableDecl, TableEntry, TableProperty, TopLevelDecl, Transition, TypeParam, VarDecl, FunctionDecl,
  BinaryOp, CallExpr, Expr, PathExpr, TypeRef,
} from "../ast/nodes.ts";
import { Tk, type P4Token } from "../lexer/tokens.ts";
import { shiftRightAssign, tokenWhere, where } from "./combinators.ts";
import { loc } from "./context.ts";
import {
  annotations, argumentList, expr, ident, nameTok, simpleKeyset, sym, tupleKeyset, typeRef,
} from "./expressions.ts";

type P<T> = Parser<Tk, T>;

const word = (text: string): P<P4Token> => tokenWhere((t) => t.text === text && t.kind === Tk.Ident, `'${text}'`);
const semi = sym(";");
const pathOf = (t: P4Token): PathExpr => ({ kind: "PathExpr", loc: loc(t), name: t.text, global: false });

export const stmt = rule<Tk, Stmt>();
export const block = rule<Tk, BlockStmt>();

// ---------------------------------------------------------------------------------------------
// Parameters and type parameters

const direction: P<Direction> = apply(opt_sc(alt_sc(sym("inout"), sym("in"), sym("out"))), (t): Direction => (t === undefined ? "none" : (t.text as Direction)));
const param: P<Param> = apply(
  seq(annotations, direction, typeRef, nameTok, opt_sc(kright(sym("="), expr))),
  ([anns, dir, type, n, dflt], range): Param => {
    const p: Param = { kind: "Param", loc: loc(range[0]), annotations: anns, direction: dir, type, name: n.text };
    if (dflt !== undefined) p.defaultValue = dflt;
    return p;
  },
);
export const paramList: P<Param[]> = apply(seq(sym("("), opt_sc(list_sc(param, sym(","))), sym(")")), ([, ps]) => ps ?? []);
const typeParams: P<TypeParam[]> = apply(
  opt_sc(kmid(sym("<"), list_sc(ident, sym(",")), sym(">"))),
  (ts) => (ts ?? []).map((t): TypeParam => ({ kind: "TypeParam", loc: loc(t), name: t.text })),
);

// ---------------------------------------------------------------------------------------------
// Statements

/** Compound assignment operators (P4_16 v1.2.5) and the binary operator each applies. */
const COMPOUND_ASSIGNMENTS: ReadonlyMap<string, BinaryOp> = new Map<string, BinaryOp>([
  ["*=", "*"], ["/=", "/"], ["%=", "%"], ["+=", "+"], ["-=", "-"], ["|+|=", "|+|"], ["|-|=", "|-|"],
  ["<<=", "<<"], ["&=", "&"], ["|=", "|"], ["^=", "^"],
]);
const assignOp: P<BinaryOp | "="> = alt_sc(
  apply(sym("="), () => "=" as const),
  apply(shiftRightAssign, () => ">>" as const),
  apply(tokenWhere((t) => t.kind === Tk.Punct && COMPOUND_ASSIGNMENTS.has(t.text), "assignment operator"), (t) => COMPOUND_ASSIGNMENTS.get(t.text)!),
);

/**
 * `target = value;`, `target op= value;` or `call(...);` — one expression parse serves all.
 * `a op= b` is kept as the assignment `a = a op b` (the spec defines it so), with
 * `compoundOp` recording the written form; the target is copied so each node has one parent.
 */
const assignOrCall: P<Stmt> = apply(
  where(
    seq(expr, alt_sc(seq(assignOp, kleft(expr, semi)), apply(semi, () => undefined))),
    ([e, value]) => value !== undefined || e.kind === "CallExpr",
    "assignment or method call",
  ),
  ([e, assigned]): Stmt => {
    if (assigned === undefined) return { kind: "CallStmt", loc: e.loc, call: e as CallExpr };
    const [op, value] = assigned;
    if (op === "=") return { kind: "AssignStmt", loc: e.loc, target: e, value };
    const combined: Expr = { kind: "BinaryExpr", loc: e.loc, op, left: structuredClone(e), right: value };
    return { kind: "AssignStmt", loc: e.loc, target: e, value: combined, compoundOp: op };
  },
);

export const constDecl: P<ConstDecl> = apply(
  seq(annotations, sym("const"), typeRef, nameTok, sym("="), expr, semi),
  ([anns, c, type, n, , value]): ConstDecl => ({ kind: "ConstDecl", loc: loc(c), annotations: anns, type, name: n.text, value }),
);
export const varDecl: P<VarDecl> = apply(
  seq(annotations, typeRef, nameTok, opt_sc(kright(sym("="), expr)), semi),
  ([anns, type, n, init]): VarDecl => {
    const v: VarDecl = { kind: "VarDecl", loc: loc(n), annotations: anns, type, name: n.text };
    if (init !== undefined) v.init = init;
    return v;
  },
);

block.setPattern(
  apply(seq(annotations, sym("{"), rep_sc(stmt), sym("}")), ([anns, open, stmts]): BlockStmt => ({ kind: "BlockStmt", loc: loc(open), annotations: anns, stmts })),
);

const switchLabel: P<SwitchLabel> = alt_sc(
  apply(sym("default"), (t): SwitchLabel => ({ kind: "DefaultLabel", loc: loc(t) })),
  apply(expr, (e): SwitchLabel => ({ kind: "ExprLabel", loc: e.loc, expr: e })),
);
const switchCase: P<SwitchCase> = apply(seq(switchLabel, sym(":"), opt_sc(block)), ([label, , body]): SwitchCase => {
  const c: SwitchCase = { kind: "SwitchCase", loc: label.loc, label };
  if (body !== undefined) c.body = body;
  return c;
});

stmt.setPattern(
  alt_sc(
    apply(semi, (t): Stmt => ({ kind: "EmptyStmt", loc: loc(t) })),
    block,
    apply(seq(sym("if"), sym("("), expr, sym(")"), stmt, opt_sc(kright(sym("else"), stmt))), ([t, , cond, , then, els]): Stmt => {
      const s: Stmt = { kind: "IfStmt", loc: loc(t), cond, then };
      if (els !== undefined) s.else = els;
      return s;
    }),
    apply(seq(sym("switch"), sym("("), expr, sym(")"), sym("{"), rep_sc(switchCase), sym("}")), ([t, , subject, , , cases]): Stmt => ({
      kind: "SwitchStmt", loc: loc(t), subject, cases,
    })),
    apply(seq(sym("return"), opt_sc(expr), semi), ([t, value]): Stmt => (value === undefined ? { kind: "ReturnStmt", loc: loc(t) } : { kind: "ReturnStmt", loc: loc(t), value })),
    apply(seq(sym("exit"), semi), ([t]): Stmt => ({ kind: "ExitStmt", loc: loc(t) })),
    constDecl,
    varDecl,
    assignOrCall,
  ),
);

// ---------------------------------------------------------------------------------------------
// Instantiations, actions, functions

const methodOrFunctionBody = rule<Tk, (FunctionDecl | Instantiation)[]>();

export const instantiation: P<Instantiation> = apply(
  seq(annotations, typeRef, argumentList, nameTok, opt_sc(kright(sym("="), methodOrFunctionBody)), semi),
  ([anns, type, args, n, init]): Instantiation => {
    const i: Instantiation = { kind: "Instantiation", loc: loc(n), annotations: anns, type, args, name: n.text };
    if (init !== undefined) i.initializer = init;
    return i;
  },
);

export const actionDecl: P<ActionDecl> = apply(
  seq(annotations, sym("action"), nameTok, paramList, block),
  ([anns, , n, params, body]): ActionDecl => ({ kind: "ActionDecl", loc: loc(n), annotations: anns, name: n.text, params, body }),
);

export const functionDecl: P<FunctionDecl> = apply(
  seq(annotations, typeRef, nameTok, typeParams, paramList, block),
  ([anns, returnType, n, tps, params, body]): FunctionDecl => ({
    kind: "FunctionDecl", loc: loc(n), annotations: anns, name: n.text, returnType, typeParams: tps, params, body,
  }),
);

methodOrFunctionBody.setPattern(kmid(sym("{"), rep_sc(alt_sc<Tk, FunctionDecl, Instantiation>(functionDecl, instantiation)), sym("}")));

// ---------------------------------------------------------------------------------------------
// Parsers

const stateName: P<PathExpr> = apply(nameTok, pathOf);
const selectCase: P<SelectCase> = apply(
  alt_sc(seq(tupleKeyset, sym(":"), stateName, semi), seq(simpleKeyset, sym(":"), stateName, semi)),
  ([ks, , next]): SelectCase => ({ kind: "SelectCase", loc: ks.loc, keyset: ks, next }),
);
const transition: P<Transition> = alt_sc(
  apply(seq(sym("transition"), sym("select"), sym("("), opt_sc(list_sc(expr, sym(","))), sym(")"), sym("{"), rep_sc(selectCase), sym("}")),
    ([t, , , exprs, , , cases]): Transition => ({ kind: "SelectTransition", loc: loc(t), exprs: exprs ?? [], cases })),
  apply(seq(sym("transition"), stateName, semi), ([t, next]): Transition => ({ kind: "DirectTransition", loc: loc(t), next })),
);
const parserState: P<ParserState> = apply(
  seq(annotations, sym("state"), nameTok, sym("{"), rep_sc(stmt), opt_sc(transition), sym("}")),
  ([anns, , n, , stmts, tr]): ParserState => {
    const s: ParserState = { kind: "ParserState", loc: loc(n), annotations: anns, name: n.text, stmts };
    if (tr !== undefined) s.transition = tr;
    return s;
  },
);
const valueSetDecl = apply(
  seq(annotations, sym("value_set"), kmid(sym("<"), typeRef, sym(">")), sym("("), expr, sym(")"), nameTok, semi),
  ([anns, , elementType, , size, , n]) => ({ kind: "ValueSetDecl" as const, loc: loc(n), annotations: anns, elementType, size, name: n.text }),
);
const parserLocal: P<ParserLocal> = alt_sc<Tk, ParserLocal, ParserLocal, ParserLocal, ParserLocal>(constDecl, valueSetDecl, instantiation, varDecl);

// ---------------------------------------------------------------------------------------------
// Tables

const actionRef: P<ActionRef> = apply(seq(annotations, nameTok, opt_sc(argumentList)), ([anns, n, args], range): ActionRef => {
  const r: ActionRef = { kind: "ActionRef", loc: loc(range[0]), annotations: anns, name: pathOf(n) };
  if (args !== undefined) r.args = args;
  return r;
});
const keyElement: P<KeyElement> = apply(seq(expr, sym(":"), nameTok, annotations, semi), ([e, , mk, anns]): KeyElement => ({
  kind: "KeyElement", loc: e.loc, annotations: anns, expr: e, matchKind: pathOf(mk),
}));
const entryBody = alt_sc(seq(tupleKeyset, sym(":"), actionRef, annotations, semi), seq(simpleKeyset, sym(":"), actionRef, annotations, semi));
const tableEntry: P<TableEntry> = apply(
  seq(annotations, opt_sc(sym("const")), opt_sc(kmid(seq(word("priority"), sym("=")), expr, sym(":"))), entryBody),
  ([anns, isConst, priority, [ks, , action, trailing]], range): TableEntry => {
    const all = [...anns, ...trailing];
    const e: TableEntry = { kind: "TableEntry", loc: loc(range[0]), annotations: all, isConst: isConst !== undefined, keyset: ks, action };
    const prio = priority ?? all.find((a) => a.name === "priority")?.args?.[0];
    if (prio !== undefined) e.priority = prio;
    return e;
  },
);
const tableProperty: P<TableProperty> = alt_sc(
  apply(seq(sym("key"), sym("="), sym("{"), rep_sc(keyElement), sym("}")), ([t, , , elements]): TableProperty => ({ kind: "KeyProperty", loc: loc(t), elements })),
  apply(seq(sym("actions"), sym("="), sym("{"), rep_sc(kleft(actionRef, semi)), sym("}")), ([t, , , actions]): TableProperty => ({ kind: "ActionsProperty", loc: loc(t), actions })),
  apply(seq(opt_sc(sym("const")), word("default_action"), sym("="), actionRef, semi), ([c, t, , action]): TableProperty => ({
    kind: "DefaultActionProperty", loc: loc(c ?? t), isConst: c !== undefined, action,
  })),
  apply(seq(annotations, opt_sc(sym("const")), sym("entries"), sym("="), sym("{"), rep_sc(tableEntry), sym("}")), ([, c, t, , , entries]): TableProperty => ({
    kind: "EntriesProperty", loc: loc(c ?? t), isConst: c !== undefined, entries,
  })),
  apply(seq(annotations, opt_sc(sym("const")), nameTok, sym("="), expr, semi), ([anns, c, n, , value]): TableProperty => ({
    kind: "OtherProperty", loc: loc(c ?? n), annotations: anns, isConst: c !== undefined, name: n.text, value,
  })),
);
const tableDecl: P<TableDecl> = apply(
  seq(annotations, sym("table"), nameTok, sym("{"), rep_sc(tableProperty), sym("}")),
  ([anns, , n, , properties]): TableDecl => ({ kind: "TableDecl", loc: loc(n), annotations: anns, name: n.text, properties }),
);
const controlLocal: P<ControlLocal> = alt_sc<Tk, ControlLocal, ControlLocal, ControlLocal, ControlLocal, ControlLocal>(
  actionDecl, tableDecl, constDecl, instantiation, varDecl,
);

// ---------------------------------------------------------------------------------------------
// Top level

const field: P<Field> = apply(seq(annotations, typeRef, nameTok, semi), ([anns, type, n]): Field => ({ kind: "Field", loc: loc(n), annotations: anns, type, name: n.text }));
const fieldList = kmid(sym("{"), rep_sc(field), sym("}"));

const aggregate = (keyword: string, kind: "HeaderDecl" | "StructDecl" | "HeaderUnionDecl"): P<TopLevelDecl> =>
  apply(seq(annotations, sym(keyword), nameTok, typeParams, fieldList), ([anns, , n, tps, fields]): TopLevelDecl => ({
    kind, loc: loc(n), annotations: anns, name: n.text, typeParams: tps, fields,
  }));

const enumMember: P<EnumMember> = apply(seq(nameTok, opt_sc(kright(sym("="), expr))), ([n, value]): EnumMember =>
  value === undefined ? { kind: "EnumMember", loc: loc(n), name: n.text } : { kind: "EnumMember", loc: loc(n), name: n.text, value });

const idList = (owner: "error" | "match_kind"): P<DeclaredId[]> =>
  apply(kmid(sym("{"), opt_sc(list_sc(nameTok, sym(","))), seq(opt_sc(sym(",")), sym("}"))), (ts) =>
    (ts ?? []).map((t): DeclaredId => ({ kind: "DeclaredId", loc: loc(t), name: t.text, owner })));

const methodDecl = (): P<MethodDecl> =>
  alt_sc(
    apply(seq(annotations, nameTok, paramList, semi), ([anns, n, params]): MethodDecl => ({
      kind: "MethodDecl", loc: loc(n), annotations: anns, name: n.text, isConstructor: true, isAbstract: false, typeParams: [], params,
    })),
    apply(seq(annotations, opt_sc(sym("abstract")), typeRef, nameTok, typeParams, paramList, semi), ([anns, abs, returnType, n, tps, params]): MethodDecl => ({
      kind: "MethodDecl", loc: loc(n), annotations: anns, name: n.text, isConstructor: false, isAbstract: abs !== undefined, returnType, typeParams: tps, params,
    })),
  );

const externDecl: P<TopLevelDecl> = alt_sc(
  apply(seq(annotations, sym("extern"), nameTok, typeParams, sym("{"), rep_sc(methodDecl()), sym("}")), ([anns, , n, tps, , methods]): TopLevelDecl => ({
    kind: "ExternObjectDecl", loc: loc(n), annotations: anns, name: n.text, typeParams: tps,
    methods,
  })),
  apply(seq(annotations, sym("extern"), typeRef, nameTok, typeParams, paramList, semi), ([anns, , returnType, n, tps, params]): TopLevelDecl => ({
    kind: "ExternFunctionDecl", loc: loc(n), annotations: anns, name: n.text, returnType, typeParams: tps, params,
  })),
);

const parserOrType: P<TopLevelDecl> = apply(
  seq(annotations, sym("parser"), nameTok, typeParams, paramList, alt_sc(
    apply(semi, () => undefined),
    seq(opt_sc(paramList), sym("{"), rep_sc(parserLocal), rep_sc(parserState), sym("}")),
  )),
  ([anns, , n, tps, params, body]): TopLevelDecl => {
    if (body === undefined) return { kind: "ParserTypeDecl", loc: loc(n), annotations: anns, name: n.text, typeParams: tps, params };
    const [ctor, , locals, states] = body;
    return { kind: "ParserDecl", loc: loc(n), annotations: anns, name: n.text, typeParams: tps, params, ctorParams: ctor ?? [], locals, states };
  },
);

const controlOrType: P<TopLevelDecl> = apply(
  seq(annotations, sym("control"), nameTok, typeParams, paramList, alt_sc(
    apply(semi, () => undefined),
    seq(opt_sc(paramList), sym("{"), rep_sc(controlLocal), sym("apply"), block, sym("}")),
  )),
  ([anns, , n, tps, params, body]): TopLevelDecl => {
    if (body === undefined) return { kind: "ControlTypeDecl", loc: loc(n), annotations: anns, name: n.text, typeParams: tps, params };
    const [ctor, , locals, , apply] = body;
    return { kind: "ControlDecl", loc: loc(n), annotations: anns, name: n.text, typeParams: tps, params, ctorParams: ctor ?? [], locals, apply };
  },
);

/**
 * `typedef header h_t { ... } alias_t;` (or struct, header_union; also with `type`): p4c's
 * grammar lets a typedef declare the type it names. It stands for the two declarations.
 */
const inlineTypedef: P<TopLevelDecl[]> = apply(
  seq(annotations, alt_sc(sym("typedef"), sym("type")), alt_sc(aggregate("header", "HeaderDecl"), aggregate("struct", "StructDecl"), aggregate("header_union", "HeaderUnionDecl")), nameTok, semi),
  ([anns, keyword, inner, n]): TopLevelDecl[] => {
    const named = inner as TopLevelDecl & { name: string };
    const type: TypeRef = { kind: "NamedTypeRef", loc: named.loc, name: named.name, global: false, typeArgs: [] };
    return [inner, { kind: keyword.text === "typedef" ? "TypedefDecl" : "NewTypeDecl", loc: loc(n), annotations: anns, name: n.text, type }];
  },
);

const typeDecl: P<TopLevelDecl> = alt_sc(
  apply(seq(annotations, sym("typedef"), typeRef, nameTok, semi), ([anns, , type, n]): TopLevelDecl => ({ kind: "TypedefDecl", loc: loc(n), annotations: anns, name: n.text, type })),
  apply(seq(annotations, sym("type"), typeRef, nameTok, semi), ([anns, , type, n]): TopLevelDecl => ({ kind: "NewTypeDecl", loc: loc(n), annotations: anns, name: n.text, type })),
  apply(seq(annotations, sym("enum"), alt_sc(seq(typeRef, nameTok, sym("{")), seq(nameTok, sym("{"))), list_sc(enumMember, sym(",")), opt_sc(sym(",")), sym("}")),
    ([anns, , head, members]): TopLevelDecl => {
      const underlying = head.length === 3 ? head[0] : undefined;
      const n = head.length === 3 ? head[1] : head[0];
      const d: TopLevelDecl = { kind: "EnumDecl", loc: loc(n), annotations: anns, name: n.text, members };
      if (underlying !== undefined) d.underlying = underlying;
      return d;
    }),
  apply(seq(sym("error"), idList("error")), ([t, members]): TopLevelDecl => ({ kind: "ErrorDecl", loc: loc(t), members })),
  apply(seq(sym("match_kind"), idList("match_kind")), ([t, members]): TopLevelDecl => ({ kind: "MatchKindDecl", loc: loc(t), members })),
  aggregate("header", "HeaderDecl"),
  aggregate("struct", "StructDecl"),
  aggregate("header_union", "HeaderUnionDecl"),
);

export const topLevelDecl: P<TopLevelDecl | TopLevelDecl[] | undefined> = alt_sc(
  apply(semi, () => undefined),
  constDecl,
  inlineTypedef,
  typeDecl,
  externDecl,
  parserOrType,
  controlOrType,
  apply(seq(annotations, sym("package"), nameTok, typeParams, paramList, semi), ([anns, , n, tps, params]): TopLevelDecl => ({
    kind: "PackageTypeDecl", loc: loc(n), annotations: anns, name: n.text, typeParams: tps, params,
  })),
  actionDecl,
  instantiation,
  functionDecl,
);

export const program: P<(TopLevelDecl | TopLevelDecl[] | undefined)[]> = rep_sc(topLevelDecl);
