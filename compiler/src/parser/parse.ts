/**
 * Parser entry point: lexes preprocessed text, runs the grammar, and reports each syntax error
 * at the farthest token the grammar could not consume (like a yacc parser would), recovering
 * after each one (recovery.ts) to find the errors that follow.
 */
import type { Program, SrcLoc, TopLevelDecl } from "../ast/nodes.ts";
import type { DiagnosticSink } from "../diagnostics/diagnostic.ts";
import { p4Lexer, Tk, type P4Token } from "../lexer/tokens.ts";
import { decodeIntLiteral } from "../lexer/int_literal.ts";
import type { SourceMap } from "../preprocess/source_map.ts";
import { withParseContext } from "./context.ts";
import { blankTokens, skipSpanAfterError } from "./recovery.ts";
import { program } from "./declarations.ts";

const TYPE_KEYWORDS = new Set(["header", "struct", "header_union", "enum", "extern", "parser", "control", "package"]);

/** Names declared as types anywhere in the program (p4c's lexer tracks the same). */
function collectTypeNames(tokens: P4Token[]): Set<string> {
  const names = new Set<string>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== Tk.Keyword) continue;
    if (TYPE_KEYWORDS.has(t.text)) {
      let j = i + 1;
      if (t.text === "enum" && (tokens[j]?.text === "bit" || tokens[j]?.text === "int")) {
        while (j < tokens.length && tokens[j]!.text !== ">") j++;
        j++;
      } else if (t.text === "enum" && tokens[j]?.kind === Tk.Ident && tokens[j + 1]?.kind === Tk.Ident) {
        j++; // `enum Underlying Name {`: the underlying type is a typedef name
      }
      const n = tokens[j];
      const after = tokens[j + 1]?.text;
      if (n?.kind === Tk.Ident && (t.text !== "extern" || after === "{" || after === "<")) names.add(n.text);
    } else if (t.text === "typedef" || t.text === "type") {
      let j = i + 1;
      while (j < tokens.length && tokens[j]!.text !== ";") j++;
      const n = tokens[j - 1];
      if (n?.kind === Tk.Ident) names.add(n.text);
    }
  }
  return names;
}

function describe(token: P4Token | undefined): string {
  return token === undefined ? "end of file" : `'${token.text}'`;
}

export function parseProgram(text: string, map: SourceMap, sink: DiagnosticSink): Program | undefined {
  const locate = (t: P4Token): SrcLoc => map.locate(t.pos.rowBegin, t.pos.columnBegin);
  // Checked on the text first, so that a huge input is refused before lexing it takes long.
  const textProblem = textComplexityProblem(text);
  if (textProblem !== undefined) {
    sink.error(map.locate(textProblem.row, textProblem.col), textProblem.message);
    return undefined;
  }
  const tokens = lex(text);
  let lexOk = true;
  for (const t of tokens) {
    if (t.kind === Tk.Invalid) {
      sink.error(locate(t), t.text === '"' ? "unterminated string literal" : `unexpected character '${t.text}'`);
      lexOk = false;
    } else if (t.kind === Tk.Int) {
      const d = decodeIntLiteral(t.text);
      if (typeof d === "string") {
        sink.error(locate(t), d);
        lexOk = false;
      }
    }
  }
  if (!lexOk) return undefined;
  const tooComplex = complexityProblem(tokens);
  if (tooComplex !== undefined) {
    sink.error(locate(tooComplex.at), tooComplex.message);
    return undefined;
  }
  const fileLoc: SrcLoc = tokens[0] !== undefined ? { ...locate(tokens[0]), line: 1, col: 1 } : map.endLocation();

  return withParseContext({ locate, typeNames: collectTypeNames(tokens) }, () => {
    let source = text;
    let current = tokens;
    let lastError = -1;
    for (let reported = 0; reported < MAX_SYNTAX_ERRORS; reported++) {
      const out = program.parse(current[0]);
      if (out.successful) {
        const complete = out.candidates.find((c) => c.nextToken === undefined);
        if (complete !== undefined) {
          return reported > 0 ? undefined : { kind: "Program", loc: fileLoc, decls: complete.result.flat().filter((d): d is TopLevelDecl => d !== undefined) };
        }
      }
      const errPos = out.error?.pos;
      const badIndex = errPos === undefined ? -1 : current.findIndex((t) => t.pos.index === errPos.index);
      const bad = current[badIndex];
      // After a recovery, an error no later than the previous one is a consequence of the skip
      // (skipped spans keep braces balanced, so a later end-of-file error is a real one).
      if (reported > 0 && bad !== undefined && bad.pos.index <= lastError) return undefined;
      sink.error(bad !== undefined ? locate(bad) : endOf(current, locate, map), `syntax error, unexpected ${describe(bad)}`);
      if (bad === undefined) return undefined;
      lastError = bad.pos.index;
      const span = skipSpanAfterError(current, badIndex);
      if (span === undefined) return undefined;
      source = blankTokens(source, current, span);
      current = lex(source);
    }
    return undefined;
  });
}

