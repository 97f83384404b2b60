/**
 * The P4 preprocessor (the C preprocessor subset P4 programs use): #include with search paths,
 * #define/#undef (object-like and function-like), #if/#ifdef/#ifndef/#elif/#else/#endif,
 * #error, #line and #pragma once. Produces one text plus a SourceMap so every later
 * diagnostic names the original file, line and column.
 *
 * Include search order: the directory of the including file, then each -I directory, then the
 * bundled compiler/p4include/ directory (core.p4, v1model.p4).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { SrcLoc } from "../ast/nodes.ts";
import type { DiagnosticSink } from "../diagnostics/diagnostic.ts";
import { evaluateIfExpr, IfExprError } from "./if_expr.ts";
import { MacroError, MacroTable, parseDefine, type ExpandedToken } from "./macros.ts";
import { tokenizeLine, type PpToken } from "./pp_tokens.ts";
import { SourceMap, type ColumnSegment } from "./source_map.ts";
import { packageRoot } from "../../../bmv2/src/package_root.ts";

export const BUNDLED_INCLUDE_DIR = join(packageRoot(import.meta.url), "compiler/p4include");

export interface PreprocessOptions {
  includeDirs?: string[];
  defines?: Record<string, string>;
}

export interface PreprocessResult {
  text: string;
  map: SourceMap;
  /** Every file read, by the path used in diagnostics, with its text. */
  sources: Map<string, string>;
}

interface Conditional {
  /** Lines in the current branch are emitted. */
  active: boolean;
  /** Some branch of this #if chain has already been taken. */
  taken: boolean;
  parentActive: boolean;
  seenElse: boolean;
  loc: SrcLoc;
}

const MAX_INCLUDE_DEPTH = 64;

export function preprocess(file: string, opts: PreprocessOptions, sink: DiagnosticSink): PreprocessResult {
  return new Preprocessor(opts, sink).run(file);
}

/** Preprocesses text given directly (tests, in-memory programs); `file` names it in diagnostics. */
export function preprocessText(file: string, text: string, opts: PreprocessOptions, sink: DiagnosticSink): PreprocessResult {
  return new Preprocessor(opts, sink).runText(file, text);
}

class Preprocessor {
  private readonly macros = new MacroTable();
  private readonly out: string[] = [];
  private readonly map = new SourceMap();
  private readonly sources = new Map<string, string>();
  private readonly onceFiles = new Set<string>();
  /** The #includes being processed, outermost first. */
  private readonly includeChain: { file: string; target: string; at: SrcLoc }[] = [];
  /** Set once the include depth limit is hit: later includes are skipped silently. */
  private includeOverflowed = false;
  /** The file preprocessing started from. */
  private includeRoot = "";
  private readonly includeDirs: string[];

  constructor(opts: PreprocessOptions, private readonly sink: DiagnosticSink) {
    this.includeDirs = [...(opts.includeDirs ?? []), BUNDLED_INCLUDE_DIR];
    for (const [nameAndParams, value] of Object.entries(opts.defines ?? {})) {
      const def = parseDefine(tokenizeLine(`${nameAndParams} ${value}`));
      if (typeof def === "string") sink.error({ file: "<command line>", line: 1, col: 1 }, def);
      else this.macros.define(def);
    }
  }

