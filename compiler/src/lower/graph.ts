import type { IrActionCall, IrConditional, IrPrimitive, IrTable } from "../ir/program.ts";
import type { LowerContext } from "./context.ts";
import type { NStmt } from "./nstmt.ts";
import { lineActionName } from "./source.ts";

/**
 * Turns a control body (NStmt) into bmv2's control-flow graph: runs of primitives become
 * compiler-made single-action tables (as p4c's `tbl_*`), ifs become conditionals, table
 * applies become tables whose successors follow the hit/miss or action_run cases.
 *
 * Built back to front: every statement is lowered knowing the node that runs after it.
 */
export class GraphBuilder {
  readonly tables: IrTable[] = [];
  readonly conditionals: IrConditional[] = [];
  private readonly placed = new Set<string>();
  /** Source order of statements (pre-order), so nodes can be listed in program order like p4c's. */
  private readonly stmtRank = new Map<NStmt, number>();
  private readonly nodeRank = new Map<string, number>();

  constructor(private readonly ctx: LowerContext) {}

  /** Builds a whole control body; returns the first node (null: empty pipeline). */
  pipeline(control: readonly NStmt[]): string | null {
    const body = spliceScopes(control);
    let counter = 0;
    const number = (stmts: readonly NStmt[]): void => {
      for (const s of stmts) {
        this.stmtRank.set(s, counter++);
        if (s.k === "if") {
          number(s.then);
          number(s.else);
        } else if (s.k === "applySwitch") {
          for (const c of s.cases) number(c.body);
        } else if (s.k === "applyHit") {
          number(s.hit);
          number(s.miss);
        } else if (s.k === "scope") {
          number(s.body);
        }
      }
    };
    number(body);
    return this.build(body, null, null);
  }

  /** Tables and conditionals in program order. */
  ordered(): { tables: IrTable[]; conditionals: IrConditional[] } {
    const rank = (name: string) => this.nodeRank.get(name) ?? Number.MAX_SAFE_INTEGER;
    return {
      tables: [...this.tables].sort((a, b) => rank(a.name) - rank(b.name)),
      conditionals: [...this.conditionals].sort((a, b) => rank(a.name) - rank(b.name)),
    };
  }

  build(stmts: readonly NStmt[], next: string | null, returnTo: string | null): string | null {
    let cur = next;
    for (let i = stmts.length - 1; i >= 0; i--) {
      const s = stmts[i]!;
      if (s.k === "prim") {
        let j = i;
        while (j > 0 && stmts[j - 1]!.k === "prim") j--;
        const prims = stmts.slice(j, i + 1).map((p) => (p as { prim: IrPrimitive }).prim);
        cur = this.actionTable(prims, cur, this.stmtRank.get(stmts[j]!));
        i = j;
        continue;
      }
      switch (s.k) {
        case "if": {
          const t = this.build(s.then, cur, returnTo);
          const f = this.build(s.else, cur, returnTo);
          if (s.cond.kind === "bool") {
            cur = s.cond.value ? t : f;
            break;
          }
          const name = this.ctx.uniqueName(`node_${this.ctx.nextNodeNumber()}`);
          this.conditionals.push({ name, source: s.source, expression: s.cond, trueNext: t, falseNext: f });
          this.rankNode(name, s);
          cur = name;
          break;
        }
        case "applySwitch": {
          const byAction = new Map<string, string | null>();
          const build = this.ctx.tables.get(s.table)!;
          let defaultNext = cur;
          const defaultCase = s.cases.find((c) => c.actions === "default");
          if (defaultCase) defaultNext = this.build(defaultCase.body, cur, returnTo);
          for (const c of s.cases) {
            if (c.actions === "default") continue;
            const entry = this.build(c.body, cur, returnTo);
            for (const a of c.actions) byAction.set(a, entry);
          }
          for (const ref of build.table.actions) if (!byAction.has(ref.action)) byAction.set(ref.action, defaultNext);
          cur = this.placeTable(s.table, { baseDefaultNext: cur, nextTables: { kind: "byAction", next: byAction } }, this.stmtRank.get(s));
          break;
        }
        case "applyHit": {
          const hit = this.build(s.hit, cur, returnTo);
          const miss = this.build(s.miss, cur, returnTo);
          cur = this.placeTable(s.table, { baseDefaultNext: null, nextTables: { kind: "hitMiss", hit, miss } }, this.stmtRank.get(s));
          break;
        }
        case "callAction": {
          const name = this.ctx.uniqueName(`tbl_${s.call.action.split(".").pop()}`);
          this.tables.push(singleActionTable(name, s.call.action, s.call.data, cur, s.source));
          this.rankNode(name, s);
          cur = name;
          break;
        }
        case "exit":
          cur = this.actionTable([{ op: "exit", args: [], source: s.source }], null, this.stmtRank.get(s));
          break;
        case "return":
          cur = returnTo;
          break;
        case "scope":
          cur = this.build(s.body, cur, cur);
          break;
        case "callParser":
          throw new Error("a parser can only be applied inside a parser");
      }
    }
    return cur;
  }

