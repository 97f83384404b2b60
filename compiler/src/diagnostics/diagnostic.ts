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

/**
 * The message for an exception that escaped a compiler phase. Running out of stack is a limit
 * of this compiler on a deeply nested program (e.g. a very long `else if` chain), not a bug.
 */
export function crashMessage(err: unknown): string {
  if (err instanceof RangeError && /call stack/i.test(err.message)) {
    return "program nested too deeply for this compiler (its stack ran out); split the deepest expression or statement chain";
  }
  return `internal compiler error: ${err instanceof Error ? err.message : String(err)}`;
}
