/**
 * Indexed and direct resources (counters, meters, registers), the packet
 * replication engine and parser value sets. All of these exist for the
 * pipeline's lifetime, so only MODIFY is a valid write (except for PRE
 * entries, which are created and deleted like table entries).
 */
import * as grpc from "@grpc/grpc-js";
import { port, type PortNumber } from "../dataplane/api.ts";
import { bytesToBigint, canonicalBytes } from "./bytes.ts";
import type { PipelineContext, Undo } from "./context.ts";
import type {
  CloneSessionEntry,
  CounterEntry,
  DirectCounterEntry,
  DirectMeterEntry,
  FieldMatch,
  MeterEntry,
  MulticastGroupEntry,
  PacketReplicationEngineEntry,
  RegisterEntry,
  Replica,
  UpdateType,
  ValueSetEntry,
} from "./messages.ts";
import type { P4InfoCounterLike, P4InfoRegister, P4InfoTable } from "./p4info_index.ts";
import { invalidArgument, notFound, P4RuntimeError } from "./status.ts";
import { callSwitch, counterFromData, counterToData, meterFromConfig, meterToConfig } from "./switch_calls.ts";
import { bitstring, INVALID_ID } from "./action_calls.ts";
import { entryToP4Runtime, lookupEntry, requireTable, tableViews } from "./table_entries.ts";

function onlyModify(type: UpdateType, what: string): void {
  if (type === "UNSPECIFIED") throw invalidArgument("Update type is not set");
  if (type !== "MODIFY") throw invalidArgument(`${type} update type not supported for ${what}`);
}

/** Indices a request selects: one (checked against the size) or, when unset, all. */
function indices(index: { index?: string | number | bigint } | null | undefined, size: number, outOfRange: () => P4RuntimeError): number[] {
  if (!index) return Array.from({ length: size }, (_, i) => i);
  const i = Number(index.index ?? 0);
  if (!Number.isInteger(i) || i < 0 || i >= size) throw outOfRange();
  return [i];
}

function requireById<T extends { preamble: { id: number } }>(find: (id: number) => T | undefined, id: number | undefined): T {
  const item = id ? find(id) : undefined;
  if (!item) throw invalidArgument(INVALID_ID);
  return item;
}

function counterSize(ctx: PipelineContext, counter: P4InfoCounterLike): number {
  return callSwitch(() => ctx.control.counterSize(counter.preamble.name));
}

export function writeCounter(ctx: PipelineContext, type: UpdateType, e: CounterEntry): Undo {
  onlyModify(type, "counters");
  const counter = requireById((id) => ctx.index.counters.get(id), e.counter_id);
  const name = counter.preamble.name;
  const cells = indices(e.index, counterSize(ctx, counter), () => invalidArgument(`Counter index out of range`));
  const value = counterFromData(e.data ?? {});
  const previous = cells.map((i) => ctx.control.counterRead(name, i));
  callSwitch(() => cells.forEach((i) => ctx.control.counterWrite(name, i, value)));
  return () => cells.forEach((i, k) => ctx.control.counterWrite(name, i, previous[k]!));
}

export function readCounters(ctx: PipelineContext, e: CounterEntry): CounterEntry[] {
  const counters = e.counter_id ? [requireById((id) => ctx.index.counters.get(id), e.counter_id)] : ctx.index.counters.all();
  const out: CounterEntry[] = [];
  for (const counter of counters) {
    // simple_switch_grpc answers an out-of-range index with this UNKNOWN status (trace 05, 5j).
    const cells = indices(e.index, counterSize(ctx, counter), () => new P4RuntimeError(grpc.status.UNKNOWN, "Error when reading counter from target"));
    for (const i of cells) {
      const value = callSwitch(() => ctx.control.counterRead(counter.preamble.name, i));
      out.push({ counter_id: counter.preamble.id, index: { index: String(i) }, data: counterToData(value) });
    }
  }
  return out;
}

