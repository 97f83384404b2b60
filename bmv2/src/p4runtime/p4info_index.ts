/**
 * Id <-> name lookups over a P4Info, for the P4Runtime server and for
 * controllers. Objects are found by numeric id, by fully qualified name
 * ("MyIngress.dmac") or by alias ("dmac"); match fields, action params and
 * packet metadata by id or by name within their parent.
 *
 * The P4Info is a message object as proto.ts decodes it (or as
 * textformat.ts parses it); only the fields used here are typed.
 */
import { messageType } from "./proto.ts";
import { parseTextFormat, printTextFormat } from "./textformat.ts";

export interface P4InfoPreamble {
  readonly id: number;
  readonly name: string;
  readonly alias: string;
  readonly annotations?: readonly string[];
}

export type MatchKind = "EXACT" | "LPM" | "TERNARY" | "RANGE" | "OPTIONAL" | "UNSPECIFIED";

export interface P4InfoMatchField {
  readonly id: number;
  readonly name: string;
  readonly bitwidth: number;
  readonly match_type?: MatchKind | string;
  readonly other_match_type?: string;
}

export interface P4InfoActionRef {
  readonly id: number;
  readonly scope?: "TABLE_AND_DEFAULT" | "TABLE_ONLY" | "DEFAULT_ONLY" | string;
}

export interface P4InfoTable {
  readonly preamble: P4InfoPreamble;
  readonly match_fields?: readonly P4InfoMatchField[];
  readonly action_refs?: readonly P4InfoActionRef[];
  readonly const_default_action_id?: number;
  readonly implementation_id?: number;
  readonly direct_resource_ids?: readonly number[];
  readonly size?: string | number;
  readonly is_const_table?: boolean;
}

export interface P4InfoParam {
  readonly id: number;
  readonly name: string;
  readonly bitwidth: number;
}

export interface P4InfoAction {
  readonly preamble: P4InfoPreamble;
  readonly params?: readonly P4InfoParam[];
}

export interface P4InfoActionProfile {
  readonly preamble: P4InfoPreamble;
  readonly table_ids?: readonly number[];
  readonly with_selector?: boolean;
  readonly size?: string | number;
  readonly max_group_size?: number;
}

export interface P4InfoCounterLike {
  readonly preamble: P4InfoPreamble;
  readonly spec?: { readonly unit?: string };
  readonly size?: string | number;
  readonly direct_table_id?: number;
}

export interface P4InfoDataTypeSpec {
  readonly bitstring?: { readonly bit?: { readonly bitwidth: number }; readonly int?: { readonly bitwidth: number } } | null;
  readonly struct?: { readonly name: string } | null;
  readonly header?: { readonly name: string } | null;
  readonly tuple?: { readonly members: readonly P4InfoDataTypeSpec[] } | null;
  readonly bool?: object | null;
}

export interface P4InfoRegister {
  readonly preamble: P4InfoPreamble;
  readonly type_spec?: P4InfoDataTypeSpec | null;
  readonly size?: number;
}

export interface P4InfoDigest {
  readonly preamble: P4InfoPreamble;
  readonly type_spec?: P4InfoDataTypeSpec | null;
}

export interface P4InfoValueSet {
  readonly preamble: P4InfoPreamble;
  readonly match?: readonly P4InfoMatchField[];
  readonly size?: number;
}

export interface P4InfoPacketMetadata {
  readonly preamble: P4InfoPreamble;
  readonly metadata?: readonly { readonly id: number; readonly name: string; readonly bitwidth: number }[];
}

export interface P4InfoTypeInfo {
  readonly structs?: Readonly<Record<string, { readonly members: readonly { readonly name: string; readonly type_spec: P4InfoDataTypeSpec }[] }>>;
  readonly headers?: Readonly<Record<string, { readonly members: readonly { readonly name: string; readonly type_spec: { readonly bit?: { readonly bitwidth: number } | null } }[] }>>;
}

/** The parts of p4.config.v1.P4Info this index reads. */
export interface P4InfoMessage {
  readonly pkg_info?: { readonly arch?: string; readonly name?: string } | null;
  readonly tables?: readonly P4InfoTable[];
  readonly actions?: readonly P4InfoAction[];
  readonly action_profiles?: readonly P4InfoActionProfile[];
  readonly counters?: readonly P4InfoCounterLike[];
  readonly direct_counters?: readonly P4InfoCounterLike[];
  readonly meters?: readonly P4InfoCounterLike[];
  readonly direct_meters?: readonly P4InfoCounterLike[];
  readonly controller_packet_metadata?: readonly P4InfoPacketMetadata[];
  readonly value_sets?: readonly P4InfoValueSet[];
  readonly registers?: readonly P4InfoRegister[];
  readonly digests?: readonly P4InfoDigest[];
  readonly type_info?: P4InfoTypeInfo | null;
}

/** Objects of one kind, findable by id, name or alias. */
export class PreambleIndex<T extends { readonly preamble: P4InfoPreamble }> {
  private readonly byId = new Map<number, T>();
  private readonly byName = new Map<string, T>();

  constructor(items: readonly T[] | undefined) {
    for (const item of items ?? []) {
      this.byId.set(item.preamble.id, item);
      this.byName.set(item.preamble.name, item);
    }
    // Aliases only where they do not shadow a full name.
    for (const item of items ?? []) {
      if (item.preamble.alias && !this.byName.has(item.preamble.alias)) this.byName.set(item.preamble.alias, item);
    }
  }

  get(key: number | string): T | undefined {
    return typeof key === "number" ? this.byId.get(key) : this.byName.get(key);
  }

