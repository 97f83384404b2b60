import type { ActionDecl, ActionRef, Expr, Keyset, SrcLoc, TableDecl, TableEntry } from "../ast/nodes.ts";
import type { IrActionCall, IrMatchKeyValue, IrMatchType, IrTable, IrTableActionRef, IrTableEntry, IrTableKey } from "../ir/program.ts";
import type { Env } from "./env.ts";
import { exprText } from "./expr_text.ts";
import { declareExtern } from "./externs.ts";
import { field } from "./ir_build.ts";
import type { Lowerer } from "./lowerer.ts";
import type { NStmt } from "./nstmt.ts";
import { LowerError, annotationNumber, annotationString, hasAnnotation, mask, p4infoAnnotations, scalarWidth, typeOf } from "./types.ts";

/** A table with everything but its successors, which the control-flow graph decides. */
export interface TableBuild {
  readonly table: Omit<IrTable, "baseDefaultNext" | "nextTables">;
  /** Statements computing key values that are not plain fields, run just before the lookup. */
  readonly keyStmts: NStmt[];
  /** IR action name of an action declaration listed in the table. */
  actionNameOf(decl: ActionDecl | null, at: SrcLoc): string;
}

const DEFAULT_SIZE = 1024;

export function buildTable(lowerer: Lowerer, decl: TableDecl, name: string, env: Env): TableBuild {
  const ctx = lowerer.ctx;
  const keyStmts: NStmt[] = [];
  const keys: IrTableKey[] = [];
  const props = decl.properties;
  for (const el of props.find((p) => p.kind === "KeyProperty")?.elements ?? []) {
    const matchType = el.matchKind.name as IrMatchType;
    const keyName = annotationString(el.annotations, "name") ?? exprText(el.expr);
    const t = typeOf(el.expr);
    const width = scalarWidth(t, el.loc);
    const { target, maskValue } = keyTarget(lowerer, el.expr, env, keyStmts, width);
    keys.push({ matchType, name: keyName, target, mask: maskValue, bitwidth: width, p4info: ctx.controlPlaneType(t, el.loc), idAnnotation: annotationNumber(el.annotations, "id") });
  }

  const actionNames = new Map<ActionDecl, string>();
  const refs: IrTableActionRef[] = [];
  const addRef = (ref: ActionRef, scope: IrTableActionRef["scope"], annotations: string[]): IrActionCall => {
    const actionDecl = ref.name.ref as ActionDecl | undefined;
    if (!actionDecl || actionDecl.kind !== "ActionDecl") throw new LowerError(ref.loc, "table action is not an action");
    const call = lowerer.actionCall(actionDecl, ref.boundArgs ?? [], env, keyStmts, ref.loc);
    if (!actionNames.has(actionDecl)) {
      actionNames.set(actionDecl, call.action);
      refs.push({ action: call.action, scope, annotations });
    }
    return call;
  };
  for (const ref of props.find((p) => p.kind === "ActionsProperty")?.actions ?? []) {
    const scope = hasAnnotation(ref.annotations, "tableonly") ? "TABLE_ONLY" : hasAnnotation(ref.annotations, "defaultonly") ? "DEFAULT_ONLY" : "TABLE_AND_DEFAULT";
    addRef(ref, scope, ref.annotations.filter((a) => a.name !== "name" && a.name !== "id").map((a) => (a.tokens.length > 0 ? `@${a.name}(${a.tokens.map((x) => x.text).join("")})` : `@${a.name}`)));
  }

  const defaultProp = props.find((p) => p.kind === "DefaultActionProperty");
  let defaultEntry: IrTable["defaultEntry"];
  if (defaultProp) {
    const call = defaultCall(lowerer, defaultProp.action, env, keyStmts, actionNames);
    defaultEntry = { action: call, actionConst: defaultProp.isConst, entryConst: defaultProp.isConst };
  } else {
    // p4c gives every table NoAction as its default, listing it default-only if the table did not.
    const noAction = ctx.checked.globals.get("NoAction");
    if (!noAction || noAction.kind !== "ActionDecl") throw new LowerError(decl.loc, "table has no default action and NoAction is not declared");
    const call = lowerer.actionCall(noAction, [], env, keyStmts, decl.loc);
    if (!actionNames.has(noAction)) {
      actionNames.set(noAction, call.action);
      refs.push({ action: call.action, scope: "DEFAULT_ONLY", annotations: ["@defaultonly"] });
    }
    defaultEntry = { action: call, actionConst: false, entryConst: false };
  }

  const other = (n: string) => props.find((p): p is Extract<typeof p, { kind: "OtherProperty" }> => p.kind === "OtherProperty" && p.name === n);
  const sizeValue = other("size")?.value.constValue;
  const timeout = other("support_timeout")?.value.constValue;
  const externName = (n: string): string | null => {
    const prop = other(n);
    if (!prop) return null;
    const v = prop.value;
    if (v.kind === "PathExpr" && v.ref) {
      const b = env.lookup(v.ref);
      if (b?.b === "extern") return b.name;
    }
    // `implementation = action_profile(128)`: an instance of the table's own, named by the
    // property's @name as p4c names it (verbatim, not under the control).
    if (v.kind === "CallExpr" && v.target?.kind === "constructor" && v.target.decl.kind === "ExternObjectDecl" && v.type) {
      const instanceName = annotationString(prop.annotations, "name") ?? ctx.uniqueName(`${name}_${v.target.decl.name}`);
      declareExtern(lowerer, { loc: prop.loc, name: instanceName, annotations: prop.annotations, boundArgs: v.boundArgs, type: v.type }, v.target.decl.name, instanceName);
      return instanceName;
    }
    throw new LowerError(v.loc, `table property '${n}' must name an extern instance declared in the control or construct one`);
  };
  const implementation = externName("implementation");
  const directCounter = externName("counters");
  const directMeter = externName("meters");
  if (directCounter) bindDirect(ctx.counters, directCounter, name);
  if (directMeter) bindDirect(ctx.meters, directMeter, name);
  const profile = implementation ? ctx.profiles.get(implementation) : undefined;
  if (implementation && !profile) throw new LowerError(decl.loc, `'${implementation}' is not an action profile or selector`);
  profile?.tables.push(name);
  // `selector` keys are not matched: they feed the action selector's hash, as in p4c's output.
  const selectorKeys = keys.filter((k) => k.matchType === "selector");
  // Without a selector to feed they are left out, as p4c leaves them out.
  if (selectorKeys.length > 0 && profile?.selector) {
    if (profile.selector.input.length === 0) profile.selector = { algo: profile.selector.algo, input: selectorKeys.map((k) => k.target) };
  }
  const matchKeys = keys.filter((k) => k.matchType !== "selector");

  const entriesProp = props.find((p) => p.kind === "EntriesProperty");
  const entries: IrTableEntry[] = (entriesProp?.entries ?? []).map((entry, i) =>
    tableEntry(lowerer, entry, i, keys.filter((k) => k.matchType !== "selector"), env, keyStmts, actionNames),
  );

  // @hidden tables work like any other but are not shown to the control plane.
  const controlName = hasAnnotation(decl.annotations, "hidden") ? null : name;
  return {
    table: {
      name,
      controlName,
      source: ctx.src.info(decl.loc, decl.name),
      keys: matchKeys,
      type: profile ? (profile.selector ? "indirect_ws" : "indirect") : "simple",
      actionProfile: implementation,
      // p4c sizes a table with entries and no `size` to exactly those entries (P4Info keeps the default).
      maxSize: typeof sizeValue === "bigint" ? Number(sizeValue) : entriesProp ? entries.length : DEFAULT_SIZE,
      p4infoSize: typeof sizeValue === "bigint" ? Number(sizeValue) : DEFAULT_SIZE,
      withCounters: directCounter !== null,
      directCounter,
      directMeter,
      supportTimeout: timeout === true,
      actions: refs,
      defaultEntry,
      entries,
      idAnnotation: annotationNumber(decl.annotations, "id"),
      annotations: p4infoAnnotations(decl.annotations),
      isConstTable: entriesProp?.isConst ?? false,
    },
    keyStmts,
    actionNameOf(actionDecl, at) {
      const n = actionDecl ? actionNames.get(actionDecl) : undefined;
      if (!n) throw new LowerError(at, `action is not listed in table '${decl.name}'`);
      return n;
    },
  };
}

