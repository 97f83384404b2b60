/**
 * Grammar of types, expressions, arguments, key sets and annotations (typescript-parsec).
 * Precedence, loosest first, as in p4c: ?:  ||  &&  == !=  < <= > >=  |  ^  &  << >>
 * ++ + - |+| |-|  * / %  prefix(! ~ - + cast)  postfix(. [] [:] call).
 * Bitwise operators bind tighter than comparisons, unlike C.
 */
import {
  alt_sc, apply, kmid, kright, lrec_sc, list_sc, opt_sc, rep_sc, rule, seq, tok,
  type Parser, type Token,
} from "typescript-parsec";
import type {
  Annotation, Argument, BinaryOp, Expr, Keyset, SrcLoc, TypeRef, UnaryOp,
} from "../ast/nodes.ts";
import { decodeIntLiteral } from "../lexer/int_literal.ts";
import { Tk, type P4Token } from "../lexer/tokens.ts";
import { balancedParens, greaterThan, shiftRight, tokenWhere, where } from "./combinators.ts";
import { loc, parseContext } from "./context.ts";

type P<T> = Parser<Tk, T>;

export const sym = (text: string): P<P4Token> => tokenWhere((t) => t.text === text && (t.kind === Tk.Punct || t.kind === Tk.Keyword), `'${text}'`);
export const ident: P<P4Token> = tok(Tk.Ident);
/** Names that may be declared or referenced even though some are keywords elsewhere. */
export const nameTok: P<P4Token> = alt_sc(ident, tokenWhere((t) => t.kind === Tk.Keyword && ["apply", "key", "actions", "state", "entries", "type"].includes(t.text), "name"));
/** After `.`: any identifier or keyword. */
const memberTok: P<P4Token> = tokenWhere((t) => t.kind === Tk.Ident || t.kind === Tk.Keyword, "member name");

export const expr = rule<Tk, Expr>();
export const typeRef = rule<Tk, TypeRef>();
export const annotation = rule<Tk, Annotation>();
export const annotations: P<Annotation[]> = rep_sc(annotation);
export const argumentList = rule<Tk, Argument[]>();
export const typeArgList = rule<Tk, TypeRef[]>();

const first = (range: [Token<Tk> | undefined, Token<Tk> | undefined]): SrcLoc => loc(range[0]);

// ---------------------------------------------------------------------------------------------
// Types

/** Width of bit<...>/int<...>/varbit<...>: a literal, a constant name, or `(expr)`. */
const widthExpr: P<Expr> = alt_sc(
  kmid(sym("("), expr, sym(")")),
  apply(tok(Tk.Int), (t): Expr => intLiteral(t)),
  apply(ident, (t): Expr => ({ kind: "PathExpr", loc: loc(t), name: t.text, global: false })),
);
const angled = <T>(p: P<T>): P<T> => kmid(sym("<"), p, sym(">"));

typeArgList.setPattern(
  kmid(sym("<"), list_sc(alt_sc(apply(sym("_"), (t): TypeRef => ({ kind: "DontCareTypeRef", loc: loc(t) })), typeRef), sym(",")), sym(">")),
);

const baseType: P<TypeRef> = alt_sc(
  apply(seq(sym("bit"), opt_sc(angled(widthExpr))), ([t, w]): TypeRef => (w === undefined ? { kind: "BitTypeRef", loc: loc(t) } : { kind: "BitTypeRef", loc: loc(t), width: w })),
  apply(seq(sym("int"), angled(widthExpr)), ([t, w]): TypeRef => ({ kind: "SignedTypeRef", loc: loc(t), width: w })),
  apply(sym("int"), (t): TypeRef => ({ kind: "InfIntTypeRef", loc: loc(t) })),
  apply(seq(sym("varbit"), angled(widthExpr)), ([t, w]): TypeRef => ({ kind: "VarbitTypeRef", loc: loc(t), maxWidth: w })),
  apply(sym("bool"), (t): TypeRef => ({ kind: "BoolTypeRef", loc: loc(t) })),
  apply(sym("error"), (t): TypeRef => ({ kind: "ErrorTypeRef", loc: loc(t) })),
  apply(tokenWhere((t) => t.text === "match_kind" && t.kind === Tk.Keyword, "'match_kind'"), (t): TypeRef => ({ kind: "MatchKindTypeRef", loc: loc(t) })),
  apply(sym("string"), (t): TypeRef => ({ kind: "StringTypeRef", loc: loc(t) })),
  apply(sym("void"), (t): TypeRef => ({ kind: "VoidTypeRef", loc: loc(t) })),
  apply(seq(sym("tuple"), typeArgList), ([t, elements]): TypeRef => ({ kind: "TupleTypeRef", loc: loc(t), elements })),
  apply(seq(opt_sc(sym(".")), ident, opt_sc(typeArgList)), ([dot, t, args]): TypeRef => ({
    kind: "NamedTypeRef", loc: loc(dot ?? t), name: t.text, global: dot !== undefined, typeArgs: args ?? [],
  })),
);

