/**
 * p4c's "unused" warnings, which it gives once the front end found no error: declarations of
 * the program's own files (not the bundled core.p4 / v1model.p4) that nothing refers to. They
 * do not change a verdict, but they are p4c's first message on many programs it then rejects
 * in a later pass, so the compiler reports them in the same place and order.
 */
import type { CheckedProgram, Declaration, SrcLoc } from "../ast/nodes.ts";

export interface UnusedWarning {
  loc: SrcLoc;
  message: string;
}

/** Keys holding checker output rather than child nodes (`ref` is read separately). */
const SKIP = new Set(["loc", "type", "resolved", "boundArgs", "inferredTypeArgs", "constValue", "memberLoc", "nameLoc"]);

export function unusedWarnings(checked: CheckedProgram, isLibraryFile: (file: string) => boolean): UnusedWarning[] {
  const used = new Set<unknown>();
  const declared: { decl: Declaration; kind: string; name: string; loc: SrcLoc }[] = [];
  const seen = new Set<unknown>();
  const visit = (node: unknown, owner: string | undefined): void => {
    if (Array.isArray(node)) {
      for (const x of node) visit(x, owner);
      return;
    }
    if (node === null || typeof node !== "object" || seen.has(node)) return;
    seen.add(node);
    const n = node as Record<string, unknown> & { kind?: string; loc?: SrcLoc; name?: string };
    if (n["ref"] !== undefined) used.add(n["ref"]);
    const target = n["target"] as { decl?: unknown; table?: unknown } | undefined;
    if (n.kind === "CallExpr" && target !== undefined) {
      used.add(target.decl);
      used.add(target.table);
    }
    if (n.kind !== undefined && n.loc !== undefined && typeof n.name === "string" && owner !== undefined && WARNED.has(n.kind)) {
      declared.push({ decl: n as unknown as Declaration, kind: n.kind, name: n.name, loc: n.loc });
    }
    const inner = n.kind === "ActionDecl" ? "action" : n.kind === "ParserDecl" || n.kind === "ControlDecl" || n.kind === "FunctionDecl" ? "block" : owner;
    for (const [key, value] of Object.entries(n)) {
      if (SKIP.has(key) || key === "ref" || (key === "target" && n.kind === "CallExpr")) continue;
      if (key === "typeParams" || key === "annotations") continue;
      // Parameters are warned about only for actions (their default values are still uses).
      // An extern instance's initializer implements methods that the extern itself calls.
      visit(value, (key === "params" && n.kind !== "ActionDecl") || key === "ctorParams" || key === "initializer" ? undefined : inner);
    }
  };
  for (const d of checked.program.decls) visit(d, "top");
  used.add(checked.main);
  // p4c folds constants into their uses, and typedefs into theirs, before it looks for unused declarations.
  const folded = (d: Declaration): boolean => (d.kind === "ConstDecl" && d.value.constValue !== undefined) || d.kind === "TypedefDecl";
  return declared
    .filter((d) => (folded(d.decl) || !used.has(d.decl)) && !isLibraryFile(d.loc.file) && d.decl !== checked.main)
    .map((d) => ({ loc: d.loc, message: messageFor(d.kind, d.name) }));
}

const WARNED = new Set(["TypedefDecl", "ConstDecl", "FunctionDecl", "ActionDecl", "ParserDecl", "ControlDecl", "VarDecl", "Instantiation", "TableDecl", "Param"]);

function messageFor(kind: string, name: string): string {
  switch (kind) {
    case "ParserDecl": return `Parser ${name} is not used; removing`;
    case "ControlDecl": return `Control ${name} is not used; removing`;
    case "TableDecl": return `Table ${name} is not used; removing`;
    case "Instantiation": return `${name}: unused instance`;
    default: return `'${name}' is unused`;
  }
}