function bindDirect(arrays: { name: string; directTable: string | null }[], instance: string, table: string): void {
  const a = arrays.find((x) => x.name === instance);
  if (a) a.directTable = table;
}

/** A key must be a field for bmv2; anything else is computed into a scalar first. */
function keyTarget(lowerer: Lowerer, e: Expr, env: Env, out: NStmt[], width: number): { target: IrTableKey["target"]; maskValue: bigint | null } {
  if (e.kind === "BinaryExpr" && e.op === "&" && typeof e.right.constValue === "bigint") {
    const inner = keyTarget(lowerer, e.left, env, out, width);
    if (inner.maskValue === null) return { target: inner.target, maskValue: e.right.constValue & mask(width) };
  }
  const v = lowerer.rv(e, env, out);
  if (v.kind === "field") return { target: v, maskValue: null };
  if (v.kind === "op" && v.op === "d2b" && v.right.kind === "field") return { target: v.right, maskValue: null };
  const temp = lowerer.ctx.storage.scalar("key", { kind: "bit", width }, e.loc);
  const dest = field(temp.header, temp.field);
  out.push(lowerer.prim("assign", [dest, v.kind === "op" && ["==", "!=", "<", ">", "<=", ">=", "and", "or", "not", "d2b"].includes(v.op) ? { kind: "op", op: "b2d", left: null, right: v } : v], e.loc));
  return { target: dest, maskValue: null };
}

