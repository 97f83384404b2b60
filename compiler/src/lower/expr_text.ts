import type { Expr } from "../ast/nodes.ts";

/** Source-like text of a key expression: the match-field name P4Info and the JSON show. */
export function exprText(e: Expr): string {
  switch (e.kind) {
    case "PathExpr":
      return e.name;
    case "MemberExpr":
      return `${exprText(e.target)}.${e.member}`;
    case "IndexExpr":
      return `${exprText(e.target)}[${exprText(e.index)}]`;
    case "SliceExpr":
      return `${exprText(e.target)}[${exprText(e.hi)}:${exprText(e.lo)}]`;
    case "IntLiteral":
      return e.text;
    case "BoolLiteral":
      return String(e.value);
    case "CallExpr":
      if (e.callee.kind === "MemberExpr" && e.callee.member === "isValid") return `${exprText(e.callee.target)}.$valid$`;
      return `${exprText(e.callee)}(${e.args.map((a) => exprText(a.value)).join(", ")})`;
    case "CastExpr":
      return exprText(e.expr);
    case "BinaryExpr":
      return `${exprText(e.left)} ${e.op} ${exprText(e.right)}`;
    case "UnaryExpr":
      return `${e.op}${exprText(e.operand)}`;
    default:
      return e.kind;
  }
}
