import type { CheckedProgram, DeclaredId } from "../ast/nodes.ts";
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
  readonly learnLists: IrLearnList[] = [];
  readonly registers: IrRegisterArray[] = [];
  readonly counters: Mutable<IrCounterArray>[] = [];
  readonly meters: Mutable<IrMeterArray>[] = [];
  /** Action profiles and selectors by instance name; tables join as they are built. */
  readonly profiles = new Map<string, Mutable<IrActionProfile> & { tables: string[] }>();
  readonly checksums: IrChecksum[] = [];
  readonly parseVsets: IrParseVset[] = [];
  /** Direct meters get their result field from the `read` call in an action. */
  readonly directMeterTargets = new Map<string, IrExpr>();
  private readonly usedNames = new Set<string>();
  private readonly keyOfObject = new WeakMap<object, number>();
  private nextObjectKey = 0;
  private nodeNumber = 0;

  constructor(readonly checked: CheckedProgram) {
    checked.errors.forEach((e, i) => this.errorCodes.set(e, i));
  }

  /** A program-unique name for a JSON object (actions, tables, calculations share one space in p4c). */
  uniqueName(hint: string): string {
    return unique(hint, this.usedNames);
  }

  reserveName(name: string): void {
    this.usedNames.add(name);
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

  /** Conditionals are numbered across both pipelines, as p4c's node_N. */
  nextNodeNumber(): number {
    return this.nodeNumber++;
  }

  addAction(action: IrAction): void {
    this.actions.push(action);
  }
}
