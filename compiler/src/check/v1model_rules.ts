/**
 * What p4c-bm2-ss rejects in a V1Switch program because the bmv2 target cannot implement it,
 * though the language allows it: statements that branch in the deparser, computed data in the
 * checksum externs, a headers type that is not a struct of headers. Checked on the annotated
 * AST once `main` is known to be a V1Switch, so that such programs get p4c's verdict.
 */
import type { CallExpr, CheckedProgram, ControlDecl, Expr, ParserDecl, SrcLoc, Type } from "../ast/nodes.ts";
import { typeToString } from "./types.ts";

export interface TargetProblem {
  loc: SrcLoc;
  message: string;
}

const CHECKSUM_EXTERNS = new Set(["verify_checksum", "update_checksum", "verify_checksum_with_payload", "update_checksum_with_payload"]);
/** Keys holding cross-links or checker output rather than child nodes. */
const NON_CHILD_KEYS = new Set(["loc", "ref", "type", "resolved", "target", "boundArgs", "inferredTypeArgs", "constructorDecl", "constValue", "memberLoc", "nameLoc", "decl"]);

export function v1modelTargetProblems(checked: CheckedProgram): TargetProblem[] {
  const main = checked.main;
  const pkg = main.type.resolved;
  if (pkg?.kind !== "package" || pkg.decl.name !== "V1Switch") return [];
  const blocks = (main.boundArgs ?? []).map((b) => blockOf(b.value));
  const problems: TargetProblem[] = [];
  const parser = blocks[0];
  if (parser?.kind === "ParserDecl") {
    const headers = parser.params[1];
    const t = headers?.type.resolved;
    if (headers !== undefined && t !== undefined && !isHeaderContainer(t)) {
      problems.push({ loc: headers.loc, message: `'${headers.name}': the type should be a struct of headers, stacks or unions, not '${typeToString(t)}'` });
    }
  }
  const deparser = blocks[5];
  if (deparser?.kind === "ControlDecl") {
    visit(deparser.apply, (n) => {
      if (n.kind === "IfStmt" || n.kind === "SwitchStmt") {
        problems.push({ loc: n.loc, message: `${n.kind === "IfStmt" ? "an if statement" : "a switch statement"} is not supported within a deparser on this target` });
      }
    });
  }
  visit(checked.program, (n) => {
    if (n.kind !== "CallExpr") return;
    const call = n as unknown as CallExpr;
    if (call.target?.kind !== "externFunction") return;
    if (call.target.decl.name === "hash") {
      // bmv2 hashes a list of fields: a single value is not one.
      const data = call.boundArgs?.find((b) => b.param.name === "data")?.value;
      const t = data?.type;
      if (data !== undefined && t !== undefined && !["struct", "header", "tuple", "list", "structInit", "dontcare"].includes(t.kind)) {
        problems.push({ loc: data.loc, message: `hash data must be a list or struct of fields, not '${typeToString(t)}'` });
      }
      return;
    }
    if (!CHECKSUM_EXTERNS.has(call.target.decl.name)) return;
    const data = call.boundArgs?.[1]?.value;
    const elements = data?.kind === "ListExpr" ? data.elements : data?.kind === "StructInitExpr" ? data.fields.map((f) => f.value) : [];
    const computed = elements.find((e) => !isPlainData(e));
    if (computed !== undefined) problems.push({ loc: computed.loc, message: `computations are not supported in ${call.target.decl.name}: list the fields themselves` });
  });
  return problems;
}

/** The parser or control a package argument instantiates. */
function blockOf(e: Expr | undefined): ParserDecl | ControlDecl | undefined {
  if (e?.kind === "CallExpr" && e.target?.kind === "constructor" && e.target.decl.kind !== "ExternObjectDecl") return e.target.decl;
  return undefined;
}

function isHeaderContainer(t: Type): boolean {
  if (t.kind !== "struct") return t.kind === "dontcare";
  return t.decl.fields.every((f) => {
    const ft = f.type.resolved;
    return ft === undefined || ft.kind === "header" || ft.kind === "union" || ft.kind === "stack" || ft.kind === "dontcare";
  });
}

/** A field, a constant, or a list of those: what the checksum externs can read as they are. */
function isPlainData(e: Expr): boolean {
  switch (e.kind) {
    case "IntLiteral": case "BoolLiteral": case "PathExpr": case "MemberExpr": case "IndexExpr":
      return true;
    case "ListExpr":
      return e.elements.every(isPlainData);
    case "StructInitExpr":
      return e.fields.every((f) => isPlainData(f.value));
    default:
      return e.constValue !== undefined;
  }
}

function visit(node: unknown, f: (n: { kind: string; loc: SrcLoc }) => void): void {
  if (Array.isArray(node)) {
    for (const x of node) visit(x, f);
    return;
  }
  if (node === null || typeof node !== "object") return;
  const n = node as Record<string, unknown> & { kind?: string; loc?: SrcLoc };
  if (typeof n.kind === "string" && n.loc !== undefined) f(n as { kind: string; loc: SrcLoc });
  for (const [key, value] of Object.entries(n)) if (!NON_CHILD_KEYS.has(key)) visit(value, f);
}
