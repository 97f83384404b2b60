/**
 * P4_16 token kinds and the lexer (typescript-parsec `buildLexer`). Keywords are lexed as
 * `Keyword` (longest match wins, ties go to the earlier rule, so `action` is a keyword and
 * `actions_x` an identifier). `>>` is deliberately NOT a token: it is two adjacent `>` so that
 * nested generics like `register<bit<32>>` close correctly; the parser recombines shifts.
 */
import { buildLexer, type Token } from "typescript-parsec";

export enum Tk {
  Keyword,
  Ident,
  Int,
  String,
  Punct,
  Space,
  Invalid,
}

export type P4Token = Token<Tk>;

export const KEYWORDS = [
  "abstract", "action", "actions", "apply", "bit", "bool", "const", "control", "default", "else",
  "entries", "enum", "error", "exit", "extern", "false", "header", "header_union", "if", "in",
  "inout", "int", "key", "match_kind", "out", "package", "parser", "return", "select", "state",
  "string", "struct", "switch", "table", "this", "transition", "true", "tuple", "type", "typedef",
  "value_set", "varbit", "void", "_",
] as const;

const keywordPattern = new RegExp(`^(?:${KEYWORDS.join("|")})(?![A-Za-z0-9_])`, "g");

export const p4Lexer = buildLexer<Tk>([
  [true, keywordPattern, Tk.Keyword],
  [true, /^[A-Za-z_][A-Za-z0-9_]*/g, Tk.Ident],
  // Any run of letters and digits after a leading digit is one literal, so `0xZZ` or `12ab` is
  // reported whole as an invalid literal (by decodeIntLiteral) rather than as two tokens.
  [true, /^[0-9][A-Za-z0-9_]*/g, Tk.Int],
  [true, /^"(?:[^"\\\n]|\\.)*"/g, Tk.String],
  // Compound assignments (P4_16 v1.2.5) come first so `<<=` is not lexed as `<<` `=`; `>>=`
  // stays `>` `>=` for the same reason `>>` is two tokens (see the parser's shiftRightAssign).
  [true, /^(?:\|\+\|=|\|-\|=|<<=|\+=|-=|\*=|\/=|%=|&=|\|=|\^=|&&&|\|\+\||\|-\||\.\.|\+\+|&&|\|\||==|!=|<=|>=|<<|[-+*\/%&|^~!?:;,.=<>(){}\[\]@])/g, Tk.Punct],
  [false, /^\s+/g, Tk.Space],
  [true, /^./g, Tk.Invalid],
]);