  run(file: string): PreprocessResult {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      this.sink.error({ file, line: 1, col: 1 }, `cannot read file '${file}'`);
      return this.result();
    }
    return this.runText(file, text);
  }

  runText(file: string, text: string): PreprocessResult {
    this.processFile(file, text, 0);
    return this.result();
  }

  private result(): PreprocessResult {
    return { text: this.out.join("\n"), map: this.map, sources: this.sources };
  }

  private processFile(file: string, text: string, depth: number): void {
    if (depth === 0) this.includeRoot = file;
    this.sources.set(file, text);
    const unterminated = unterminatedComment(text);
    if (unterminated !== undefined) this.sink.error({ file, ...unterminated }, "unterminated comment");
    const physical = stripComments(text).split(/\r?\n/);
    const conds: Conditional[] = [];
    let reportedFile = file;
    let lineDelta = 0;
    for (let i = 0; i < physical.length; i++) {
      const firstLine = i + 1;
      let logical = physical[i]!;
      while (logical.endsWith("\\") && i + 1 < physical.length) {
        logical = logical.slice(0, -1) + physical[++i]!;
      }
      const active = conds.length === 0 || conds[conds.length - 1]!.active;
      const loc = (col: number): SrcLoc => ({ file: reportedFile, line: firstLine + lineDelta, col });
      const directive = logical.match(/^(\s*)#\s*([A-Za-z_]*)/);
      if (directive === null) {
        if (active) this.emitLine(logical, reportedFile, firstLine + lineDelta, loc);
        continue;
      }
      const name = directive[2]!;
      const restStart = directive[0].length;
      const rest = logical.slice(restStart);
      const restTokens = tokenizeLine(rest).map((t) => ({ ...t, col: t.col + restStart }));
      const dirLoc = loc(directive[1]!.length + 1);
      switch (name) {
        case "if":
        case "ifdef":
        case "ifndef": {
          let value = false;
          if (active) {
            if (name === "if") value = this.evalCondition(restTokens, loc);
            else {
              const id = restTokens.find((t) => t.kind !== "space");
              if (id?.kind !== "ident") this.sink.error(dirLoc, `#${name} expects a macro name`);
              else value = this.macros.isDefined(id.text) === (name === "ifdef");
            }
          }
          conds.push({ active: active && value, taken: value, parentActive: active, seenElse: false, loc: dirLoc });
          break;
        }
        case "elif":
        case "else": {
          const top = conds[conds.length - 1];
          if (top === undefined) {
            this.sink.error(dirLoc, `#${name} without #if`);
            break;
          }
          if (top.seenElse) {
            this.sink.error(dirLoc, `#${name} after #else`);
            break;
          }
          if (name === "else") {
            top.seenElse = true;
            top.active = top.parentActive && !top.taken;
            top.taken = true;
          } else {
            const value = top.parentActive && !top.taken && this.evalCondition(restTokens, loc);
            top.active = value;
            top.taken ||= value;
          }
          break;
        }
        case "endif":
          if (conds.pop() === undefined) this.sink.error(dirLoc, "#endif without #if");
          break;
        default:
          if (active) {
            const next = this.directive(name, restTokens, dirLoc, loc, file, depth);
            if (next !== undefined) {
              reportedFile = next.file ?? reportedFile;
              lineDelta = next.line - (firstLine + 1);
            }
          }
      }
    }
    for (const c of conds) this.sink.error(c.loc, "unterminated conditional directive");
  }

  /** Handles the directives that only matter in active code; returns a #line change. */
  private directive(
    name: string,
    rest: PpToken[],
    dirLoc: SrcLoc,
    loc: (col: number) => SrcLoc,
    file: string,
    depth: number,
  ): { line: number; file?: string } | undefined {
    const significant = rest.filter((t) => t.kind !== "space");
    switch (name) {
      case "define": {
        const def = parseDefine(rest);
        if (typeof def === "string") {
          this.sink.error(dirLoc, def);
          return undefined;
        }
        // As in C: redefining a macro with a different replacement is diagnosed (cpp warns).
        if (this.macros.conflictsWith(def)) this.sink.warning(dirLoc, `'${def.name}' redefined`);
        this.macros.define(def);
        return undefined;
      }
      case "undef": {
        const id = significant[0];
        if (id?.kind !== "ident") this.sink.error(dirLoc, "#undef expects a macro name");
        else this.macros.undefine(id.text);
        return undefined;
      }
      case "include":
        this.include(rest, dirLoc, loc, file, depth);
        return undefined;
      case "error": {
        const message = rest.map((t) => t.text).join("").trim();
        this.sink.error(dirLoc, `#error ${message}`);
        return undefined;
      }
      case "warning":
        this.sink.warning(dirLoc, `#warning ${rest.map((t) => t.text).join("").trim()}`);
        return undefined;
      case "line": {
        const expanded = this.expandTokens(rest, loc).filter((t) => t.kind !== "space");
        const num = expanded[0];
        if (num?.kind !== "number" || !/^[0-9]+$/.test(num.text)) {
          this.sink.error(dirLoc, "#line expects a line number");
          return undefined;
        }
        const fileTok = expanded[1];
        if (fileTok !== undefined && fileTok.kind !== "string") {
          this.sink.error(loc(fileTok.col), "#line expects a file name string");
          return undefined;
        }
        const newFile = fileTok === undefined ? undefined : fileTok.text.slice(1, -1);
        return newFile === undefined ? { line: Number(num.text) } : { line: Number(num.text), file: newFile };
      }
      case "pragma":
        if (significant[0]?.text === "once") this.onceFiles.add(file);
        return undefined;
      case "":
        return undefined;
      default:
        this.sink.error(dirLoc, `unknown preprocessor directive '#${name}'`);
        return undefined;
    }
  }

  private include(rest: PpToken[], dirLoc: SrcLoc, loc: (col: number) => SrcLoc, file: string, depth: number): void {
    let tokens = rest.filter((t) => t.kind !== "space");
    if (tokens[0]?.kind !== "string" && tokens[0]?.text !== "<") {
      tokens = this.expandTokens(rest, loc).filter((t) => t.kind !== "space");
    }
    let target: string | undefined;
    const first = tokens[0];
    if (first?.kind === "string") target = first.text.slice(1, -1);
    else if (first?.text === "<") {
      const close = tokens.findIndex((t) => t.text === ">");
      if (close > 0) target = tokens.slice(1, close).map((t) => t.text).join("");
    }
    if (target === undefined || target === "") {
      this.sink.error(dirLoc, "#include expects \"FILE\" or <FILE>");
      return;
    }
    const nameLoc = loc(first!.col);
    if (this.includeOverflowed) return;
    const candidates = [dirname(file), ...this.includeDirs].map((d) => join(d, target!));
    const found = candidates.find((c) => existsSync(c) && statSync(c).isFile());
    if (found === undefined) {
      this.sink.error(nameLoc, `cannot find include file '${target}'`);
      return;
    }
    if (this.onceFiles.has(found)) return;
    if (depth >= MAX_INCLUDE_DEPTH) {
      // Reported once, at the first #include of the file that keeps including itself (an
      // unguarded recursive include), instead of at every level of the runaway chain.
      this.includeOverflowed = true;
      // The first #include that re-enters a file still being read closes the cycle.
      const open = [resolve(this.includeRoot), ...this.includeChain.map((c) => resolve(c.file))];
      const cycleStart = this.includeChain.find((c, i) => open.slice(0, i + 1).includes(resolve(c.file)));
      if (cycleStart !== undefined) this.sink.error(cycleStart.at, `#include nested too deeply: '${cycleStart.target}' includes itself without an include guard`);
      else this.sink.error(nameLoc, `#include nested too deeply (more than ${MAX_INCLUDE_DEPTH} levels)`);
      return;
    }
    this.includeChain.push({ file: found, target, at: nameLoc });
    this.processFile(found, readFileSync(found, "utf8"), depth + 1);
    this.includeChain.pop();
  }

  private evalCondition(rest: PpToken[], loc: (col: number) => SrcLoc): boolean {
    // `defined X` / `defined(X)` must be resolved before expansion so X is not expanded.
    const resolved: PpToken[] = [];
    for (let k = 0; k < rest.length; k++) {
      const t = rest[k]!;
      if (t.kind === "ident" && t.text === "defined") {
        let m = k + 1;
        while (rest[m]?.kind === "space") m++;
        const paren = rest[m]?.text === "(";
        if (paren) {
          m++;
          while (rest[m]?.kind === "space") m++;
        }
        const id = rest[m];
        if (id?.kind !== "ident") {
          this.sink.error(loc(t.col), "'defined' expects a macro name");
          return false;
        }
        if (paren) {
          m++;
          while (rest[m]?.kind === "space") m++;
          if (rest[m]?.text !== ")") {
            this.sink.error(loc(t.col), "missing ')' after 'defined'");
            return false;
          }
        }
        resolved.push({ kind: "number", text: this.macros.isDefined(id.text) ? "1" : "0", col: t.col });
        k = m;
        continue;
      }
      resolved.push(t);
    }
    const expanded = this.expandTokens(resolved, loc);
    try {
      return evaluateIfExpr(expanded) !== 0n;
    } catch (e) {
      if (!(e instanceof IfExprError)) throw e;
      this.sink.error(loc(rest.find((t) => t.kind !== "space")?.col ?? 1), e.message);
      return false;
    }
  }

  private expandTokens(tokens: PpToken[], loc: (col: number) => SrcLoc): ExpandedToken[] {
    try {
      return this.macros.expandLine(tokens);
    } catch (e) {
      if (!(e instanceof MacroError)) throw e;
      this.sink.error(loc(e.col), e.message);
      return tokens.map((t) => ({ ...t, srcCol: t.col, verbatim: true }));
    }
  }

  /** Cheap pre-check: most lines use no macro and are copied as they are. */
  private mentionsMacro(line: string): boolean {
    for (const m of line.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) if (this.macros.isDefined(m[0])) return true;
    return false;
  }

  private emitLine(line: string, file: string, lineNo: number, loc: (col: number) => SrcLoc): void {
    if (!this.mentionsMacro(line)) {
      this.out.push(line);
      this.map.addLine({ file, line: lineNo, segments: [] });
      return;
    }
    const tokens = tokenizeLine(line);
    if (!tokens.some((t) => t.kind === "ident")) {
      this.out.push(line);
      this.map.addLine({ file, line: lineNo, segments: [] });
      return;
    }
    const expanded = this.expandTokens(tokens, loc);
    let text = "";
    const segments: ColumnSegment[] = [];
    for (const t of expanded) {
      const outCol = text.length + 1;
      const prev = segments[segments.length - 1];
      const continues = prev !== undefined && prev.verbatim && t.verbatim && prev.srcCol + (outCol - prev.outCol) === t.srcCol;
      const sameMacro = prev !== undefined && !prev.verbatim && !t.verbatim && prev.srcCol === t.srcCol;
      if (!continues && !sameMacro) segments.push({ outCol, srcCol: t.srcCol, verbatim: t.verbatim });
      text += t.text;
    }
    this.out.push(text);
    this.map.addLine({ file, line: lineNo, segments });
  }
}

/** Replaces comments by spaces (keeping newlines) so columns and line numbers are unchanged. */
function stripComments(text: string): string {
  return text.replace(/"(?:[^"\\\n]|\\.)*"|\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$)/g, (m) => (m.startsWith('"') ? m : m.replace(/[^\n]/g, " ")));
}

/** Line and column of a `/*` that is never closed, if any (strings and line comments skipped). */
function unterminatedComment(text: string): { line: number; col: number } | undefined {
  for (const m of text.matchAll(/"(?:[^"\\\n]|\\.)*"|\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$)/g)) {
    if (!m[0].startsWith("/*") || m[0].endsWith("*/")) continue;
    const before = text.slice(0, m.index);
    const line = before.split("\n").length;
    return { line, col: m.index - before.lastIndexOf("\n") };
  }
  return undefined;
}
