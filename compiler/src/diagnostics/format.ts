/**
 * Renders diagnostics the way C compilers do, so editors and people read them alike:
 *
 *   file.p4:12:9: error: message
 *       x = y + 1;
 *           ^
 */
import type { Diagnostic } from "./diagnostic.ts";

/** Returns the text of a file already read by the front end, if known. */
export type SourceLookup = (file: string) => string | undefined;

export function formatDiagnosticHeadline(d: Diagnostic): string {
  return `${d.loc.file}:${d.loc.line}:${d.loc.col}: ${d.severity}: ${d.message}`;
}

export function formatDiagnostic(d: Diagnostic, sources: SourceLookup): string {
  const headline = formatDiagnosticHeadline(d);
  const text = sources(d.loc.file);
  if (text === undefined) return headline;
  const line = text.split(/\r?\n/)[d.loc.line - 1];
  if (line === undefined) return headline;
  // Keep tabs in the caret line so the caret lines up under the same column.
  const pad = Array.from(line.slice(0, Math.max(0, d.loc.col - 1)), (c) => (c === "\t" ? "\t" : " ")).join("");
  return `${headline}\n${line}\n${pad}^`;
}

export function formatDiagnostics(ds: readonly Diagnostic[], sources: SourceLookup): string {
  return ds.map((d) => formatDiagnostic(d, sources)).join("\n");
}