function defaultCall(lowerer: Lowerer, ref: ActionRef, env: Env, out: NStmt[], listed: Map<ActionDecl, string>): IrActionCall {
  const actionDecl = ref.name.ref as ActionDecl | undefined;
  if (!actionDecl || actionDecl.kind !== "ActionDecl") throw new LowerError(ref.loc, "default action is not an action");
  const call = lowerer.actionCall(actionDecl, ref.boundArgs ?? [], env, out, ref.loc);
  if (!listed.has(actionDecl)) throw new LowerError(ref.loc, `default action '${actionDecl.name}' is not in the table's actions`);
  return call;
}

function tableEntry(
  lowerer: Lowerer,
  entry: TableEntry,
  index: number,
  keys: readonly IrTableKey[],
  env: Env,
  out: NStmt[],
  listed: Map<ActionDecl, string>,
): IrTableEntry {
  const keysets = keys.length === 1 ? [entry.keyset] : entry.keyset.kind === "TupleKeyset" ? entry.keyset.elements : [entry.keyset];
  if (keysets.length !== keys.length) throw new LowerError(entry.loc, `entry has ${keysets.length} key values, the table has ${keys.length} keys`);
  const matchKey = keys.map((k, i) => matchValue(k, keysets[i]!, entry.loc));
  const actionDecl = entry.action.name.ref as ActionDecl | undefined;
  if (!actionDecl || !listed.has(actionDecl)) throw new LowerError(entry.loc, "entry action is not in the table's actions");
  const action = lowerer.actionCall(actionDecl, entry.action.boundArgs ?? [], env, out, entry.loc);
  const priority = entry.priority?.constValue;
  return {
    source: lowerer.ctx.src.info(entry.loc),
    matchKey,
    action,
    priority: typeof priority === "bigint" ? Number(priority) : index + 1,
  };
}

function constOf(e: Expr, width: number, at: SrcLoc): bigint {
  const v = e.constValue;
  if (typeof v === "boolean") return v ? 1n : 0n;
  if (typeof v !== "bigint") throw new LowerError(at, "table entry keys must be compile-time constants");
  return BigInt.asUintN(width, v);
}

function matchValue(key: IrTableKey, ks: Keyset, at: SrcLoc): IrMatchKeyValue {
  const w = key.bitwidth;
  const all = mask(w);
  const wildcard = ks.kind === "DefaultKeyset" || ks.kind === "DontCareKeyset";
  switch (key.matchType) {
    case "exact":
      if (ks.kind !== "ExprKeyset") throw new LowerError(at, "an exact key needs a value");
      return { matchType: "exact", key: constOf(ks.expr, w, at), width: w };
    case "ternary":
    case "optional": {
      if (wildcard) return { matchType: key.matchType, key: 0n, mask: 0n, width: w };
      if (ks.kind === "MaskKeyset") {
        const m = constOf(ks.mask, w, at);
        return { matchType: key.matchType, key: constOf(ks.value, w, at) & m, mask: m, width: w };
      }
      if (ks.kind === "ExprKeyset") return { matchType: key.matchType, key: constOf(ks.expr, w, at), mask: all, width: w };
      break;
    }
    case "lpm": {
      if (wildcard) return { matchType: "lpm", key: 0n, prefixLength: 0, width: w };
      if (ks.kind === "MaskKeyset") {
        const m = constOf(ks.mask, w, at);
        const prefix = m.toString(2).replace(/0+$/, "").length;
        return { matchType: "lpm", key: constOf(ks.value, w, at) & m, prefixLength: m === 0n ? 0 : prefix, width: w };
      }
      if (ks.kind === "ExprKeyset") return { matchType: "lpm", key: constOf(ks.expr, w, at), prefixLength: w, width: w };
      break;
    }
    case "range": {
      if (wildcard) return { matchType: "range", start: 0n, end: all, width: w };
      if (ks.kind === "RangeKeyset") return { matchType: "range", start: constOf(ks.lo, w, at), end: constOf(ks.hi, w, at), width: w };
      if (ks.kind === "ExprKeyset") {
        const v = constOf(ks.expr, w, at);
        return { matchType: "range", start: v, end: v, width: w };
      }
      break;
    }
    default:
      break;
  }
  throw new LowerError(at, `this key set does not fit a ${key.matchType} key`);
}