  /** Like get, but throws a readable error for controllers that name things wrongly. */
  require(key: number | string, kind: string): T {
    const item = this.get(key);
    if (!item) throw new Error(`P4Info has no ${kind} ${typeof key === "number" ? "with id " : ""}'${key}'`);
    return item;
  }

  all(): readonly T[] {
    return [...this.byId.values()];
  }

  id(key: number | string, kind: string): number {
    return this.require(key, kind).preamble.id;
  }

  name(id: number, kind: string): string {
    return this.require(id, kind).preamble.name;
  }
}

/** The value cached under `key`, computed (and kept, `undefined` included) on first use. */
function memo<K, V>(cache: Map<K, V>, key: K, compute: () => V): V {
  if (cache.has(key)) return cache.get(key) as V;
  const value = compute();
  cache.set(key, value);
  return value;
}

export class P4InfoIndex {
  readonly tables: PreambleIndex<P4InfoTable>;
  readonly actions: PreambleIndex<P4InfoAction>;
  readonly actionProfiles: PreambleIndex<P4InfoActionProfile>;
  readonly counters: PreambleIndex<P4InfoCounterLike>;
  readonly directCounters: PreambleIndex<P4InfoCounterLike>;
  readonly meters: PreambleIndex<P4InfoCounterLike>;
  readonly directMeters: PreambleIndex<P4InfoCounterLike>;
  readonly registers: PreambleIndex<P4InfoRegister>;
  readonly digests: PreambleIndex<P4InfoDigest>;
  readonly valueSets: PreambleIndex<P4InfoValueSet>;
  readonly controllerPacketMetadata: PreambleIndex<P4InfoPacketMetadata>;
  // Every Write asks these per update; the P4Info never changes under an index, so each is worked out once.
  private readonly sortedMatchFields = new Map<P4InfoTable, readonly P4InfoMatchField[]>();
  private readonly sortedParams = new Map<P4InfoAction, readonly P4InfoParam[]>();
  private readonly directCounterByTable = new Map<number, P4InfoCounterLike | undefined>();
  private readonly directMeterByTable = new Map<number, P4InfoCounterLike | undefined>();

  constructor(readonly p4info: P4InfoMessage) {
    this.tables = new PreambleIndex(p4info.tables);
    this.actions = new PreambleIndex(p4info.actions);
    this.actionProfiles = new PreambleIndex(p4info.action_profiles);
    this.counters = new PreambleIndex(p4info.counters);
    this.directCounters = new PreambleIndex(p4info.direct_counters);
    this.meters = new PreambleIndex(p4info.meters);
    this.directMeters = new PreambleIndex(p4info.direct_meters);
    this.registers = new PreambleIndex(p4info.registers);
    this.digests = new PreambleIndex(p4info.digests);
    this.valueSets = new PreambleIndex(p4info.value_sets);
    this.controllerPacketMetadata = new PreambleIndex(p4info.controller_packet_metadata);
  }

  /** Parses P4Info text format (a `.p4info.txtpb` file's contents). */
  static fromText(text: string): P4InfoIndex {
    return new P4InfoIndex(parseP4InfoText(text));
  }

  /** Match fields of a table in id order (which is the key order of the BMv2 JSON). */
  matchFields(table: number | string): readonly P4InfoMatchField[] {
    const info = this.tables.require(table, "table");
    return memo(this.sortedMatchFields, info, () => [...(info.match_fields ?? [])].sort((a, b) => a.id - b.id));
  }

  matchField(table: number | string, field: number | string): P4InfoMatchField | undefined {
    return this.matchFields(table).find((f) => (typeof field === "number" ? f.id === field : f.name === field));
  }

  /** Params of an action in id order (the order of the BMv2 JSON's runtime_data). */
  params(action: number | string): readonly P4InfoParam[] {
    const info = this.actions.require(action, "action");
    return memo(this.sortedParams, info, () => [...(info.params ?? [])].sort((a, b) => a.id - b.id));
  }

  param(action: number | string, param: number | string): P4InfoParam | undefined {
    return this.params(action).find((p) => (typeof param === "number" ? p.id === param : p.name === param));
  }

  /** The ref of `action` in `table`'s action list, if the table may use it at all. */
  actionRef(table: number | string, action: number): P4InfoActionRef | undefined {
    return this.tables.require(table, "table").action_refs?.find((r) => r.id === action);
  }

  /** The direct counter attached to a table, if any. */
  directCounterOf(tableId: number): P4InfoCounterLike | undefined {
    return memo(this.directCounterByTable, tableId, () => this.directCounters.all().find((c) => c.direct_table_id === tableId));
  }

  directMeterOf(tableId: number): P4InfoCounterLike | undefined {
    return memo(this.directMeterByTable, tableId, () => this.directMeters.all().find((m) => m.direct_table_id === tableId));
  }

  /** The packet_in or packet_out header's fields in layout order ([] when the program has none). */
  packetMetadata(which: "packet_in" | "packet_out"): readonly { readonly id: number; readonly name: string; readonly bitwidth: number }[] {
    return this.controllerPacketMetadata.get(which)?.metadata ?? [];
  }
}

/** Parses P4Info text format into a message object. */
export function parseP4InfoText(text: string): P4InfoMessage {
  return parseTextFormat<P4InfoMessage>(messageType("p4.config.v1.P4Info"), text);
}

/** Prints a P4Info message object in text format. */
export function printP4InfoText(p4info: P4InfoMessage): string {
  return printTextFormat(messageType("p4.config.v1.P4Info"), p4info);
}
