/**
 * Name-based view of a P4Info: lets callers say "MyIngress.vip_table" (or its alias "vip_table",
 * or any unambiguous dotted suffix) instead of numeric ids, and resolves match fields, action
 * params, counters, registers and digests with their widths.
 *
 * The P4Info is the message object of bmv2/src/p4runtime/proto.ts (types from p4info_index.ts);
 * this adds finsy-style short names (any unambiguous dotted suffix) and match kinds.
 */

import type {
  P4InfoAction,
  P4InfoActionProfile,
  P4InfoCounterLike,
  P4InfoDataTypeSpec,
  P4InfoDigest,
  P4InfoMatchField,
  P4InfoMessage,
  P4InfoPacketMetadata,
  P4InfoParam,
  P4InfoPreamble,
  P4InfoRegister,
  P4InfoTable,
} from "../../../bmv2/src/p4runtime/p4info_index.ts";
import { parseP4InfoText, PreambleIndex } from "../../../bmv2/src/p4runtime/p4info_index.ts";

export type { P4InfoAction, P4InfoActionProfile, P4InfoDigest, P4InfoParam, P4InfoRegister, P4InfoTable };

/** A P4Info message object (proto.ts conventions). */
export type P4Info = P4InfoMessage;

/** Parses a `.p4info.txtpb` file's text. */
export function parseP4Info(text: string): P4Info {
  return parseP4InfoText(text);
}

export type MatchKind = "exact" | "lpm" | "ternary" | "range" | "optional";

export class P4InfoError extends Error {
  override readonly name = "P4InfoError";
}

const MATCH_KIND_BY_NUMBER: Readonly<Record<number, MatchKind>> = { 2: "exact", 3: "lpm", 4: "ternary", 5: "range", 6: "optional" };

/** The standard match kind of a field; undefined for kinds P4Runtime cannot write (other_match_type, a compiler's "SELECTOR"). */
function matchKindOf(field: P4InfoMatchField): MatchKind | undefined {
  const raw: unknown = field.match_type;
  const kind = typeof raw === "number" ? MATCH_KIND_BY_NUMBER[raw] : typeof raw === "string" ? raw.toLowerCase() : undefined;
  if (kind === "exact" || kind === "lpm" || kind === "ternary" || kind === "range" || kind === "optional") return kind;
  return undefined;
}

/**
 * Objects of one kind, found by id, full name, alias, or an unambiguous dotted suffix of the
 * full name ("vip" for "MyIngress.lb.vip"), in that order of precedence. The id, name and alias
 * lookups are the switch's PreambleIndex; this adds the suffixes and P4InfoError.
 */
class Named<T extends { readonly preamble: P4InfoPreamble }> {
  private readonly index: PreambleIndex<T>;
  private readonly bySuffix = new Map<string, T | "ambiguous">();

  constructor(
    private readonly kind: string,
    items: readonly T[] | undefined,
  ) {
    this.index = new PreambleIndex(items);
    for (const item of items ?? []) {
      const parts = item.preamble.name.split(".");
      for (let i = 1; i < parts.length; i++) {
        const suffix = parts.slice(i).join(".");
        const seen = this.bySuffix.get(suffix);
        this.bySuffix.set(suffix, seen === undefined || seen === item ? item : "ambiguous");
      }
    }
  }

  private lookup(nameOrId: string | number): T | "ambiguous" | undefined {
    if (typeof nameOrId === "number") return this.index.get(nameOrId);
    return this.index.get(nameOrId) ?? this.bySuffix.get(nameOrId);
  }

  get(nameOrId: string | number): T {
    const found = this.lookup(nameOrId);
    if (found === "ambiguous") throw new P4InfoError(`${this.kind} name '${nameOrId}' is ambiguous; use the full name`);
    if (found === undefined) throw new P4InfoError(`no ${this.kind} '${nameOrId}' in the P4Info`);
    return found;
  }

  has(nameOrId: string | number): boolean {
    const found = this.lookup(nameOrId);
    return found !== undefined && found !== "ambiguous";
  }

  all(): T[] {
    return [...this.index.all()];
  }
}

export interface ResolvedField {
  readonly id: number;
  readonly name: string;
  readonly bitwidth: number;
  readonly kind: MatchKind;
}

