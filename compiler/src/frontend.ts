/**
 * Public API of the P4_16 front end.
 *
 *   runFrontend(file, { includeDirs?, defines? }): { program?, diagnostics, sources }
 *
 * Phases: preprocess (compiler/src/preprocess) -> lex + parse (compiler/src/lexer, parser) ->
 * name resolution + type checking (compiler/src/check). `program` is present only when no
 * phase reported an error; it is the AST of compiler/src/ast/nodes.ts annotated by the
 * checker (see the conventions at the top of nodes.ts). `diagnostics` lists every error and
 * warning with its original file/line/col; `formatDiagnostics(diagnostics, name => sources.get(name))`
 * renders them as `file:line:col: error: message` plus the source line and a caret.
 *
 * Syntax errors do not stop at the first: after each, the broken statement (or top-level
 * declaration) is skipped and parsing resumes, so one run reports one error per broken construct
 * (compiler/src/parser/recovery.ts). Type checking runs only on a program that parsed cleanly.
 * Nothing escapes as an exception: a front-end bug becomes an "internal compiler error" diagnostic.
 *
 * Include search: directory of the including file, then `includeDirs`, then the bundled
 * compiler/p4include/ (core.p4, v1model.p4). `defines` are like -D: `{ NAME: "value" }` or
 * `{ "F(x)": "body" }`.
 */
import type { CheckedProgram } from "./ast/nodes.ts";
import { checkProgram } from "./check/checker.ts";
import { DiagnosticSink, crashMessage, type Diagnostic } from "./diagnostics/diagnostic.ts";
import { formatDiagnostics } from "./diagnostics/format.ts";
import { parseProgram } from "./parser/parse.ts";
import { BUNDLED_INCLUDE_DIR, preprocess, preprocessText, type PreprocessOptions, type PreprocessResult } from "./preprocess/preprocess.ts";

export type { CheckedProgram } from "./ast/nodes.ts";
export type { Diagnostic } from "./diagnostics/diagnostic.ts";

export interface FrontendOptions {
  includeDirs?: string[];
  defines?: Record<string, string>;
}

export interface FrontendResult {
  program?: CheckedProgram;
  diagnostics: Diagnostic[];
  /** Text of every file read, by the name diagnostics use (for formatting). */
  sources: Map<string, string>;
}

export function runFrontend(file: string, opts: FrontendOptions = {}): FrontendResult {
  const sink = new DiagnosticSink();
  const pp = guard(file, sink, () => preprocess(file, toPreprocessOptions(opts), sink));
  return pp === undefined ? { diagnostics: sink.items, sources: new Map() } : finish(pp, sink);
}

/** Same as runFrontend for a program held in memory; `file` names it in diagnostics. */
export function runFrontendOnText(file: string, text: string, opts: FrontendOptions = {}): FrontendResult {
  const sink = new DiagnosticSink();
  const pp = guard(file, sink, () => preprocessText(file, text, toPreprocessOptions(opts), sink));
  return pp === undefined ? { diagnostics: sink.items, sources: new Map([[file, text]]) } : finish(pp, sink);
}

/** A bug in the preprocessor must still come out as a diagnostic, not a stack trace. */
function guard(file: string, sink: DiagnosticSink, run: () => PreprocessResult): PreprocessResult | undefined {
  try {
    return run();
  } catch (err) {
    const where = sink.items[sink.items.length - 1]?.loc ?? { file, line: 1, col: 1 };
    sink.error(where, crashMessage(err));
    return undefined;
  }
}

/** Renders a result's diagnostics, each with its source line and a caret. */
export function formatFrontendDiagnostics(result: FrontendResult): string {
  return formatDiagnostics(result.diagnostics, (name) => result.sources.get(name));
}

function toPreprocessOptions(opts: FrontendOptions): PreprocessOptions {
  const out: PreprocessOptions = {};
  if (opts.includeDirs !== undefined) out.includeDirs = opts.includeDirs;
  if (opts.defines !== undefined) out.defines = opts.defines;
  return out;
}

function finish(pp: PreprocessResult, sink: DiagnosticSink): FrontendResult {
  const result = (program?: CheckedProgram): FrontendResult =>
    program === undefined ? { diagnostics: sink.items, sources: pp.sources } : { program, diagnostics: sink.items, sources: pp.sources };
  if (sink.errorCount > 0) return result();
  try {
    const ast = parseProgram(pp.text, pp.map, sink);
    if (ast === undefined || sink.errorCount > 0) return result();
    const checked = checkProgram(ast, sink, (file) => file.startsWith(BUNDLED_INCLUDE_DIR));
    return sink.errorCount > 0 ? result() : result(checked);
  } catch (err) {
    // A bug in the front end must still come out as a diagnostic, not a stack trace.
    const where = sink.items[sink.items.length - 1]?.loc ?? { file: [...pp.sources.keys()][0] ?? "<input>", line: 1, col: 1 };
    sink.error(where, crashMessage(err));
    return result();
  }
}
