import type { Annotation, Expr, SrcLoc, Type, TypeRef } from "../ast/nodes.ts";

/** A problem the back end cannot lower; the driver turns it into an error diagnostic. */
export class LowerError extends Error {
  constructor(
    readonly loc: SrcLoc,
    message: string,
  ) {
    super(message);
    this.name = "LowerError";
  }
}

export function typeOf(e: Expr): Type {
  if (!e.type) throw new LowerError(e.loc, `internal: expression has no type (front end did not check it)`);
  return e.type;
}

export function resolved(t: TypeRef): Type {
  if (!t.resolved) throw new LowerError(t.loc, "internal: type reference was not resolved by the front end");
  return t.resolved;
}

/** Follows newtypes and serializable enums to the representation bmv2 stores. */
export function representation(t: Type): Type {
  if (t.kind === "newtype" || t.kind === "serenum") return representation(t.underlying);
  return t;
}

/**
 * Width in bits of a value of scalar type as stored in a bmv2 field: bool is one bit, and
 * error and plain enums are 32-bit codes, as p4c represents them.
 */
export function scalarWidth(t: Type, loc: SrcLoc): number {
  const r = representation(t);
  switch (r.kind) {
    case "bit":
    case "int":
      return r.width;
    case "bool":
      return 1;
    case "error":
    case "enum":
      return 32;
    case "varbit":
      return r.maxWidth;
    default:
      throw new LowerError(loc, `a value of type ${r.kind} has no bit width`);
  }
}

export function isScalar(t: Type): boolean {
  const r = representation(t);
  return r.kind === "bit" || r.kind === "int" || r.kind === "bool" || r.kind === "error" || r.kind === "enum" || r.kind === "varbit";
}

export function isSigned(t: Type): boolean {
  return representation(t).kind === "int";
}

export function isBool(t: Type): boolean {
  return representation(t).kind === "bool";
}

export function mask(width: number): bigint {
  return (1n << BigInt(width)) - 1n;
}

/** The string argument of `@name("x")` etc., when present. */
export function annotationString(annotations: readonly Annotation[], name: string): string | null {
  const a = annotations.find((x) => x.name === name);
  if (!a) return null;
  const arg = a.args?.[0];
  if (arg && arg.kind === "StringLiteral") return arg.value;
  const token = a.tokens[0]?.text;
  if (token && token.startsWith('"')) return token.slice(1, -1);
  return token ?? null;
}

export function annotationNumber(annotations: readonly Annotation[], name: string): number | null {
  const a = annotations.find((x) => x.name === name);
  if (!a) return null;
  const arg = a.args?.[0];
  if (arg && typeof arg.constValue === "bigint") return Number(arg.constValue);
  if (arg && arg.kind === "IntLiteral") return Number(arg.value);
  const token = a.tokens.map((t) => t.text).join("");
  const n = Number(token);
  return Number.isFinite(n) ? n : null;
}

export function hasAnnotation(annotations: readonly Annotation[], name: string): boolean {
  return annotations.some((a) => a.name === name);
}

/** Annotations as P4Info lists them (`@name` and `@id` are consumed, not listed). */
export function p4infoAnnotations(annotations: readonly Annotation[]): string[] {
  return annotations
    .filter((a) => !["name", "id", "hidden", "tableonly", "defaultonly", "priority"].includes(a.name))
    .map((a) => (a.tokens.length > 0 ? `@${a.name}(${a.tokens.map((t) => t.text).join("")})` : `@${a.name}`));
}
