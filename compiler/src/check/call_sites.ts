/**
 * Where each kind of call may appear (P4_16 spec, "Restrictions on calls"): parsers may not
 * invoke actions, tables or controls; actions may not apply tables or blocks; `verify` belongs
 * to parsers; `extract` fills headers only. Checked once a call's target is known.
 */
import type { CallExpr, Type } from "../ast/nodes.ts";
import { typeToString } from "./types.ts";

/** The body a call is written in. */
export type CallSite = "parser" | "control" | "action" | "function";

/** Why the call cannot appear at `site`, or undefined when it may. */
export function callSiteError(e: CallExpr, site: CallSite): string | undefined {
  const target = e.target;
  if (target === undefined) return undefined;
  switch (target.kind) {
    case "action":
      return site === "parser" || site === "function" ? `action '${target.decl.name}' cannot be called from ${article(site)}` : undefined;
    case "tableApply":
      return site === "parser" || site === "action" || site === "function" ? `table '${target.table.name}' cannot be applied in ${article(site)}` : undefined;
    case "controlApply":
      return site !== "control" ? `control '${target.decl.name}' cannot be applied in ${article(site)}` : undefined;
    case "parserApply":
      return site !== "parser" ? `parser '${target.decl.name}' cannot be applied in ${article(site)}` : undefined;
    case "externFunction":
      return target.decl.name === "verify" && site !== "parser" ? "'verify' can only be called in a parser" : undefined;
    case "externMethod": {
      const t = e.boundArgs?.[0]?.value?.type;
      if (t === undefined || t.kind === "dontcare") return undefined;
      if (target.extern.name === "packet_in" && target.method.name === "extract") {
        if (t.kind !== "header") return `extract: argument must be a header, not '${typeToString(t)}'`;
        // The two-argument form reads the header's varbit field with the given length; the
        // one-argument form has no length for one.
        const hasVarbit = t.decl.fields.some((f) => f.type.resolved?.kind === "varbit");
        if (target.method.params.length === 2 && !hasVarbit) return "extract: with a length argument the header must contain a varbit field";
        if (target.method.params.length === 1 && hasVarbit) return "extract: a header with a varbit field needs the length argument";
      }
      if (target.extern.name === "packet_out" && target.method.name === "emit" && !emittable(t)) {
        return `emit: argument must be a header, header stack, header union or a struct of those, not '${typeToString(t)}'`;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** What `packet_out.emit` can serialize: headers, and containers made only of headers. */
function emittable(t: Type): boolean {
  switch (t.kind) {
    case "header": case "union": case "dontcare": return true;
    case "stack": return emittable(t.element);
    case "struct": return t.decl.fields.every((f) => f.type.resolved === undefined || emittable(f.type.resolved));
    case "tuple": case "list": return t.elements.every(emittable);
    default: return false;
  }
}

function article(site: CallSite): string {
  return site === "action" ? "an action" : `a ${site}`;
}
