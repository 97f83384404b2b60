import type { ParserDecl } from "../ast/nodes.ts";
import type { IrActionCall, IrExpr, IrPrimitive, SourceInfo } from "../ir/program.ts";
import type { Env } from "./env.ts";

/**
 * Statements after inlining and expression lowering: what is left for the two code shapes
 * bmv2 has, a list of primitives (actions) and a graph of tables and conditionals (controls).
 */
export type NStmt =
  | { readonly k: "prim"; readonly prim: IrPrimitive }
  | { readonly k: "if"; readonly cond: IrExpr; readonly then: NStmt[]; readonly else: NStmt[]; readonly source: SourceInfo | null }
  /** A table apply; each case lists IR action names ("default" = the rest) and what runs after them. */
  | { readonly k: "applySwitch"; readonly table: string; readonly cases: readonly ApplyCase[] }
  | { readonly k: "applyHit"; readonly table: string; readonly hit: NStmt[]; readonly miss: NStmt[] }
  /** A direct action call in a control body: a table of its own with a constant default entry. */
  | { readonly k: "callAction"; readonly call: IrActionCall; readonly source: SourceInfo | null }
  | { readonly k: "exit"; readonly source: SourceInfo | null }
  /** Leaves the innermost scope (function body, action, control). */
  | { readonly k: "return" }
  | { readonly k: "scope"; readonly body: NStmt[] }
  /** A sub-parser applied in a parser state: its states are inlined, `prefix` names them. */
  | { readonly k: "callParser"; readonly decl: ParserDecl; readonly env: Env; readonly prefix: string };

export interface ApplyCase {
  readonly actions: readonly string[] | "default";
  readonly body: NStmt[];
}