function tableWithDirect(ctx: PipelineContext, tableId: number | undefined, which: "counter" | "meter"): P4InfoTable {
  const table = requireTable(ctx.index, tableId);
  const attached = which === "counter" ? ctx.index.directCounterOf(table.preamble.id) : ctx.index.directMeterOf(table.preamble.id);
  if (!attached) throw invalidArgument(`Table ${table.preamble.id} has no direct ${which}`);
  return table;
}

export function writeDirectCounter(ctx: PipelineContext, type: UpdateType, e: DirectCounterEntry): Undo {
  onlyModify(type, "direct counters");
  if (!e.table_entry) throw invalidArgument("Missing table_entry in DirectCounterEntry");
  const table = tableWithDirect(ctx, e.table_entry.table_id, "counter");
  const { view } = lookupEntry(ctx, e.table_entry);
  const name = table.preamble.name;
  const previous = ctx.control.directCounterRead(name, view.handle);
  callSwitch(() => ctx.control.directCounterWrite(name, view.handle, counterFromData(e.data ?? {})));
  return () => ctx.control.directCounterWrite(name, view.handle, previous);
}

function directTables(ctx: PipelineContext, tableId: number | undefined, which: "counter" | "meter"): P4InfoTable[] {
  if (tableId) return [tableWithDirect(ctx, tableId, which)];
  return ctx.index.tables.all().filter((t) => (which === "counter" ? ctx.index.directCounterOf(t.preamble.id) : ctx.index.directMeterOf(t.preamble.id)));
}

export function readDirectCounters(ctx: PipelineContext, e: DirectCounterEntry): DirectCounterEntry[] {
  const te = e.table_entry ?? {};
  if ((te.match ?? []).length > 0) {
    const { table, view } = lookupEntry(ctx, te);
    tableWithDirect(ctx, table.preamble.id, "counter");
    return [{ table_entry: te, data: counterToData(ctx.control.directCounterRead(table.preamble.name, view.handle)) }];
  }
  const out: DirectCounterEntry[] = [];
  for (const table of directTables(ctx, te.table_id, "counter")) {
    for (const view of tableViews(ctx, table)) {
      const entry = entryToP4Runtime(ctx, table, view, { withAction: false, withCounter: false, withMeter: false });
      out.push({ table_entry: entry, data: counterToData(view.counter ?? ctx.control.directCounterRead(table.preamble.name, view.handle)) });
    }
  }
  return out;
}

export function writeMeter(ctx: PipelineContext, type: UpdateType, e: MeterEntry): Undo {
  onlyModify(type, "meters");
  const meter = requireById((id) => ctx.index.meters.get(id), e.meter_id);
  const size = Number(meter.size ?? 0);
  const cells = indices(e.index, size, () => invalidArgument("Meter index out of range"));
  const keys = cells.map((i) => `${meter.preamble.id}/${i}`);
  const previous = keys.map((k) => ctx.shadow.meterConfigs.get(k));
  const config = e.config ? meterFromConfig(e.config) : undefined;
  callSwitch(() => cells.forEach((i) => ctx.control.meterSet(meter.preamble.name, i, config)));
  keys.forEach((k) => (e.config ? ctx.shadow.meterConfigs.set(k, e.config) : ctx.shadow.meterConfigs.delete(k)));
  return () =>
    cells.forEach((i, n) => {
      const old = previous[n];
      ctx.control.meterSet(meter.preamble.name, i, old ? meterFromConfig(old) : undefined);
      if (old) ctx.shadow.meterConfigs.set(keys[n]!, old);
      else ctx.shadow.meterConfigs.delete(keys[n]!);
    });
}

export function readMeters(ctx: PipelineContext, e: MeterEntry): MeterEntry[] {
  const meters = e.meter_id ? [requireById((id) => ctx.index.meters.get(id), e.meter_id)] : ctx.index.meters.all();
  const out: MeterEntry[] = [];
  for (const meter of meters) {
    for (const i of indices(e.index, Number(meter.size ?? 0), () => invalidArgument("Meter index out of range"))) {
      const config = ctx.shadow.meterConfigs.get(`${meter.preamble.id}/${i}`);
      out.push({ meter_id: meter.preamble.id, index: { index: String(i) }, ...(config ? { config } : {}) });
    }
  }
  return out;
}

