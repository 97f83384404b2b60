/**
 * Macro table and expansion (object-like and function-like, `#` stringizing and `##` pasting).
 * Expanded tokens carry the column of the macro use that produced them so that diagnostics in
 * expanded text point at the macro name in the source.
 */
import { tokenizeLine, type PpToken } from "./pp_tokens.ts";

export interface MacroDef {
  name: string;
  /** Absent for object-like macros. */
  params?: string[];
  body: PpToken[];
}

export interface ExpandedToken extends PpToken {
  /** Column in the source line this token maps to. */
  srcCol: number;
  /** True when the token was written in the source line itself (not produced by a macro). */
  verbatim: boolean;
}

export class MacroError extends Error {
  constructor(message: string, readonly col: number) {
    super(message);
  }
}

/**
 * Most tokens one source line may expand to: macros that use each other twice per level grow
 * exponentially, and a few lines of them would otherwise exhaust time and memory.
 */
export const MAX_EXPANDED_TOKENS = 20_000;

export class MacroTable {
  private readonly defs = new Map<string, MacroDef>();
  /** Tokens the line being expanded may still produce. */
  private budget = MAX_EXPANDED_TOKENS;

  define(def: MacroDef): void {
    this.defs.set(def.name, def);
  }

  /** True when `def` names a defined macro with other parameters or another replacement. */
  conflictsWith(def: MacroDef): boolean {
    const old = this.defs.get(def.name);
    if (old === undefined) return false;
    const words = (d: MacroDef): string => `${d.params?.join(",") ?? "-"}|${d.body.filter((t) => t.kind !== "space").map((t) => t.text).join(" ")}`;
    return words(old) !== words(def);
  }

  undefine(name: string): void {
    this.defs.delete(name);
  }

  isDefined(name: string): boolean {
    return this.defs.has(name);
  }

  /** Expands every macro use in a line of tokens. */
  expandLine(tokens: PpToken[]): ExpandedToken[] {
    const verbatim = tokens.map((t) => ({ ...t, srcCol: t.col, verbatim: true }));
    this.budget = MAX_EXPANDED_TOKENS;
    return this.expand(verbatim, new Set());
  }

  private expand(tokens: ExpandedToken[], disabled: ReadonlySet<string>): ExpandedToken[] {
    const out: ExpandedToken[] = [];
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      const def = t.kind === "ident" && !disabled.has(t.text) ? this.defs.get(t.text) : undefined;
      if (def === undefined) {
        out.push(t);
        continue;
      }
      const origin = (toks: PpToken[]): ExpandedToken[] =>
        toks.map((b) => ({ ...b, srcCol: t.srcCol, verbatim: false }));
      const inner = new Set(disabled).add(def.name);
      this.budget -= def.body.length;
      if (this.budget < 0) throw new MacroError(`expansion of macro '${def.name}' is too large (more than ${MAX_EXPANDED_TOKENS} tokens on one line)`, t.srcCol);
      if (def.params === undefined) {
        for (const x of this.expand(origin(def.body), inner)) out.push(x);
        continue;
      }
      let j = i + 1;
      while (tokens[j]?.kind === "space") j++;
      if (tokens[j]?.text !== "(") {
        out.push(t);
        continue;
      }
      const { args, end } = collectArgs(tokens, j, t.srcCol);
      if (args.length !== def.params.length && !(def.params.length === 0 && args.length === 1 && args[0]!.length === 0)) {
        throw new MacroError(
          `macro '${def.name}' expects ${def.params.length} argument(s), got ${args.length}`,
          t.srcCol,
        );
      }
      const substituted = this.substitute(def, args, inner, t.srcCol);
      this.budget -= substituted.length;
      if (this.budget < 0) throw new MacroError(`expansion of macro '${def.name}' is too large (more than ${MAX_EXPANDED_TOKENS} tokens on one line)`, t.srcCol);
      for (const x of this.expand(substituted, inner)) out.push(x);
      i = end;
    }
    return out;
  }

  private substitute(def: MacroDef, args: ExpandedToken[][], disabled: ReadonlySet<string>, srcCol: number): ExpandedToken[] {
    const params = def.params!;
    const body = def.body;
    const result: ExpandedToken[] = [];
    const fromSource = (toks: PpToken[]): ExpandedToken[] => toks.map((b) => ({ ...b, srcCol, verbatim: false }));
    const neighbour = (k: number, step: number): PpToken | undefined => {
      let m = k + step;
      while (body[m]?.kind === "space") m += step;
      return body[m];
    };
    for (let k = 0; k < body.length; k++) {
      const b = body[k]!;
      if (b.text === "#" && neighbour(k, 1)?.kind === "ident" && params.includes(neighbour(k, 1)!.text)) {
        let m = k + 1;
        while (body[m]!.kind === "space") m++;
        const arg = args[params.indexOf(body[m]!.text)]!;
        const text = arg.map((a) => a.text).join("").trim().replace(/\\/g, "\\\\").replace(/"/g, '\\"');
        result.push({ kind: "string", text: `"${text}"`, col: b.col, srcCol, verbatim: false });
        k = m;
        continue;
      }
      const idx = b.kind === "ident" ? params.indexOf(b.text) : -1;
      if (idx < 0) {
        result.push(...fromSource([b]));
        continue;
      }
      const pasted = neighbour(k, -1)?.text === "##" || neighbour(k, 1)?.text === "##";
      const arg = args[idx]!.map((a) => ({ ...a, srcCol, verbatim: false }));
      for (const x of pasted ? arg : this.expand(arg, disabled)) result.push(x);
    }
    return paste(result);
  }
}

