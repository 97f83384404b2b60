/**
 * Syntax-error recovery, the way a yacc grammar with `error` rules recovers: after an error the
 * broken statement (inside a block) or declaration (at top level) is skipped, and parsing starts
 * over on the text with that span blanked out. Positions do not move, so later errors keep their
 * true line and column, and a run reports one error per broken statement instead of only the first.
 */
import { Tk, type P4Token } from "../lexer/tokens.ts";

/** Token index range [start, end) to skip after an error at `bad`. */
export interface SkipSpan {
  start: number;
  end: number;
}

const DECLARATION_KEYWORDS = new Set(["control", "parser", "header", "header_union", "struct", "enum", "extern", "package", "typedef", "type", "const", "action", "match_kind", "error"]);

/** Brace depth before each token. */
function depths(tokens: readonly P4Token[]): number[] {
  const out: number[] = [];
  let depth = 0;
  for (const t of tokens) {
    out.push(depth);
    if (t.text === "{") depth++;
    else if (t.text === "}") depth = Math.max(0, depth - 1);
  }
  return out;
}

/** Whether token i starts a top-level declaration (a keyword or `@` right after `;` or `}` at depth 0). */
function startsDeclaration(tokens: readonly P4Token[], depth: readonly number[], i: number): boolean {
  const t = tokens[i]!;
  const prev = tokens[i - 1]?.text;
  return depth[i] === 0 && (prev === ";" || prev === "}") && (t.text === "@" || (t.kind === Tk.Keyword && DECLARATION_KEYWORDS.has(t.text)));
}

/** Keywords that only begin top-level declarations: met inside a block, a `}` is missing. */
const TOP_LEVEL_ONLY = new Set(["control", "parser", "header", "header_union", "struct", "extern", "package", "match_kind", "typedef"]);

/** What to skip after a syntax error at token `bad`; undefined when recovery would only cascade. */
export function skipSpanAfterError(tokens: readonly P4Token[], bad: number): SkipSpan | undefined {
  const depth = depths(tokens);
  const d = depth[bad]!;
  if (d > 0 && tokens[bad]!.kind === Tk.Keyword && TOP_LEVEL_ONLY.has(tokens[bad]!.text)) return undefined;
  // The broken construct starts after the last `;`, `{` or `}` before the error (at top level:
  // after the last `;` or `}` that ended a declaration).
  let start = bad;
  while (start > 0) {
    const prev = tokens[start - 1]!;
    if (d === 0 ? depth[start - 1] === 0 && (prev.text === ";" || prev.text === "}") : prev.text === ";" || prev.text === "{" || prev.text === "}") break;
    start--;
  }
  if (d === 0) {
    for (let i = bad + 1; i < tokens.length; i++) if (startsDeclaration(tokens, depth, i)) return { start, end: i };
    return undefined;
  }
  // Inside a block: skip through the `;` ending the statement, or through a `}` closing a block
  // the statement opened; stop before a `}` that closes the enclosing block.
  for (let i = bad; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.text === ";" && depth[i] === d) return { start, end: i + 1 };
    if (t.text === "}") {
      if (depth[i]! - 1 === d && i > bad) return { start, end: i + 1 };
      if (depth[i]! - 1 < d) return start < i ? { start, end: i } : undefined;
    }
  }
  return undefined;
}

/** `text` with the characters of tokens [start, end) replaced by spaces (line breaks kept). */
export function blankTokens(text: string, tokens: readonly P4Token[], span: SkipSpan): string {
  const from = tokens[span.start]!.pos.index;
  const last = tokens[span.end - 1]!;
  const to = last.pos.index + last.text.length;
  return text.slice(0, from) + text.slice(from, to).replace(/[^\r\n]/g, " ") + text.slice(to);
}