export function writeDirectMeter(ctx: PipelineContext, type: UpdateType, e: DirectMeterEntry): Undo {
  onlyModify(type, "direct meters");
  if (!e.table_entry) throw invalidArgument("Missing table_entry in DirectMeterEntry");
  const table = tableWithDirect(ctx, e.table_entry.table_id, "meter");
  const { view } = lookupEntry(ctx, e.table_entry);
  const name = table.preamble.name;
  callSwitch(() => ctx.control.directMeterSet(name, view.handle, e.config ? meterFromConfig(e.config) : undefined));
  return () => ctx.control.directMeterSet(name, view.handle, view.meter);
}

export function readDirectMeters(ctx: PipelineContext, e: DirectMeterEntry): DirectMeterEntry[] {
  const te = e.table_entry ?? {};
  const one = (view: ReturnType<typeof tableViews>[number], entry: DirectMeterEntry["table_entry"]): DirectMeterEntry => ({
    table_entry: entry,
    ...(view.meter ? { config: meterToConfig(view.meter) } : {}),
  });
  if ((te.match ?? []).length > 0) {
    const { table, view } = lookupEntry(ctx, te);
    tableWithDirect(ctx, table.preamble.id, "meter");
    return [one(view, te)];
  }
  const out: DirectMeterEntry[] = [];
  for (const table of directTables(ctx, te.table_id, "meter")) {
    for (const view of tableViews(ctx, table)) out.push(one(view, entryToP4Runtime(ctx, table, view, { withAction: false, withCounter: false, withMeter: false })));
  }
  return out;
}

function registerWidth(register: P4InfoRegister): number {
  const bits = register.type_spec?.bitstring;
  const width = bits?.bit?.bitwidth ?? bits?.int?.bitwidth;
  if (width === undefined) throw new P4RuntimeError(grpc.status.UNIMPLEMENTED, `Register ${register.preamble.id} does not hold a bitstring`);
  return width;
}

function registerSize(ctx: PipelineContext, register: P4InfoRegister): number {
  return callSwitch(() => ctx.control.registerSize(register.preamble.name));
}

export function writeRegister(ctx: PipelineContext, type: UpdateType, e: RegisterEntry): Undo {
  onlyModify(type, "registers");
  const register = requireById((id) => ctx.index.registers.get(id), e.register_id);
  const name = register.preamble.name;
  const cells = indices(e.index, registerSize(ctx, register), () => new P4RuntimeError(grpc.status.OUT_OF_RANGE, "Register index out of range"));
  if (!e.data || (e.data.data !== undefined && e.data.data !== "bitstring") || !e.data.bitstring) throw invalidArgument("Register data must be a bitstring");
  const value = bitstring(e.data.bitstring, registerWidth(register));
  const previous = cells.map((i) => ctx.control.registerRead(name, i));
  callSwitch(() => cells.forEach((i) => ctx.control.registerWrite(name, i, value)));
  return () => cells.forEach((i, k) => ctx.control.registerWrite(name, i, previous[k]!));
}

export function readRegisters(ctx: PipelineContext, e: RegisterEntry): RegisterEntry[] {
  const registers = e.register_id ? [requireById((id) => ctx.index.registers.get(id), e.register_id)] : ctx.index.registers.all();
  const out: RegisterEntry[] = [];
  for (const register of registers) {
    const cells = indices(e.index, registerSize(ctx, register), () => new P4RuntimeError(grpc.status.OUT_OF_RANGE, "Register index out of range"));
    for (const i of cells) {
      const value = callSwitch(() => ctx.control.registerRead(register.preamble.name, i));
      out.push({ register_id: register.preamble.id, index: { index: String(i) }, data: { bitstring: canonicalBytes(value) } });
    }
  }
  return out;
}