typeRef.setPattern(
  lrec_sc(baseType, kmid(sym("["), expr, sym("]")), (element: TypeRef, size: Expr): TypeRef => ({ kind: "StackTypeRef", loc: element.loc, element, size })),
);

// ---------------------------------------------------------------------------------------------
// Expressions

export function intLiteral(t: P4Token): Expr {
  const decoded = decodeIntLiteral(t.text);
  if (typeof decoded === "string") return { kind: "IntLiteral", loc: loc(t), value: 0n, text: t.text };
  const base = { kind: "IntLiteral" as const, loc: loc(t), value: decoded.value, text: t.text };
  return decoded.width === undefined ? base : { ...base, width: decoded.width, signed: decoded.signed ?? false };
}

function unescape(s: string): string {
  return s.slice(1, -1).replace(/\\(.)/g, (_m, c: string) => ({ n: "\n", t: "\t", r: "\r" })[c] ?? c);
}

/** Type in a cast: builtin types, or a name the program declares as a type. */
const castType: P<TypeRef> = where(typeRef, (t) => t.kind !== "NamedTypeRef" || parseContext().typeNames.has(t.name), "type");

const structInitField = apply(seq(nameTok, sym("="), expr), ([n, , value]) => ({ name: n.text, nameLoc: loc(n), value }));

const primary: P<Expr> = alt_sc(
  apply(tok(Tk.Int), intLiteral),
  apply(tok(Tk.String), (t): Expr => ({ kind: "StringLiteral", loc: loc(t), value: unescape(t.text) })),
  apply(sym("true"), (t): Expr => ({ kind: "BoolLiteral", loc: loc(t), value: true })),
  apply(sym("false"), (t): Expr => ({ kind: "BoolLiteral", loc: loc(t), value: false })),
  apply(sym("_"), (t): Expr => ({ kind: "DontCareExpr", loc: loc(t) })),
  apply(sym("error"), (t): Expr => ({ kind: "TypeExpr", loc: loc(t), typeRef: { kind: "ErrorTypeRef", loc: loc(t) } })),
  apply(seq(sym("("), castType, sym(")"), lazyPrefix()), ([t, targetType, , e]): Expr => ({ kind: "CastExpr", loc: loc(t), targetType, expr: e })),
  kmid(sym("("), expr, sym(")")),
  apply(seq(sym("{"), list_sc(structInitField, sym(",")), opt_sc(sym(",")), sym("}")), ([t, fields]): Expr => ({ kind: "StructInitExpr", loc: loc(t), fields })),
  apply(seq(sym("{"), opt_sc(list_sc(expr, sym(","))), opt_sc(sym(",")), sym("}")), ([t, elements]): Expr => ({ kind: "ListExpr", loc: loc(t), elements: elements ?? [] })),
  apply(seq(sym("."), nameTok), ([d, n]): Expr => ({ kind: "PathExpr", loc: loc(d), name: n.text, global: true })),
  apply(nameTok, (t): Expr => ({ kind: "PathExpr", loc: loc(t), name: t.text, global: false })),
  apply(where(baseType, (t) => ["BitTypeRef", "SignedTypeRef", "VarbitTypeRef", "BoolTypeRef"].includes(t.kind), "type"), (typeRef): Expr => ({ kind: "TypeExpr", loc: typeRef.loc, typeRef })),
);

type Suffix =
  | { kind: "member"; name: P4Token }
  | { kind: "index"; index: Expr; close: P4Token }
  | { kind: "slice"; hi: Expr; lo: Expr }
  | { kind: "call"; typeArgs: TypeRef[]; args: Argument[] };

const argument: P<Argument> = alt_sc(
  apply(seq(nameTok, sym("="), expr), ([n, , value]): Argument => ({ kind: "Argument", loc: loc(n), name: n.text, value })),
  apply(expr, (value): Argument => ({ kind: "Argument", loc: value.loc, value })),
);
argumentList.setPattern(apply(seq(sym("("), opt_sc(list_sc(argument, sym(","))), sym(")")), ([, args]) => args ?? []));

const suffix: P<Suffix> = alt_sc(
  apply(kright(sym("."), memberTok), (name): Suffix => ({ kind: "member", name })),
  apply(seq(sym("["), expr, sym(":"), expr, sym("]")), ([, hi, , lo]): Suffix => ({ kind: "slice", hi, lo })),
  apply(seq(sym("["), expr, sym("]")), ([, index, close]): Suffix => ({ kind: "index", index, close })),
  apply(seq(opt_sc(typeArgList), argumentList), ([typeArgs, args]): Suffix => ({ kind: "call", typeArgs: typeArgs ?? [], args })),
);

