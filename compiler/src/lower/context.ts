import { basename } from "node:path";
import type { CheckedProgram, DeclaredId, EnumDecl, NewTypeDecl, SrcLoc, Type } from "../ast/nodes.ts";
import type {
  IrAction,
  IrActionProfile,
  IrCalculation,
  IrChecksum,
  IrControlPlaneType,
  IrCounterArray,
  IrExpr,
  IrFieldList,
  IrLearnList,
  IrMeterArray,
  IrNewType,
  IrParseVset,
  IrRegisterArray,
} from "../ir/program.ts";
import { SourceFiles } from "./source.ts";
import { Storage, unique } from "./storage.ts";
import { representation, scalarWidth } from "./types.ts";
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
  /** Names of direct_counter / direct_meter instances: p4c drops those no table uses. */
  readonly directInstances = new Set<string>();
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

  /**
   * How the controller sees a value of type `t` (P4Info bitwidth and type name), noting the
   * type for P4Info's type_info on the way.
   */
  controlPlaneType(t: Type, loc: SrcLoc): IrControlPlaneType {
    this.noteControlPlaneType(t);
    if (t.kind === "newtype") {
      const entry = this.newTypes.get(t.decl)!;
      const bitwidth =
        entry.representation.kind === "original" ? entry.representation.bitwidth : entry.representation.sdn.kind === "bitwidth" ? entry.representation.sdn.bitwidth : null;
      return { bitwidth, typeName: t.decl.name };
    }
    return { bitwidth: representation(t).kind === "error" ? null : scalarWidth(t, loc), typeName: null };
  }

  /** `type` declarations the controller sees, in the order it first sees them. */
  readonly newTypes = new Map<NewTypeDecl, IrNewType>();

  /** Notes a type that appears on the control plane, for P4Info's type_info. */
  noteControlPlaneType(t: Type): void {
    if (t.kind === "newtype" && !this.newTypes.has(t.decl)) {
      this.newTypes.set(t.decl, { name: t.decl.name, representation: newTypeRepresentation(t.decl, scalarWidth(t, t.decl.loc)) });
    }
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

/**
 * `@p4runtime_translation("uri", 32)` (or `bit<32>`, or `string`) gives the controller's view
 * of a `type`; without it the controller sees the underlying bits.
 */
function newTypeRepresentation(decl: NewTypeDecl, bitwidth: number): IrNewType["representation"] {
  const translation = decl.annotations.find((a) => a.name === "p4runtime_translation");
  if (!translation) return { kind: "original", bitwidth };
  const texts = translation.tokens.map((t) => t.text);
  const comma = texts.indexOf(",");
  const uri = texts.slice(0, comma < 0 ? texts.length : comma).join("").replace(/^"|"$/g, "");
  const sdn = comma < 0 ? [] : texts.slice(comma + 1);
  if (sdn.join("") === "string") return { kind: "translated", uri, sdn: { kind: "string" } };
  const width = Number(sdn.find((x) => /^\d+$/.test(x)) ?? bitwidth);
  return { kind: "translated", uri, sdn: { kind: "bitwidth", bitwidth: width } };
}
