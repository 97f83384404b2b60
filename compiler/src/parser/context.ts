/**
 * State shared by the grammar rules during one parse: how to turn a token into an original
 * source location, and which identifiers name types (so `(T) e` parses as a cast, as in p4c
 * whose lexer also knows type names).
 */
import type { SrcLoc } from "../ast/nodes.ts";
import type { P4Token } from "../lexer/tokens.ts";

export interface ParseContext {
  locate(token: P4Token): SrcLoc;
  typeNames: ReadonlySet<string>;
}

let current: ParseContext | undefined;

export function withParseContext<T>(ctx: ParseContext, body: () => T): T {
  const saved = current;
  current = ctx;
  try {
    return body();
  } finally {
    current = saved;
  }
}

export function parseContext(): ParseContext {
  if (current === undefined) throw new Error("grammar used outside parseProgram");
  return current;
}

export function loc(token: P4Token | undefined): SrcLoc {
  if (token === undefined) return { file: "<input>", line: 0, col: 0 };
  return parseContext().locate(token);
}
