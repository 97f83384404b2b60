import { basename } from "node:path";
import type { CheckedProgram, DeclaredId, EnumDecl, Type } from "../ast/nodes.ts";
import type {
  IrAction,
  IrActionProfile,
  IrCalculation,
  IrChecksum,
  IrCounterArray,
  IrExpr,
  IrFieldList,
  IrLearnList,
  IrMeterArray,
  IrParseVset,
  IrRegisterArray,
} from "../ir/program.ts";
import { SourceFiles } from "./source.ts";
import { Storage, unique } from "./storage.ts";
import type { TableBuild } from "./table.ts";

export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Program-wide state of one lowering run: everything the JSON lists at top level. */
export class LowerContext {
  readonly storage = new Storage();
  readonly src = new SourceFiles();
  readonly errorCodes = new Map<DeclaredId, number>();
  readonly actions: IrAction[] = [];
  /** Action instances already built, by declaration + binding context. */
  readonly actionKeys = new Map<string, string>();
  readonly tables = new Map<string, TableBuild>();
  readonly calculations: IrCalculation[] = [];
  readonly fieldLists: IrFieldList[] = [];
  /** User metadata fields by their `@field_list(n)` indices. */
  readonly preservedFields = new Map<number, IrExpr[]>();
  readonly learnLists: IrLearnList[] = [];
  readonly registers: IrRegisterArray[] = [];
  readonly counters: Mutable<IrCounterArray>[] = [];
  readonly meters: Mutable<IrMeterArray>[] = [];
  /** Action profiles and selectors by instance name; tables join as they are built. */
  readonly profiles = new Map<string, Mutable<IrActionProfile> & { tables: string[] }>();
  readonly checksums: IrChecksum[] = [];
  readonly parseVsets: IrParseVset[] = [];
  /** Serializable enums and the error type when the control plane sees them (keys, action data). */
  readonly controlPlaneEnums = new Map<EnumDecl, { name: string; width: number; members: [string, bigint][] }>();
  controlPlaneErrors = false;
  private readonly usedNames = new Set<string>();
  private readonly keyOfObject = new WeakMap<object, number>();
  private nextObjectKey = 0;
  private nodeNumber = 0;
  private readonly actionRanks = new Map<string, number[]>();

  constructor(readonly checked: CheckedProgram) {
    checked.errors.forEach((e, i) => this.errorCodes.set(e, i));
  }

  /** Notes a type that appears on the control plane, for P4Info's type_info. */
  noteControlPlaneType(t: Type): void {
    if (t.kind === "serenum" && !this.controlPlaneEnums.has(t.decl)) {
      const width = t.underlying.kind === "bit" || t.underlying.kind === "int" ? t.underlying.width : 0;
      const members = t.decl.members.map((m): [string, bigint] => [m.name, BigInt.asUintN(width, m.constValue ?? 0n)]);
      this.controlPlaneEnums.set(t.decl, { name: t.decl.name, width, members });
    }
    if (t.kind === "error") this.controlPlaneErrors = true;
  }

  /** A program-unique name for a JSON object (actions, tables, calculations share one space in p4c). */
  uniqueName(hint: string): string {
    return unique(hint, this.usedNames);
  }

  /** A stable small number per object, to build map keys from declaration identities. */
  objectKey(o: object): number {
    let k = this.keyOfObject.get(o);
    if (k === undefined) {
      k = this.nextObjectKey++;
      this.keyOfObject.set(o, k);
    }
    return k;
  }

  /**
   * Where a source position falls in the program as p4c reads it, with every #include in
   * place: files in the order their first declaration appears, then line and column.
   * Positions in different files compare by that order, not by their line numbers.
   */
  sourcePosition(file: string, line: number, col: number): number {
    if (!this.fileOrder) {
      this.fileOrder = new Map();
      for (const d of this.checked.program.decls) {
        for (const name of [d.loc.file, basename(d.loc.file)]) if (!this.fileOrder.has(name)) this.fileOrder.set(name, this.fileOrder.size);
      }
    }
    const ordinal = this.fileOrder.get(file) ?? this.fileOrder.size;
    return (ordinal * 1_000_000 + line) * 10_000 + col;
  }
  private fileOrder: Map<string, number> | undefined;

  /** Conditionals are numbered across both pipelines, as p4c's node_N. */
  nextNodeNumber(): number {
    return this.nodeNumber++;
  }

  /**
   * Records an action with where p4c would list it: per pipeline, source actions declared
   * outside controls first (in declaration order), then the controls' own actions (in source
   * order), then compiler-made ones. P4Info lists actions in the same order.
   */
  addAction(action: IrAction, rank: { readonly category: 0 | 1 | 2; readonly position: number }): void {
    this.actions.push(action);
    this.actionRanks.set(action.name, [this.pipelineIndex, rank.category, rank.position, this.actions.length]);
  }

  /** Which of parser/ingress/egress/deparser is being lowered, for the action order. */
  pipelineIndex = 0;

  orderedActions(): IrAction[] {
    const rank = (a: IrAction) => this.actionRanks.get(a.name) ?? [0, 0, 0, 0];
    return [...this.actions].sort((a, b) => {
      const ra = rank(a);
      const rb = rank(b);
      for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i]! - rb[i]!;
      return 0;
    });
  }
}
