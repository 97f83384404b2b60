/**
 * Diagnostics: every phase reports problems as values (never by throwing to the user), so one
 * run can report several errors, each naming the original file, line and column.
 */
import type { SrcLoc } from "../ast/nodes.ts";

export type Severity = "error" | "warning";

export interface Diagnostic {
  severity: Severity;
  message: string;
  loc: SrcLoc;
}

/** Collects diagnostics from one front-end run. */
export class DiagnosticSink {
  readonly items: Diagnostic[] = [];

  error(loc: SrcLoc, message: string): void {
    this.items.push({ severity: "error", message, loc });
  }

  warning(loc: SrcLoc, message: string): void {
    this.items.push({ severity: "warning", message, loc });
  }

  get errorCount(): number {
    return this.items.filter((d) => d.severity === "error").length;
  }
}