  private rankNode(name: string, s: NStmt): void {
    const r = this.stmtRank.get(s);
    if (r !== undefined) this.nodeRank.set(name, r);
  }

  private placeTable(name: string, next: Pick<IrTable, "baseDefaultNext" | "nextTables">, rank: number | undefined): string {
    const build = this.ctx.tables.get(name)!;
    if (this.placed.has(name)) throw new Error(`table '${name}' is applied more than once; bmv2 gives each table one place in the pipeline`);
    this.placed.add(name);
    this.tables.push({ ...build.table, ...next });
    if (rank !== undefined) this.nodeRank.set(name, rank);
    if (build.keyStmts.length === 0) return name;
    if (rank !== undefined) for (const ks of build.keyStmts) this.stmtRank.set(ks, rank - 0.5);
    // Keys that are not plain fields are computed just before the lookup.
    return this.build(build.keyStmts, name, name) ?? name;
  }

  /** A compiler-made action holding `prims`, in a keyless table whose default runs it. */
  private actionTable(prims: IrPrimitive[], next: string | null, rank: number | undefined): string {
    const first = prims.find((p) => p.source)?.source;
    const hint = first ? lineActionName({ file: first.filename, line: first.line, col: first.column }) : "act";
    const actionName = this.ctx.uniqueName(hint);
    this.ctx.addAction(
      { name: actionName, controlName: null, params: [], primitives: prims, source: null, idAnnotation: null, annotations: [] },
      { category: 2, position: first ? this.ctx.sourcePosition(first.filename, first.line, first.column) : 0 },
    );
    const tableName = this.ctx.uniqueName(`tbl_${actionName}`);
    this.tables.push(singleActionTable(tableName, actionName, [], next, first ?? null));
    if (rank !== undefined) this.nodeRank.set(tableName, rank);
    return tableName;
  }
}

/**
 * Scopes exist only as targets of `return`; one without a `return` of its own is spliced into
 * its parent, so the straight-line code of an inlined control or function joins its neighbours
 * in one compiler-made action, as in p4c's output.
 */
function spliceScopes(stmts: readonly NStmt[]): NStmt[] {
  return stmts.flatMap((s): NStmt[] => {
    switch (s.k) {
      case "scope": {
        const body = spliceScopes(s.body);
        return returnsHere(body) ? [{ k: "scope", body }] : body;
      }
      case "if":
        return [{ ...s, then: spliceScopes(s.then), else: spliceScopes(s.else) }];
      case "applySwitch":
        return [{ ...s, cases: s.cases.map((c) => ({ ...c, body: spliceScopes(c.body) })) }];
      case "applyHit":
        return [{ ...s, hit: spliceScopes(s.hit), miss: spliceScopes(s.miss) }];
      default:
        return [s];
    }
  });
}

/** Whether a `return` in these statements leaves this scope (not a nested one). */
function returnsHere(stmts: readonly NStmt[]): boolean {
  return stmts.some((s) => {
    switch (s.k) {
      case "return":
        return true;
      case "if":
        return returnsHere(s.then) || returnsHere(s.else);
      case "applySwitch":
        return s.cases.some((c) => returnsHere(c.body));
      case "applyHit":
        return returnsHere(s.hit) || returnsHere(s.miss);
      default:
        return false;
    }
  });
}

function singleActionTable(name: string, action: string, data: IrActionCall["data"], next: string | null, source: IrTable["source"]): IrTable {
  return {
    name,
    controlName: null,
    source,
    keys: [],
    type: "simple",
    actionProfile: null,
    maxSize: 1024,
    p4infoSize: 1024,
    withCounters: false,
    directCounter: null,
    directMeter: null,
    supportTimeout: false,
    actions: [{ action, scope: "TABLE_AND_DEFAULT", annotations: [] }],
    baseDefaultNext: next,
    nextTables: { kind: "byAction", next: new Map([[action, next]]) },
    defaultEntry: { action: { action, data }, actionConst: true, entryConst: true },
    entries: [],
    idAnnotation: null,
    annotations: [],
    isConstTable: false,
  };
}