/** An index over one P4Info. Immutable; build a new one when the pipeline changes. */
export class P4Schema {
  readonly tables: Named<P4InfoTable>;
  readonly actions: Named<P4InfoAction>;
  readonly actionProfiles: Named<P4InfoActionProfile>;
  readonly counters: Named<P4InfoCounterLike>;
  readonly directCounters: Named<P4InfoCounterLike>;
  readonly meters: Named<P4InfoCounterLike>;
  readonly registers: Named<P4InfoRegister>;
  readonly digests: Named<P4InfoDigest>;
  readonly packetMetadata: Named<P4InfoPacketMetadata>;
  // Every encoded match asks for its table's fields; the schema is immutable, so they are resolved once.
  private readonly resolvedFields = new Map<P4InfoTable, readonly ResolvedField[]>();

  constructor(readonly p4info: P4Info) {
    this.tables = new Named("table", p4info.tables);
    this.actions = new Named("action", p4info.actions);
    this.actionProfiles = new Named("action profile", p4info.action_profiles);
    this.counters = new Named("counter", p4info.counters);
    this.directCounters = new Named("direct counter", p4info.direct_counters);
    this.meters = new Named("meter", p4info.meters);
    this.registers = new Named("register", p4info.registers);
    this.digests = new Named("digest", p4info.digests);
    this.packetMetadata = new Named("controller packet metadata", p4info.controller_packet_metadata);
  }

  /** Match fields of a table in P4Info order; fields of non-standard kinds are left out, as no FieldMatch can carry them. */
  matchFields(table: P4InfoTable): readonly ResolvedField[] {
    let fields = this.resolvedFields.get(table);
    if (!fields) {
      fields = (table.match_fields ?? []).flatMap((f) => {
        const kind = matchKindOf(f);
        return kind ? [{ id: f.id, name: f.name, bitwidth: f.bitwidth, kind }] : [];
      });
      this.resolvedFields.set(table, fields);
    }
    return fields;
  }

  matchField(table: P4InfoTable, nameOrId: string | number): ResolvedField {
    const fields = this.matchFields(table);
    const found =
      typeof nameOrId === "number"
        ? fields.find((f) => f.id === nameOrId)
        : (fields.find((f) => f.name === nameOrId) ?? uniqueSuffix(fields, nameOrId));
    if (!found) throw new P4InfoError(`table ${table.preamble.name} has no match field '${nameOrId}'`);
    return found;
  }

  param(action: P4InfoAction, nameOrId: string | number): P4InfoParam {
    const params = action.params ?? [];
    const found = typeof nameOrId === "number" ? params.find((p) => p.id === nameOrId) : params.find((p) => p.name === nameOrId);
    if (!found) throw new P4InfoError(`action ${action.preamble.name} has no parameter '${nameOrId}'`);
    return found;
  }

  /** Whether entries of this table carry a priority (any ternary, range or optional key). */
  needsPriority(table: P4InfoTable): boolean {
    return this.matchFields(table).some((f) => f.kind === "ternary" || f.kind === "range" || f.kind === "optional");
  }

  /** The action profile implementing a table, when it has one. */
  profileOf(table: P4InfoTable): P4InfoActionProfile | undefined {
    const id = table.implementation_id ?? 0;
    return id !== 0 && this.actionProfiles.has(id) ? this.actionProfiles.get(id) : undefined;
  }

  /** Direct counter attached to a table, when it has one. */
  directCounterOf(table: P4InfoTable): P4InfoCounterLike | undefined {
    return this.directCounters.all().find((c) => c.direct_table_id === table.preamble.id);
  }

  /** The bit widths of a digest's fields (struct members or tuple members), in order. */
  digestFields(digest: P4InfoDigest): { readonly name: string; readonly bitwidth: number }[] {
    const spec = digest.type_spec;
    const widthOf = (t: P4InfoDataTypeSpec): number => t.bitstring?.bit?.bitwidth ?? t.bitstring?.int?.bitwidth ?? (t.bool ? 1 : 0);
    if (spec?.struct) {
      const struct = this.p4info.type_info?.structs?.[spec.struct.name];
      return (struct?.members ?? []).map((m) => ({ name: m.name, bitwidth: widthOf(m.type_spec) }));
    }
    if (spec?.tuple) return (spec.tuple.members ?? []).map((m, i) => ({ name: String(i), bitwidth: widthOf(m) }));
    if (spec?.bitstring) return [{ name: "value", bitwidth: widthOf(spec) }];
    return [];
  }
}

function uniqueSuffix<T extends { readonly name: string }>(items: readonly T[], suffix: string): T | undefined {
  const hits = items.filter((i) => i.name.endsWith("." + suffix));
  return hits.length === 1 ? hits[0] : undefined;
}
