/**
 * TableEntry writes and reads: P4Runtime match keys and actions checked
 * against the P4Info (spec section "TableEntry" and real simple_switch_grpc's
 * messages from trace 03/05) and turned into data-plane calls in JSON names.
 * Entries of indirect tables point at members, groups, or a one-shot action
 * set whose hidden members and group live as long as the entry.
 */
import * as grpc from "@grpc/grpc-js";
import type { EntryAction, EntryHandle, MatchParam, TableEntryView, TableInfo } from "../dataplane/api.ts";
import { canonicalBytes, maxOfWidth } from "./bytes.ts";
import { actionToP4Runtime, bitstring, INVALID_ID, translateAction } from "./action_calls.ts";
import { extrasKey, type OneShotRecord, type OneShotSet, profileState, type PipelineContext, type Undo } from "./context.ts";
import { checkActionSet, createOneShot, destroyOneShot } from "./one_shot.ts";
import type { FieldMatch, TableAction, TableEntry, UpdateType } from "./messages.ts";
import type { P4InfoIndex, P4InfoMatchField, P4InfoTable } from "./p4info_index.ts";
import { invalidArgument, notFound, P4RuntimeError } from "./status.ts";
import { callSwitch, counterFromData, counterToData, meterFromConfig, meterToConfig, toP4RuntimeError } from "./switch_calls.ts";

export function requireTable(index: P4InfoIndex, tableId: number | undefined): P4InfoTable {
  const table = tableId ? index.tables.get(tableId) : undefined;
  if (!table) throw invalidArgument(INVALID_ID);
  return table;
}

const NEEDS_PRIORITY = new Set(["TERNARY", "RANGE", "OPTIONAL"]);

export function tableNeedsPriority(index: P4InfoIndex, table: P4InfoTable): boolean {
  return index.matchFields(table.preamble.id).some((f) => NEEDS_PRIORITY.has(String(f.match_type)));
}

function matchKindOf(m: FieldMatch): string | undefined {
  if (m.field_match_type) return m.field_match_type;
  return (["exact", "ternary", "lpm", "range", "optional"] as const).find((k) => m[k] !== undefined && m[k] !== null);
}

/** One field's MatchParam; `undefined` match means "omitted" (don't care, where that is allowed). */
function fieldParam(field: P4InfoMatchField, m: FieldMatch | undefined): MatchParam {
  const width = field.bitwidth;
  const kind = String(field.match_type);
  if (m === undefined) {
    switch (kind) {
      case "TERNARY":
        return { kind: "ternary", value: 0n, mask: 0n };
      case "LPM":
        return { kind: "lpm", value: 0n, prefixLength: 0 };
      case "RANGE":
        return { kind: "range", low: 0n, high: maxOfWidth(width) };
      case "OPTIONAL":
        return { kind: "optional", value: null };
      default:
        throw invalidArgument("Missing non-ternary field in match key");
    }
  }
  const given = matchKindOf(m);
  if (given !== kind.toLowerCase()) throw invalidArgument(`Invalid match type for field ${field.id}`);
  switch (kind) {
    case "EXACT":
      return { kind: "exact", value: bitstring(m.exact?.value, width) };
    case "TERNARY": {
      const value = bitstring(m.ternary?.value, width);
      const mask = bitstring(m.ternary?.mask, width);
      if (mask === 0n) throw invalidArgument("Invalid representation of 'don't care' ternary match, omit match field instead of using 0 mask");
      if ((value & mask) !== value) throw invalidArgument("Invalid ternary value, make sure value & mask == value");
      return { kind: "ternary", value, mask };
    }
    case "LPM": {
      const value = bitstring(m.lpm?.value, width);
      const prefixLength = m.lpm?.prefix_len ?? 0;
      if (prefixLength === 0) {
        // The misspelling is simple_switch_grpc's; kept so that both servers answer alike.
        throw invalidArgument("Invalid reprsentation of 'don't care' LPM match, omit match field instead of using a prefix length of 0");
      }
      if (prefixLength < 0 || prefixLength > width) throw invalidArgument(`Prefix length ${prefixLength} out of range for ${width}-bit field`);
      const hostBits = maxOfWidth(width - prefixLength);
      if ((value & hostBits) !== 0n) throw invalidArgument("Invalid LPM value, incorrect number of trailing zeros");
      return { kind: "lpm", value, prefixLength };
    }
    case "RANGE": {
      const low = bitstring(m.range?.low, width);
      const high = bitstring(m.range?.high, width);
      if (low > high) throw invalidArgument("Invalid range match, low bound is greater than high bound");
      if (low === 0n && high === maxOfWidth(width)) throw invalidArgument("Invalid representation of 'don't care' range match, omit match field instead");
      return { kind: "range", low, high };
    }
    case "OPTIONAL":
      return { kind: "optional", value: bitstring(m.optional?.value, width) };
    default:
      throw new P4RuntimeError(grpc.status.UNIMPLEMENTED, `Match type ${kind} is not supported`);
  }
}