function replicaPort(r: Replica): PortNumber {
  if (r.port_kind === "port" || (r.port && r.port.length > 0)) return port(Number(bytesToBigint(r.port ?? new Uint8Array())));
  return port(r.egress_port ?? 0);
}

function replicas(list: readonly Replica[] | undefined): { port: PortNumber; instance: number }[] {
  const seen = new Set<string>();
  return (list ?? []).map((r) => {
    const out = { port: replicaPort(r), instance: r.instance ?? 0 };
    const key = `${out.port}/${out.instance}`;
    if (seen.has(key)) throw invalidArgument(`Duplicate replica (port ${out.port}, instance ${out.instance})`);
    seen.add(key);
    return out;
  });
}

function canonicalReplicas(list: readonly Replica[] | undefined): Replica[] {
  return replicas(list).map((r) => ({ port: canonicalBytes(BigInt(r.port)), instance: r.instance }));
}

/** Create / replace / delete one keyed PRE object, keeping the shadow copy for reads. */
function writeKeyed<T>(
  type: UpdateType,
  store: Map<number, T>,
  id: number,
  what: string,
  entry: T,
  apply: (e: T) => void,
  remove: () => void,
): Undo {
  const existing = store.get(id);
  const restore = (): void => {
    if (existing) {
      apply(existing);
      store.set(id, existing);
    } else {
      remove();
      store.delete(id);
    }
  };
  switch (type) {
    case "INSERT":
      if (existing) throw new P4RuntimeError(grpc.status.ALREADY_EXISTS, `${what} ${id} already exists`);
      break;
    case "MODIFY":
    case "DELETE":
      if (!existing) throw notFound(`${what} ${id} does not exist`);
      break;
    default:
      throw invalidArgument("Update type is not set");
  }
  if (type === "DELETE") {
    callSwitch(remove);
    store.delete(id);
  } else {
    callSwitch(() => apply(entry));
    store.set(id, entry);
  }
  return restore;
}

export function writePreEntry(ctx: PipelineContext, type: UpdateType, e: PacketReplicationEngineEntry): Undo {
  if (e.multicast_group_entry && e.type !== "clone_session_entry") {
    const g = e.multicast_group_entry;
    const id = g.multicast_group_id ?? 0;
    if (id === 0) throw invalidArgument("Multicast group id 0 is reserved");
    const entry: MulticastGroupEntry = { multicast_group_id: id, replicas: type === "DELETE" ? [] : canonicalReplicas(g.replicas) };
    return writeKeyed(
      type,
      ctx.shadow.multicastGroups,
      id,
      "Multicast group",
      entry,
      (m) => ctx.control.multicastGroupSet(id, replicas(m.replicas)),
      () => ctx.control.multicastGroupDelete(id),
    );
  }
  if (e.clone_session_entry) {
    const c = e.clone_session_entry;
    const id = c.session_id ?? 0;
    if (id === 0) throw invalidArgument("Clone session id 0 is reserved");
    if ((c.packet_length_bytes ?? 0) < 0) throw invalidArgument("Negative packet_length_bytes");
    const entry: CloneSessionEntry = {
      session_id: id,
      replicas: type === "DELETE" ? [] : canonicalReplicas(c.replicas),
      class_of_service: c.class_of_service ?? 0,
      packet_length_bytes: c.packet_length_bytes ?? 0,
    };
    return writeKeyed(
      type,
      ctx.shadow.cloneSessions,
      id,
      "Clone session",
      entry,
      (s) => ctx.control.cloneSessionSet(id, { replicas: replicas(s.replicas), classOfService: s.class_of_service ?? 0, packetLengthBytes: s.packet_length_bytes ?? 0 }),
      () => ctx.control.cloneSessionDelete(id),
    );
  }
  throw invalidArgument("Empty PacketReplicationEngineEntry");
}

