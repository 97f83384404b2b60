import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { SrcLoc } from "../ast/nodes.ts";
import type { SourceInfo } from "../ir/program.ts";

/**
 * `source_info` for the JSON. p4c records the span of the construct; the AST keeps only start
 * positions, so the fragment is the rest of the line up to the end of the statement, which
 * is what a reader of the JSON needs to find the code.
 */
export class SourceFiles {
  private readonly lines = new Map<string, string[] | null>();

  info(loc: SrcLoc, fragment?: string): SourceInfo {
    return { filename: basename(loc.file), line: loc.line, column: loc.col, fragment: fragment ?? this.fragment(loc) };
  }

  private fragment(loc: SrcLoc): string {
    const line = this.lineOf(loc);
    if (line === null) return "";
    const rest = line.slice(loc.col - 1);
    const end = rest.search(/;|\{|\/\//);
    return (end >= 0 ? rest.slice(0, end) : rest).trim();
  }

  lineOf(loc: SrcLoc): string | null {
    let lines = this.lines.get(loc.file);
    if (lines === undefined) {
      try {
        lines = readFileSync(loc.file, "utf8").split(/\r?\n/);
      } catch {
        lines = null;
      }
      this.lines.set(loc.file, lines);
    }
    return lines?.[loc.line - 1] ?? null;
  }
}

/** p4c names compiler-made actions after the file and line, e.g. "arithinlineskeleton51". */
export function lineActionName(loc: SrcLoc): string {
  const base = basename(loc.file).replace(/\.p4$/, "").replace(/[^A-Za-z0-9_]/g, "");
  return /[0-9]$/.test(base) ? `${base}l${loc.line}` : `${base}${loc.line}`;
}