/** The data-plane key of a P4Runtime match list, in key order. */
export function translateMatch(index: P4InfoIndex, table: P4InfoTable, matches: readonly FieldMatch[]): MatchParam[] {
  const fields = index.matchFields(table.preamble.id);
  const byId = new Map<number, FieldMatch>();
  for (const m of matches) {
    if (byId.has(m.field_id ?? 0)) throw invalidArgument(`Duplicate field id ${m.field_id} in match key`);
    byId.set(m.field_id ?? 0, m);
  }
  const key = fields.map((f) => fieldParam(f, byId.get(f.id)));
  for (const id of byId.keys()) if (!fields.some((f) => f.id === id)) throw invalidArgument(`Unknown field id ${id} in match key`);
  return key;
}

/** Checks the priority rule: non-zero exactly when the table has ternary, range or optional keys. */
export function checkPriority(index: P4InfoIndex, table: P4InfoTable, priority: number): void {
  const needs = tableNeedsPriority(index, table);
  if (needs && priority <= 0) throw invalidArgument(priority < 0 ? "Negative priority" : "Zero priority for ternary match");
  if (!needs && priority !== 0) throw invalidArgument("Non-zero priority for non-ternary match");
}

/** The P4Runtime form of a data-plane key: canonical bytes, don't-care fields omitted. */
export function matchToP4Runtime(index: P4InfoIndex, table: P4InfoTable, key: readonly MatchParam[]): FieldMatch[] {
  const fields = index.matchFields(table.preamble.id);
  const out: FieldMatch[] = [];
  key.forEach((p, i) => {
    const field = fields[i];
    if (!field) return;
    const field_id = field.id;
    switch (p.kind) {
      case "exact":
        out.push({ field_id, exact: { value: canonicalBytes(p.value) } });
        break;
      case "ternary":
        if (p.mask !== 0n) {
          if (String(field.match_type) === "OPTIONAL") out.push({ field_id, optional: { value: canonicalBytes(p.value) } });
          else out.push({ field_id, ternary: { value: canonicalBytes(p.value), mask: canonicalBytes(p.mask) } });
        }
        break;
      case "lpm":
        if (p.prefixLength !== 0) out.push({ field_id, lpm: { value: canonicalBytes(p.value), prefix_len: p.prefixLength } });
        break;
      case "range":
        if (!(p.low === 0n && p.high === maxOfWidth(field.bitwidth))) out.push({ field_id, range: { low: canonicalBytes(p.low), high: canonicalBytes(p.high) } });
        break;
      case "optional":
        if (p.value !== null) out.push({ field_id, optional: { value: canonicalBytes(p.value) } });
        break;
      case "valid":
        out.push({ field_id, exact: { value: canonicalBytes(p.valid ? 1n : 0n) } });
        break;
    }
  });
  return out;
}

/** The data plane's description of a table; it cannot change while this pipeline runs, so it is asked once. */
function tableInfoOf(ctx: PipelineContext, tableName: string): TableInfo {
  let info = ctx.tableInfos.get(tableName);
  if (!info) {
    info = callSwitch(() => ctx.control.tableInfo(tableName));
    ctx.tableInfos.set(tableName, info);
  }
  return info;
}

