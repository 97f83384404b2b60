/**
 * Audits a checked program: lists every place where the checker left out an annotation the
 * back end relies on (expression types, name references, call targets, resolved types).
 * Used by tests, and handy for back-end developers chasing a missing annotation.
 */
import type { Program, SrcLoc } from "../ast/nodes.ts";

export interface MissingAnnotation {
  loc: SrcLoc;
  node: string;
  missing: string;
}

/** Keys holding checker output or cross-links rather than child nodes. */
const NON_CHILD_KEYS = new Set(["loc", "ref", "type", "resolved", "target", "boundArgs", "inferredTypeArgs", "constructorDecl", "constValue", "memberLoc", "nameLoc"]);

const EXPRESSION_KINDS = new Set([
  "IntLiteral", "BoolLiteral", "StringLiteral", "PathExpr", "MemberExpr", "IndexExpr", "SliceExpr", "CallExpr",
  "UnaryExpr", "BinaryExpr", "TernaryExpr", "CastExpr", "ListExpr", "StructInitExpr", "DontCareExpr", "TypeExpr",
]);

export function auditAnnotations(program: Program): MissingAnnotation[] {
  const out: MissingAnnotation[] = [];
  const visit = (node: unknown, inAnnotation: boolean): void => {
    if (Array.isArray(node)) {
      for (const x of node) visit(x, inAnnotation);
      return;
    }
    if (node === null || typeof node !== "object") return;
    const n = node as Record<string, unknown> & { kind?: string; loc?: SrcLoc };
    const kind = n.kind;
    // Annotation bodies are kept as written and not checked.
    const nowInAnnotation = inAnnotation || kind === "Annotation";
    if (typeof kind === "string" && n.loc !== undefined && !nowInAnnotation) {
      const miss = (what: string): void => {
        out.push({ loc: n.loc!, node: kind, missing: what });
      };
      if (EXPRESSION_KINDS.has(kind) && n.type === undefined) miss("type");
      if (kind === "PathExpr" && n.ref === undefined) miss("ref");
      if (kind === "CallExpr" && n.target === undefined) miss("target");
      if (kind === "CallExpr" && n.boundArgs === undefined) miss("boundArgs");
      if (kind.endsWith("TypeRef") && n.resolved === undefined) miss("resolved");
      if (kind === "NamedTypeRef" && n.ref === undefined) miss("ref");
    }
    for (const [key, value] of Object.entries(n)) {
      if (NON_CHILD_KEYS.has(key)) continue;
      visit(value, nowInAnnotation);
    }
  };
  visit(program, false);
  return out;
}