/**
 * The grammar and the passes after it recurse over nesting and keep every partial result of a
 * repetition, so their time grows faster than linearly with the length of one statement: both
 * are bounded up front, far above what any real program needs, to keep every input fast.
 */
const MAX_NESTING = 128;
const MAX_TOKENS_PER_STATEMENT = 4096;

function complexityProblem(tokens: P4Token[]): { at: P4Token; message: string } | undefined {
  let depth = 0;
  let run = 0;
  for (const t of tokens) {
    const text = t.kind === Tk.Punct ? t.text : "";
    if (text === "(" || text === "[" || text === "{") depth++;
    else if (text === ")" || text === "]" || text === "}") depth--;
    if (depth > MAX_NESTING) return { at: t, message: `brackets nested too deeply (more than ${MAX_NESTING} levels)` };
    run = text === ";" || text === "{" || text === "}" ? 0 : run + 1;
    if (run > MAX_TOKENS_PER_STATEMENT) return { at: t, message: `statement too long (more than ${MAX_TOKENS_PER_STATEMENT} tokens without ';', '{' or '}')` };
  }
  return undefined;
}

const MAX_CHARS_PER_STATEMENT = 32_768;
const MAX_ELSES_PER_BLOCK = 256;

/** The same bounds on the raw text (comments are already blanked; strings are skipped). */
function textComplexityProblem(text: string): { row: number; col: number; message: string } | undefined {
  let depth = 0;
  let run = 0;
  let row = 1;
  let col = 0;
  let inString = false;
  const elses: number[] = [0];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "\n") {
      row++;
      col = 0;
      continue;
    }
    col++;
    if (inString) {
      if (ch === "\\") i++, col++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === "(" || ch === "[" || ch === "{") elses[++depth] = 0;
    else if (ch === ")" || ch === "]" || ch === "}") depth--;
    else if (ch === "e" && text.startsWith("else", i) && !/\w/.test(text[i - 1] ?? " ") && !/\w/.test(text[i + 4] ?? " ")) {
      // Each `else` of one block may nest the next `if` one level deeper.
      elses[depth] = (elses[depth] ?? 0) + 1;
      if (elses[depth]! > MAX_ELSES_PER_BLOCK) return { row, col, message: `too many 'else' branches in one block (more than ${MAX_ELSES_PER_BLOCK}); use a switch or split the chain` };
    }
    if (depth > MAX_NESTING) return { row, col, message: `brackets nested too deeply (more than ${MAX_NESTING} levels)` };
    run = ch === ";" || ch === "{" || ch === "}" ? 0 : run + 1;
    if (run > MAX_CHARS_PER_STATEMENT) return { row, col, message: `statement too long (more than ${MAX_CHARS_PER_STATEMENT} characters without ';', '{' or '}')` };
  }
  return undefined;
}

/** Syntax errors reported per file before giving up. */
const MAX_SYNTAX_ERRORS = 20;

function lex(text: string): P4Token[] {
  const tokens: P4Token[] = [];
  for (let t = p4Lexer.parse(text); t !== undefined; t = t.next) tokens.push(t);
  return tokens;
}

function endOf(tokens: P4Token[], locate: (t: P4Token) => SrcLoc, map: SourceMap): SrcLoc {
  const last = tokens[tokens.length - 1];
  if (last === undefined) return map.endLocation();
  const l = locate(last);
  return { ...l, col: l.col + last.text.length };
}