/** Adapts P4Runtime match kinds to the JSON's (p4c may lower optional to ternary). */
function adaptToSwitchKinds(ctx: PipelineContext, tableName: string, key: MatchParam[]): MatchParam[] {
  const info = tableInfoOf(ctx, tableName);
  return key.map((p, i) => {
    const want = info.keys[i]?.matchType;
    if (p.kind === "optional" && want === "ternary") {
      const width = info.keys[i]!.bitwidth;
      return p.value === null ? { kind: "ternary", value: 0n, mask: 0n } : { kind: "ternary", value: p.value, mask: maxOfWidth(width) };
    }
    return p;
  });
}

/** What an entry will execute: a ready data-plane action, or a one-shot action set still to be created. */
type PreparedAction = { readonly kind: "ready"; readonly action: EntryAction } | { readonly kind: "one-shot"; readonly set: OneShotSet };

function prepareAction(ctx: PipelineContext, table: P4InfoTable, action: TableAction): PreparedAction {
  const tableId = table.preamble.id;
  const indirect = (table.implementation_id ?? 0) !== 0;
  const kind = action.type ?? (action.action ? "action" : undefined);
  if (kind === "action") {
    if (indirect) throw invalidArgument(`Cannot provide direct action for indirect table ${tableId}`);
    return { kind: "ready", action: { kind: "action", call: translateAction(ctx.index, table, action.action ?? {}, false) } };
  }
  if (kind === "action_profile_member_id" || kind === "action_profile_group_id") {
    if (!indirect) throw invalidArgument(`Cannot provide action profile member / group for direct table ${tableId}`);
    const profile = profileState(ctx.shadow, table.implementation_id!);
    if (kind === "action_profile_member_id") {
      const member = profile.members.get(action.action_profile_member_id ?? 0);
      if (!member) throw invalidArgument("Invalid member / group id");
      return { kind: "ready", action: { kind: "member", member: member.handle } };
    }
    const group = profile.groups.get(action.action_profile_group_id ?? 0);
    if (!group) throw invalidArgument("Invalid member / group id");
    return { kind: "ready", action: { kind: "group", group: group.handle } };
  }
  if (kind === "action_profile_action_set") {
    if (!indirect) throw invalidArgument(`Cannot provide action profile action set for direct table ${tableId}`);
    return { kind: "one-shot", set: checkActionSet(ctx, table, action.action_profile_action_set?.action_profile_actions ?? []) };
  }
  throw invalidArgument("Missing action in table entry");
}

/** Makes the data-plane objects a prepared action needs; the record (if any) must be kept with the entry. */
function realize(ctx: PipelineContext, prepared: PreparedAction): { action: EntryAction; oneShot: OneShotRecord | undefined } {
  if (prepared.kind === "ready") return { action: prepared.action, oneShot: undefined };
  const oneShot = createOneShot(ctx, prepared.set);
  return { action: oneShot.action, oneShot };
}

function findEntry(ctx: PipelineContext, tableName: string, key: MatchParam[], priority: number): TableEntryView | undefined {
  const handle = callSwitch(() => ctx.control.tableFind(tableName, key, priority));
  if (handle === undefined) return undefined;
  return callSwitch(() => ctx.control.tableEntry(tableName, handle));
}

/** The installed entry a request names by table, match and priority (for direct counters / meters). */
export function lookupEntry(ctx: PipelineContext, te: TableEntry): { table: P4InfoTable; view: TableEntryView } {
  const table = requireTable(ctx.index, te.table_id);
  const key = adaptToSwitchKinds(ctx, table.preamble.name, translateMatch(ctx.index, table, te.match ?? []));
  checkPriority(ctx.index, table, te.priority ?? 0);
  const view = findEntry(ctx, table.preamble.name, key, te.priority ?? 0);
  if (!view) throw notFound("Cannot find match entry");
  return { table, view };
}

