/**
 * Two different actions may not share a control-plane name, as p4c checks in its front end:
 * a top-level action is named by `@name` (a leading dot dropped) or its own name; an action
 * inside a control by its control's name and its local `@name` or name, unless that `@name`
 * starts with a dot, which makes it global. The later declaration is the one reported.
 */
import type { ActionDecl, Annotation, Program, SrcLoc } from "../ast/nodes.ts";

function givenName(annotations: readonly Annotation[]): string | null {
  const a = annotations.find((x) => x.name === "name");
  if (!a) return null;
  const arg = a.args?.[0];
  return arg?.kind === "StringLiteral" ? arg.value : null;
}

function controlPlaneName(action: ActionDecl, control: string | null): string {
  const given = givenName(action.annotations);
  if (given?.startsWith(".")) return given.slice(1);
  const local = given ?? action.name;
  return control === null ? local : `${control}.${local}`;
}

export function actionNameClashes(program: Program): { loc: SrcLoc; message: string }[] {
  const seen = new Map<string, ActionDecl>();
  const problems: { loc: SrcLoc; message: string }[] = [];
  const visit = (action: ActionDecl, control: string | null): void => {
    const name = controlPlaneName(action, control);
    const earlier = seen.get(name);
    if (earlier === undefined) seen.set(name, action);
    else problems.push({ loc: action.loc, message: `action '${action.name}' has the control-plane name '${name}' of action '${earlier.name}' (line ${earlier.loc.line})` });
  };
  for (const d of program.decls) {
    if (d.kind === "ActionDecl") visit(d, null);
    if (d.kind === "ControlDecl") for (const l of d.locals) if (l.kind === "ActionDecl") visit(l, d.name);
  }
  return problems;
}