function collectArgs(tokens: ExpandedToken[], open: number, col: number): { args: ExpandedToken[][]; end: number } {
  const args: ExpandedToken[][] = [[]];
  let depth = 0;
  for (let k = open; k < tokens.length; k++) {
    const a = tokens[k]!;
    if (a.text === "(") {
      depth++;
      if (depth === 1) continue;
    } else if (a.text === ")") {
      depth--;
      if (depth === 0) return { args: args.map(trimSpaces), end: k };
    } else if (a.text === "," && depth === 1) {
      args.push([]);
      continue;
    }
    args[args.length - 1]!.push(a);
  }
  throw new MacroError("unterminated macro argument list", col);
}

function trimSpaces(arg: ExpandedToken[]): ExpandedToken[] {
  let from = 0;
  let to = arg.length;
  while (from < to && arg[from]!.kind === "space") from++;
  while (to > from && arg[to - 1]!.kind === "space") to--;
  return arg.slice(from, to);
}

function paste(tokens: ExpandedToken[]): ExpandedToken[] {
  const out: ExpandedToken[] = [];
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.text !== "##") {
      out.push(t);
      continue;
    }
    while (out.length > 0 && out[out.length - 1]!.kind === "space") out.pop();
    let m = k + 1;
    while (tokens[m]?.kind === "space") m++;
    const left = out.pop();
    const right = tokens[m];
    const text = (left?.text ?? "") + (right?.text ?? "");
    const retok = tokenizeLine(text);
    const base = left ?? right ?? t;
    for (const r of retok) out.push({ ...r, srcCol: base.srcCol, verbatim: false });
    k = m;
  }
  return out;
}

/** Parses a `#define` body: `NAME rest` or `NAME(a, b) rest` (no space before the paren). */
export function parseDefine(tokens: PpToken[]): MacroDef | string {
  let k = 0;
  while (tokens[k]?.kind === "space") k++;
  const nameTok = tokens[k];
  if (nameTok?.kind !== "ident") return "macro name missing in #define";
  k++;
  let params: string[] | undefined;
  if (tokens[k]?.text === "(") {
    params = [];
    k++;
    for (;;) {
      while (tokens[k]?.kind === "space") k++;
      const p = tokens[k];
      if (p === undefined) return "unterminated macro parameter list";
      if (p.text === ")") {
        k++;
        break;
      }
      if (p.kind === "ident" || p.text === "...") params.push(p.text);
      else if (p.text !== ",") return `unexpected '${p.text}' in macro parameter list`;
      k++;
    }
  }
  const body = tokens.slice(k);
  while (body[0]?.kind === "space") body.shift();
  while (body.length > 0 && body[body.length - 1]!.kind === "space") body.pop();
  return params === undefined ? { name: nameTok.text, body } : { name: nameTok.text, params, body };
}