function writeDefaultEntry(ctx: PipelineContext, type: UpdateType, table: P4InfoTable, te: TableEntry): Undo {
  const tableId = table.preamble.id;
  const name = table.preamble.name;
  if (type === "INSERT") throw invalidArgument("Cannot use INSERT for default entry");
  if (type === "DELETE") throw invalidArgument("Cannot use DELETE for default entry");
  if ((te.match ?? []).length > 0) throw invalidArgument("Non-empty key for default entry");
  if ((table.implementation_id ?? 0) !== 0) throw invalidArgument(`Cannot set / reset default action for indirect table ${tableId}`);
  if ((table.const_default_action_id ?? 0) !== 0) throw new P4RuntimeError(grpc.status.PERMISSION_DENIED, `Cannot change const default action of table ${tableId}`);
  const previous = callSwitch(() => ctx.control.tableGetDefault(name));
  const action = te.action;
  if (!action || (!action.type && !action.action)) {
    callSwitch(() => ctx.control.tableResetDefault(name));
  } else {
    if (action.type !== undefined && action.type !== "action") throw invalidArgument(`Default entry of table ${tableId} needs a direct action`);
    const call = translateAction(ctx.index, table, action.action ?? {}, true);
    callSwitch(() => ctx.control.tableSetDefault(name, call));
  }
  return () => ctx.control.tableSetDefault(name, previous);
}

const NO_METADATA: Buffer = Buffer.alloc(0);