const postfix: P<Expr> = lrec_sc(primary, suffix, (target: Expr, s: Suffix): Expr => {
  switch (s.kind) {
    case "member":
      return { kind: "MemberExpr", loc: target.loc, target, member: s.name.text, memberLoc: loc(s.name) };
    case "index":
      return { kind: "IndexExpr", loc: target.loc, target, index: s.index };
    case "slice":
      return { kind: "SliceExpr", loc: target.loc, target, hi: s.hi, lo: s.lo };
    case "call":
      return { kind: "CallExpr", loc: target.loc, callee: target, typeArgs: s.typeArgs, args: s.args };
  }
});

const prefix = rule<Tk, Expr>();
function lazyPrefix(): P<Expr> {
  return { parse: (t) => prefix.parse(t) };
}
prefix.setPattern(
  alt_sc(
    apply(seq(alt_sc(sym("!"), sym("~"), sym("-"), sym("+")), prefix), ([op, operand]): Expr => ({
      kind: "UnaryExpr", loc: loc(op), op: op.text as UnaryOp, operand,
    })),
    postfix,
  ),
);

function binaryLevel(operand: P<Expr>, ops: P<BinaryOp>): P<Expr> {
  return lrec_sc(operand, seq(ops, operand), (left: Expr, [op, right]: [BinaryOp, Expr]): Expr => ({
    kind: "BinaryExpr", loc: left.loc, op, left, right,
  }));
}
const ops = (...texts: BinaryOp[]): P<BinaryOp> =>
  apply(tokenWhere((t) => t.kind === Tk.Punct && (texts as string[]).includes(t.text), texts.map((x) => `'${x}'`).join(" or ")), (t) => t.text as BinaryOp);
const shiftRightOp: P<BinaryOp> = apply(shiftRight, (): BinaryOp => ">>");
const greaterThanOp: P<BinaryOp> = apply(greaterThan, (): BinaryOp => ">");

const multiplicative = binaryLevel(prefix, ops("*", "/", "%"));
const additive = binaryLevel(multiplicative, ops("+", "-", "|+|", "|-|", "++"));
const shift = binaryLevel(additive, alt_sc(ops("<<"), shiftRightOp));
const bitAnd = binaryLevel(shift, ops("&"));
const bitXor = binaryLevel(bitAnd, ops("^"));
const bitOr = binaryLevel(bitXor, ops("|"));
const relational = binaryLevel(bitOr, alt_sc(ops("<", "<=", ">="), greaterThanOp));
const equality = binaryLevel(relational, ops("==", "!="));
const logicalAnd = binaryLevel(equality, ops("&&"));
const logicalOr = binaryLevel(logicalAnd, ops("||"));

expr.setPattern(
  apply(seq(logicalOr, opt_sc(seq(sym("?"), expr, sym(":"), expr))), ([cond, rest]): Expr =>
    rest === undefined ? cond : { kind: "TernaryExpr", loc: cond.loc, cond, ifTrue: rest[1], ifFalse: rest[3] },
  ),
);

// ---------------------------------------------------------------------------------------------
// Key sets

export const simpleKeyset: P<Keyset> = alt_sc(
  apply(sym("default"), (t): Keyset => ({ kind: "DefaultKeyset", loc: loc(t) })),
  apply(sym("_"), (t): Keyset => ({ kind: "DontCareKeyset", loc: loc(t) })),
  apply(seq(expr, opt_sc(seq(alt_sc(sym("&&&"), sym("..")), expr))), ([e, rest]): Keyset => {
    if (rest === undefined) return { kind: "ExprKeyset", loc: e.loc, expr: e };
    return rest[0].text === "&&&"
      ? { kind: "MaskKeyset", loc: e.loc, value: e, mask: rest[1] }
      : { kind: "RangeKeyset", loc: e.loc, lo: e, hi: rest[1] };
  }),
);
/** `(k1, k2)`; a single parenthesised key set is just that key set. */
export const tupleKeyset: P<Keyset> = apply(seq(sym("("), list_sc(simpleKeyset, sym(",")), sym(")")), ([t, elements]): Keyset =>
  elements.length === 1 ? elements[0]! : { kind: "TupleKeyset", loc: loc(t), elements },
);

// ---------------------------------------------------------------------------------------------
// Annotations

const exprListToEnd = (open: P4Token, close: P4Token): Expr[] | undefined => {
  if (open.next === close) return [];
  const out = list_sc(expr, sym(",")).parse(open.next);
  if (!out.successful) return undefined;
  const whole = out.candidates.find((c) => c.nextToken === close);
  return whole?.result;
};

annotation.setPattern(
  apply(seq(sym("@"), memberTok, opt_sc(balancedParens)), ([at, n, body], range): Annotation => {
    const base: Annotation = { kind: "Annotation", loc: first(range) ?? loc(at), name: n.text, tokens: [] };
    if (body === undefined) return base;
    base.tokens = body.inner.map((t) => ({ text: t.text, loc: loc(t) }));
    const args = exprListToEnd(body.open, body.close);
    if (args !== undefined) base.args = args;
    return base;
  }),
);