export function readPreEntries(ctx: PipelineContext, e: PacketReplicationEngineEntry): PacketReplicationEngineEntry[] {
  if (e.clone_session_entry) {
    const id = e.clone_session_entry.session_id ?? 0;
    return [...ctx.shadow.cloneSessions.values()]
      .filter((s) => id === 0 || s.session_id === id)
      .map((s) => ({ clone_session_entry: s }));
  }
  const id = e.multicast_group_entry?.multicast_group_id ?? 0;
  return [...ctx.shadow.multicastGroups.values()]
    .filter((g) => id === 0 || g.multicast_group_id === id)
    .map((g) => ({ multicast_group_entry: g }));
}

/** One value-set member as the data plane's (value, mask) over the concatenated fields. */
function valueSetKey(ctx: PipelineContext, valueSetId: number, match: readonly FieldMatch[]): { value: bigint; mask: bigint } {
  const fields = [...(ctx.index.valueSets.get(valueSetId)?.match ?? [])].sort((a, b) => a.id - b.id);
  let value = 0n;
  let mask = 0n;
  for (const f of fields) {
    const m = match.find((x) => x.field_id === f.id);
    const width = BigInt(f.bitwidth);
    let v = 0n;
    let k = 0n;
    if (m?.exact) {
      v = bitstring(m.exact.value, f.bitwidth);
      k = (1n << width) - 1n;
    } else if (m?.ternary) {
      v = bitstring(m.ternary.value, f.bitwidth);
      k = bitstring(m.ternary.mask, f.bitwidth);
    } else if (m) {
      throw invalidArgument(`Unsupported match type in value set ${valueSetId}`);
    }
    value = (value << width) | v;
    mask = (mask << width) | k;
  }
  for (const m of match) if (!fields.some((f) => f.id === m.field_id)) throw invalidArgument(`Unknown field id ${m.field_id} in value set member`);
  return { value, mask };
}

export function writeValueSet(ctx: PipelineContext, type: UpdateType, e: ValueSetEntry): Undo {
  onlyModify(type, "value sets");
  const vs = requireById((id) => ctx.index.valueSets.get(id), e.value_set_id);
  const id = vs.preamble.id;
  const members = e.members ?? [];
  if (vs.size !== undefined && vs.size > 0 && members.length > vs.size) throw new P4RuntimeError(grpc.status.RESOURCE_EXHAUSTED, `Value set ${id} holds at most ${vs.size} members`);
  const next = members.map((m) => valueSetKey(ctx, id, m.match ?? []));
  const previousEntry = ctx.shadow.valueSets.get(id);
  const previous = (previousEntry?.members ?? []).map((m) => valueSetKey(ctx, id, m.match ?? []));
  const name = vs.preamble.name;
  /** All or nothing: a failure part way puts back what was already changed. */
  const replace = (from: typeof next, to: typeof next): void => {
    const done: (() => void)[] = [];
    try {
      for (const k of from) {
        ctx.control.valueSetRemove(name, k.value, k.mask);
        done.push(() => ctx.control.valueSetAdd(name, k.value, k.mask));
      }
      for (const k of to) {
        ctx.control.valueSetAdd(name, k.value, k.mask);
        done.push(() => ctx.control.valueSetRemove(name, k.value, k.mask));
      }
    } catch (err) {
      for (const undo of done.reverse()) undo();
      throw err;
    }
  };
  callSwitch(() => replace(previous, next));
  ctx.shadow.valueSets.set(id, { value_set_id: id, members });
  return () => {
    replace(next, previous);
    if (previousEntry) ctx.shadow.valueSets.set(id, previousEntry);
    else ctx.shadow.valueSets.delete(id);
  };
}

export function readValueSets(ctx: PipelineContext, e: ValueSetEntry): ValueSetEntry[] {
  const sets = e.value_set_id ? [requireById((id) => ctx.index.valueSets.get(id), e.value_set_id)] : ctx.index.valueSets.all();
  return sets.map((vs) => ctx.shadow.valueSets.get(vs.preamble.id) ?? { value_set_id: vs.preamble.id, members: [] });
}