/** Applies one TableEntry update; returns how to undo it. Throws P4RuntimeError before changing anything. */
export function writeTableEntry(ctx: PipelineContext, type: UpdateType, te: TableEntry): Undo {
  const table = requireTable(ctx.index, te.table_id);
  if (te.is_default_action) return writeDefaultEntry(ctx, type, table, te);
  const name = table.preamble.name;
  if (table.is_const_table) throw new P4RuntimeError(grpc.status.PERMISSION_DENIED, `Table ${table.preamble.id} is const`);
  const priority = te.priority ?? 0;
  const key = adaptToSwitchKinds(ctx, name, translateMatch(ctx.index, table, te.match ?? []));
  checkPriority(ctx.index, table, priority);
  const directCounter = ctx.index.directCounterOf(table.preamble.id);
  const directMeter = ctx.index.directMeterOf(table.preamble.id);
  if (te.counter_data && !directCounter && type !== "DELETE") throw invalidArgument(`Table ${table.preamble.id} has no direct counter`);
  if (te.meter_config && !directMeter && type !== "DELETE") throw invalidArgument(`Table ${table.preamble.id} has no direct meter`);
  const extras = {
    // A copy, so the entry does not keep the whole request's buffer alive; most entries have none.
    metadata: te.metadata?.length ? Buffer.from(te.metadata) : NO_METADATA,
    controllerMetadata: String(te.controller_metadata ?? "0"),
    idleTimeoutNs: String(te.idle_timeout_ns ?? "0"),
  };

  switch (type) {
    case "INSERT": {
      if (!te.action) throw invalidArgument("Missing action in table entry");
      const prepared = prepareAction(ctx, table, te.action);
      // tableFind alone (no entry view) keeps bulk inserts linear.
      if (callSwitch(() => ctx.control.tableFind(name, key, priority)) !== undefined) {
        throw new P4RuntimeError(grpc.status.ALREADY_EXISTS, "Match entry exists, use MODIFY if you wish to change action");
      }
      const { action, oneShot } = realize(ctx, prepared);
      let handle: EntryHandle | undefined;
      try {
        handle = ctx.control.tableAdd(name, key, action, priority);
        if (te.counter_data) ctx.control.directCounterWrite(name, handle, counterFromData(te.counter_data));
        if (te.meter_config) ctx.control.directMeterSet(name, handle, meterFromConfig(te.meter_config));
      } catch (err) {
        if (handle !== undefined) ctx.control.tableDelete(name, handle);
        if (oneShot) destroyOneShot(ctx, oneShot);
        throw toP4RuntimeError(err);
      }
      const added = handle;
      ctx.shadow.entryExtras.set(extrasKey(name, added), extras);
      if (oneShot) ctx.shadow.oneShots.set(extrasKey(name, added), oneShot);
      return () => {
        ctx.control.tableDelete(name, added);
        if (oneShot) destroyOneShot(ctx, oneShot);
        ctx.shadow.entryExtras.delete(extrasKey(name, added));
        ctx.shadow.oneShots.delete(extrasKey(name, added));
      };
    }
    case "MODIFY": {
      if (!te.action) throw invalidArgument("Missing action in table entry");
      const prepared = prepareAction(ctx, table, te.action);
      const old = findEntry(ctx, name, key, priority);
      if (!old) throw notFound("Cannot find match entry");
      if (old.isConst) throw new P4RuntimeError(grpc.status.PERMISSION_DENIED, "Cannot modify a const entry");
      const oldCounter = directCounter ? ctx.control.directCounterRead(name, old.handle) : undefined;
      const entryKey = extrasKey(name, old.handle);
      const oldShot = ctx.shadow.oneShots.get(entryKey);
      const { action, oneShot } = realize(ctx, prepared);
      try {
        ctx.control.tableModify(name, old.handle, action);
      } catch (err) {
        if (oneShot) destroyOneShot(ctx, oneShot);
        throw toP4RuntimeError(err);
      }
      if (oldShot) destroyOneShot(ctx, oldShot);
      if (oneShot) ctx.shadow.oneShots.set(entryKey, oneShot);
      else ctx.shadow.oneShots.delete(entryKey);
      if (te.counter_data) ctx.control.directCounterWrite(name, old.handle, counterFromData(te.counter_data));
      // Per the spec an unset meter_config on MODIFY resets the meter.
      if (directMeter) ctx.control.directMeterSet(name, old.handle, te.meter_config ? meterFromConfig(te.meter_config) : undefined);
      const oldExtras = ctx.shadow.entryExtras.get(extrasKey(name, old.handle));
      ctx.shadow.entryExtras.set(extrasKey(name, old.handle), extras);
      return () => {
        const again = oldShot ? createOneShot(ctx, oldShot.set) : undefined;
        ctx.control.tableModify(name, old.handle, again?.action ?? old.action);
        if (oneShot) destroyOneShot(ctx, oneShot);
        if (again) ctx.shadow.oneShots.set(entryKey, again);
        else ctx.shadow.oneShots.delete(entryKey);
        if (oldCounter) ctx.control.directCounterWrite(name, old.handle, oldCounter);
        if (directMeter) ctx.control.directMeterSet(name, old.handle, old.meter);
        if (oldExtras) ctx.shadow.entryExtras.set(extrasKey(name, old.handle), oldExtras);
      };
    }
    case "DELETE": {
      const old = findEntry(ctx, name, key, priority);
      if (!old) throw notFound("Cannot find match entry");
      if (old.isConst) throw new P4RuntimeError(grpc.status.PERMISSION_DENIED, "Cannot delete a const entry");
      const oldCounter = directCounter ? ctx.control.directCounterRead(name, old.handle) : undefined;
      callSwitch(() => ctx.control.tableDelete(name, old.handle));
      const oldExtras = ctx.shadow.entryExtras.get(extrasKey(name, old.handle));
      ctx.shadow.entryExtras.delete(extrasKey(name, old.handle));
      const oldShot = ctx.shadow.oneShots.get(extrasKey(name, old.handle));
      if (oldShot) {
        destroyOneShot(ctx, oldShot);
        ctx.shadow.oneShots.delete(extrasKey(name, old.handle));
      }
      return () => {
        const again = oldShot ? createOneShot(ctx, oldShot.set) : undefined;
        const handle = ctx.control.tableAdd(name, old.key, again?.action ?? old.action, old.priority);
        if (again) ctx.shadow.oneShots.set(extrasKey(name, handle), again);
        if (oldCounter) ctx.control.directCounterWrite(name, handle, oldCounter);
        if (old.meter) ctx.control.directMeterSet(name, handle, old.meter);
        if (oldExtras) ctx.shadow.entryExtras.set(extrasKey(name, handle), oldExtras);
      };
    }
    default:
      throw invalidArgument("Update type is not set");
  }
}

