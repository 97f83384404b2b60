/**
 * Where each kind of call may appear (P4_16 spec, "Restrictions on calls"): parsers may not
 * invoke actions, tables or controls; actions may not apply tables or blocks; `verify` belongs
 * to parsers; `extract` fills headers only. Checked once a call's target is known.
 */
import type { CallExpr } from "../ast/nodes.ts";
import { typeToString } from "./types.ts";

/** The body a call is written in. */
export type CallSite = "parser" | "control" | "action" | "function";

/** Why the call cannot appear at `site`, or undefined when it may. */
export function callSiteError(e: CallExpr, site: CallSite): string | undefined {
  const target = e.target;
  if (target === undefined) return undefined;
  switch (target.kind) {
    case "action":
      return site === "parser" ? `action '${target.decl.name}' cannot be called from a parser` : undefined;
    case "tableApply":
      return site === "parser" || site === "action" || site === "function" ? `table '${target.table.name}' cannot be applied in ${article(site)}` : undefined;
    case "controlApply":
      return site !== "control" ? `control '${target.decl.name}' cannot be applied in ${article(site)}` : undefined;
    case "parserApply":
      return site !== "parser" ? `parser '${target.decl.name}' cannot be applied in ${article(site)}` : undefined;
    case "externFunction":
      return target.decl.name === "verify" && site !== "parser" ? "'verify' can only be called in a parser" : undefined;
    case "externMethod": {
      if (target.extern.name !== "packet_in" || target.method.name !== "extract") return undefined;
      const arg = e.boundArgs?.[0]?.value;
      const t = arg?.type;
      if (arg === undefined || t === undefined || t.kind === "header" || t.kind === "dontcare") return undefined;
      return `extract: argument must be a header, not '${typeToString(t)}'`;
    }
    default:
      return undefined;
  }
}

function article(site: CallSite): string {
  return site === "action" ? "an action" : `a ${site}`;
}
