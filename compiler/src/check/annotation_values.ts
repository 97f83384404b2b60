/**
 * The annotations whose body p4c reads as a value: `@name`, `@deprecated` and `@noWarn` take a
 * string (a literal, or literals joined with `++`). p4c's type checker rejects any other body
 * where it meets the annotation, so the checker looks at them as it reaches each declaration.
 */
import type { Annotation, Expr, SrcLoc } from "../ast/nodes.ts";

const STRING_VALUED = new Set(["name", "deprecated", "noWarn"]);

/** Keys holding checker output (links into other declarations), not child nodes. */
const NOT_CHILDREN = new Set(["loc", "ref", "type", "resolved", "target", "boundArgs", "inferredTypeArgs", "constValue"]);

export interface AnnotationProblem {
  loc: SrcLoc;
  message: string;
}

/** Problems with string-valued annotations anywhere inside `node`, in source order. */
export function annotationValueProblems(node: unknown): AnnotationProblem[] {
  const out: AnnotationProblem[] = [];
  const seen = new Set<unknown>();
  const visit = (n: unknown): void => {
    if (n === null || typeof n !== "object" || seen.has(n)) return;
    seen.add(n);
    if (Array.isArray(n)) {
      for (const x of n) visit(x);
      return;
    }
    const rec = n as Record<string, unknown>;
    if (rec["kind"] === "Annotation") {
      const problem = problemWith(n as Annotation);
      if (problem !== undefined) out.push(problem);
      return;
    }
    for (const [key, value] of Object.entries(rec)) if (!NOT_CHILDREN.has(key)) visit(value);
  };
  visit(node);
  return out.sort((a, b) => a.loc.line - b.loc.line || a.loc.col - b.loc.col);
}

function problemWith(a: Annotation): AnnotationProblem | undefined {
  // A body that is not one expression is a syntax matter, left to the parser's rules.
  if (!STRING_VALUED.has(a.name) || a.args?.length !== 1) return undefined;
  const value = a.args[0]!;
  if (isStringValue(value)) return undefined;
  const text = a.tokens.map((t) => t.text).join(" ");
  return { loc: value.loc, message: `${text}: @${a.name} annotation's value must be a string` };
}

function isStringValue(e: Expr): boolean {
  if (e.kind === "StringLiteral") return true;
  return e.kind === "BinaryExpr" && e.op === "++" && isStringValue(e.left) && isStringValue(e.right);
}