/** The TableAction of an installed entry, with member / group handles mapped back to P4Runtime ids. */
function entryActionToP4Runtime(ctx: PipelineContext, table: P4InfoTable, view: TableEntryView): TableAction | undefined {
  const oneShot = ctx.shadow.oneShots.get(extrasKey(table.preamble.name, view.handle));
  if (oneShot) return { action_profile_action_set: { action_profile_actions: [...oneShot.set.actions] } };
  const action = view.action;
  switch (action.kind) {
    case "action": {
      const a = actionToP4Runtime(ctx.index, action.call);
      return a ? { action: a } : undefined;
    }
    case "member": {
      const profile = profileState(ctx.shadow, table.implementation_id ?? 0);
      for (const [id, m] of profile.members) if (m.handle === action.member) return { action_profile_member_id: id };
      return undefined;
    }
    case "group": {
      const profile = profileState(ctx.shadow, table.implementation_id ?? 0);
      for (const [id, g] of profile.groups) if (g.handle === action.group) return { action_profile_group_id: id };
      return undefined;
    }
  }
}

export interface EntryReadOptions {
  readonly withAction: boolean;
  readonly withCounter: boolean;
  readonly withMeter: boolean;
}

export function entryToP4Runtime(ctx: PipelineContext, table: P4InfoTable, view: TableEntryView, opts: EntryReadOptions): TableEntry {
  const name = table.preamble.name;
  const out: TableEntry = {
    table_id: table.preamble.id,
    match: matchToP4Runtime(ctx.index, table, view.key),
    priority: view.priority,
  };
  if (opts.withAction) {
    const action = entryActionToP4Runtime(ctx, table, view);
    if (action) out.action = action;
  }
  const extras = ctx.shadow.entryExtras.get(extrasKey(name, view.handle));
  if (extras) {
    out.metadata = extras.metadata;
    out.controller_metadata = extras.controllerMetadata;
    out.idle_timeout_ns = extras.idleTimeoutNs;
  }
  if (opts.withCounter && ctx.index.directCounterOf(table.preamble.id)) {
    out.counter_data = counterToData(view.counter ?? ctx.control.directCounterRead(name, view.handle));
  }
  if (opts.withMeter && view.meter) out.meter_config = meterToConfig(view.meter);
  if (view.isConst) out.const = true;
  return out;
}

/** Entries a TableEntry read request selects (spec: table_id 0 = all tables; a match selects one entry). */
export function readTableEntries(ctx: PipelineContext, te: TableEntry): TableEntry[] {
  const tables = te.table_id ? [requireTable(ctx.index, te.table_id)] : ctx.index.tables.all();
  const out: TableEntry[] = [];
  for (const table of tables) {
    const name = table.preamble.name;
    if (te.is_default_action) {
      out.push(defaultEntryToP4Runtime(ctx, table));
      continue;
    }
    const opts = { withAction: true, withCounter: !!te.counter_data, withMeter: !!te.meter_config };
    if ((te.match ?? []).length > 0) {
      const key = adaptToSwitchKinds(ctx, name, translateMatch(ctx.index, table, te.match ?? []));
      const view = findEntry(ctx, name, key, te.priority ?? 0);
      if (view) out.push(entryToP4Runtime(ctx, table, view, opts));
      continue;
    }
    for (const view of callSwitch(() => ctx.control.tableEntries(name))) out.push(entryToP4Runtime(ctx, table, view, opts));
  }
  return out;
}

function defaultEntryToP4Runtime(ctx: PipelineContext, table: P4InfoTable): TableEntry {
  const entry: TableEntry = { table_id: table.preamble.id, is_default_action: true };
  if ((table.implementation_id ?? 0) !== 0) return entry;
  const call = callSwitch(() => ctx.control.tableGetDefault(table.preamble.name));
  const action = actionToP4Runtime(ctx.index, call);
  if (action) entry.action = { action };
  if ((table.const_default_action_id ?? 0) !== 0) entry.const = true;
  return entry;
}

/** Installed entries of a table, for direct counter / meter wildcard reads. */
export function tableViews(ctx: PipelineContext, table: P4InfoTable): readonly TableEntryView[] {
  return callSwitch(() => ctx.control.tableEntries(table.preamble.name));
}
