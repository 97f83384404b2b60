/**
 * Operations on semantic types: equality, printing, classification, substitution of type
 * variables and unification (type argument inference).
 */
import type { Type, TypeParam } from "../ast/nodes.ts";

export const BOOL: Type = { kind: "bool" };
export const INFINT: Type = { kind: "infint" };
export const VOID: Type = { kind: "void" };
export const ERROR: Type = { kind: "error" };
export const STRING: Type = { kind: "string" };
export const MATCH_KIND: Type = { kind: "match_kind" };
export const DONTCARE: Type = { kind: "dontcare" };
export const bit = (width: number): Type => ({ kind: "bit", width });

export function typeToString(t: Type): string {
  switch (t.kind) {
    case "bit": return `bit<${t.width}>`;
    case "int": return `int<${t.width}>`;
    case "varbit": return `varbit<${t.maxWidth}>`;
    case "infint": return "int";
    case "bool": case "string": case "void": case "error": case "match_kind": return t.kind;
    case "enum": case "serenum": case "header": case "struct": case "union": case "newtype": return t.decl.name;
    case "stack": return `${typeToString(t.element)}[${t.size}]`;
    case "tuple": return `tuple<${t.elements.map(typeToString).join(", ")}>`;
    case "list": return `{${t.elements.map(typeToString).join(", ")}}`;
    case "structInit": return `{${t.fields.map((f) => `${f.name} = ${typeToString(f.type)}`).join(", ")}}`;
    case "typeVar": return t.param.name;
    case "extern": case "parser": case "control": case "package":
      return t.typeArgs.length === 0 ? t.decl.name : `${t.decl.name}<${t.typeArgs.map(typeToString).join(", ")}>`;
    case "table": return `table ${t.decl.name}`;
    case "applyResult": return `${t.table.name}.apply result`;
    case "actionEnum": return `action_list(${t.table.name})`;
    case "action": return `action ${t.decl.name}`;
    case "function": return `function ${t.decl.name}`;
    case "state": return "state";
    case "valueSet": return `value_set<${typeToString(t.element)}>`;
    case "set": return `set<${typeToString(t.element)}>`;
    case "dontcare": return "_";
  }
}

export function typeEquals(a: Type, b: Type): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case "bit": case "int": return a.width === (b as typeof a).width;
    case "varbit": return a.maxWidth === (b as typeof a).maxWidth;
    case "enum": case "serenum": case "header": case "struct": case "union": case "newtype":
      return a.decl === (b as typeof a).decl;
    case "stack": {
      const o = b as typeof a;
      return a.size === o.size && typeEquals(a.element, o.element);
    }
    case "tuple": case "list": {
      const o = b as typeof a;
      return a.elements.length === o.elements.length && a.elements.every((e, i) => typeEquals(e, o.elements[i]!));
    }
    case "typeVar": return a.param === (b as typeof a).param;
    case "extern": case "parser": case "control": case "package": {
      const o = b as typeof a;
      return a.decl === o.decl && a.typeArgs.length === o.typeArgs.length && a.typeArgs.every((x, i) => typeEquals(x, o.typeArgs[i]!));
    }
    case "table": return a.decl === (b as typeof a).decl;
    case "applyResult": case "actionEnum": return a.table === (b as typeof a).table;
    case "action": case "function": return a.decl === (b as typeof a).decl;
    case "valueSet": case "set": return typeEquals(a.element, (b as typeof a).element);
    case "structInit": {
      const o = b as typeof a;
      return a.fields.length === o.fields.length && a.fields.every((f, i) => f.name === o.fields[i]!.name && typeEquals(f.type, o.fields[i]!.type));
    }
    default: return true;
  }
}

/** Fixed-width integer (bit<W> or int<W>). */
export function isFixedInt(t: Type): t is { kind: "bit"; width: number } | { kind: "int"; width: number } {
  return t.kind === "bit" || t.kind === "int";
}

/** Integer of any kind, including arbitrary-precision `int`. */
export function isInteger(t: Type): boolean {
  return isFixedInt(t) || t.kind === "infint";
}

/** Representation of a `type`-declared or serializable enum type, for casts and comparisons. */
export function underlyingOf(t: Type): Type {
  if (t.kind === "newtype" || t.kind === "serenum") return underlyingOf(t.underlying);
  return t;
}

export function substitute(t: Type, bindings: ReadonlyMap<TypeParam, Type>): Type {
  switch (t.kind) {
    case "typeVar": return bindings.get(t.param) ?? t;
    case "stack": return { ...t, element: substitute(t.element, bindings) };
    case "tuple": case "list": return { ...t, elements: t.elements.map((e) => substitute(e, bindings)) };
    case "extern": case "parser": case "control": case "package":
      return { ...t, typeArgs: t.typeArgs.map((e) => substitute(e, bindings)) } as Type;
    case "set": case "valueSet": return { ...t, element: substitute(t.element, bindings) };
    default: return t;
  }
}

/** Whether type variable `param` occurs in `t` (through the same structure substitute walks). */
export function mentionsTypeVar(t: Type, param: TypeParam): boolean {
  switch (t.kind) {
    case "typeVar": return t.param === param;
    case "stack": case "set": case "valueSet": return mentionsTypeVar(t.element, param);
    case "tuple": case "list": return t.elements.some((e) => mentionsTypeVar(e, param));
    case "extern": case "parser": case "control": case "package": return t.typeArgs.some((e) => mentionsTypeVar(e, param));
    default: return false;
  }
}

/**
 * Binds the type variables of `params` occurring in `pattern` so that it matches `actual`.
 * Returns false on a structural mismatch; integer literals (infint) do not bind a variable
 * when it is already bound to a fixed-width type.
 */
export function unify(pattern: Type, actual: Type, params: readonly TypeParam[], bindings: Map<TypeParam, Type>): boolean {
  if (pattern.kind === "typeVar" && params.includes(pattern.param)) {
    const bound = bindings.get(pattern.param);
    if (bound === undefined || bound.kind === "dontcare") {
      bindings.set(pattern.param, actual);
      return true;
    }
    if (bound.kind === "infint" && isFixedInt(actual)) {
      bindings.set(pattern.param, actual);
      return true;
    }
    return true;
  }
  if (actual.kind === "dontcare" || pattern.kind === "dontcare") return true;
  switch (pattern.kind) {
    case "stack":
      return actual.kind === "stack" && unify(pattern.element, actual.element, params, bindings);
    case "tuple":
      if (actual.kind !== "tuple" && actual.kind !== "list") return true;
      pattern.elements.forEach((e, i) => actual.elements[i] !== undefined && unify(e, actual.elements[i]!, params, bindings));
      return true;
    case "extern": case "parser": case "control": case "package":
      if (actual.kind !== pattern.kind) return true;
      pattern.typeArgs.forEach((e, i) => {
        const a = (actual as typeof pattern).typeArgs[i];
        if (a !== undefined) unify(e, a, params, bindings);
      });
      return true;
    default:
      return true;
  }
}
