import { toBytes } from "./hex.ts";
import { P4IdAllocator, type P4IdKind } from "./p4info_ids.ts";
import type { IrProgram, IrTable } from "../ir/program.ts";

/**
 * IR -> P4Info (p4.config.v1.P4Info) as a plain object with the proto's own field names
 * (snake_case), enums as their value names and bytes as Buffers: the shape protobufjs
 * `fromObject` and @grpc/proto-loader (keepCase) take, and what `printP4InfoText` prints.
 */
export type P4InfoObject = { [key: string]: unknown };

interface Entity {
  readonly kind: P4IdKind;
  readonly name: string;
  readonly idAnnotation: number | null;
}

export function emitP4Info(program: IrProgram): P4InfoObject {
  const allTables = program.pipelines.flatMap((p) => p.tables);
  const tables = allTables.filter((t): t is IrTable & { controlName: string } => t.controlName !== null);
  // Source actions called directly from a control body run from compiler-made tables; P4Info lists them too.
  const tableActionNames = new Set(allTables.flatMap((t) => t.actions.map((a) => a.action)));
  const seenActionNames = new Set<string>();
  const actions = program.actions.filter((a) => {
    if (a.controlName === null || !tableActionNames.has(a.name) || seenActionNames.has(a.controlName)) return false;
    seenActionNames.add(a.controlName);
    return true;
  });
  const profiles = program.pipelines.flatMap((p) => p.actionProfiles);
  const counters = program.counterArrays;
  const meters = program.meterArrays;

  const entities: Entity[] = [
    ...tables.map((t) => ({ kind: "table" as const, name: t.controlName, idAnnotation: t.idAnnotation })),
    ...actions.map((a) => ({ kind: "action" as const, name: a.controlName!, idAnnotation: a.idAnnotation })),
    ...profiles.map((p) => ({ kind: "actionProfile" as const, name: p.controlName, idAnnotation: p.idAnnotation })),
    ...counters.map((c) => ({ kind: c.directTable ? ("directCounter" as const) : ("counter" as const), name: c.controlName, idAnnotation: c.idAnnotation })),
    ...meters.map((m) => ({ kind: m.directTable ? ("directMeter" as const) : ("meter" as const), name: m.controlName, idAnnotation: m.idAnnotation })),
    ...program.registerArrays.map((r) => ({ kind: "register" as const, name: r.controlName, idAnnotation: r.idAnnotation })),
    ...program.learnLists.map((l) => ({ kind: "digest" as const, name: l.controlName, idAnnotation: null })),
    ...program.parseVsets.map((v) => ({ kind: "valueSet" as const, name: v.controlName, idAnnotation: null })),
    ...program.controllerHeaders.map((h) => ({ kind: "controllerHeader" as const, name: h.name, idAnnotation: null })),
  ];
  const ids = assignIds(entities);
  const id = (kind: P4IdKind, name: string): number => ids.get(`${kind}:${name}`)!;
  const aliases = shortestUniqueSuffixes(entities.map((e) => e.name));
  const preamble = (kind: P4IdKind, name: string, annotations: readonly string[] = []) => ({
    id: id(kind, name),
    name,
    alias: aliases.get(name)!,
    ...(annotations.length > 0 ? { annotations: [...annotations] } : {}),
  });
  const irActionByName = new Map(program.actions.map((a) => [a.name, a]));
  const tableByIrName = new Map(tables.map((t) => [t.name, t]));
  const controlNameOfTable = (irName: string): string => tableByIrName.get(irName)?.controlName ?? irName;

  const out: P4InfoObject = { pkg_info: { arch: program.arch } };
  if (tables.length > 0) {
    out["tables"] = tables.map((t) => {
      const directResources = [
        ...(t.directCounter ? [id("directCounter", counters.find((c) => c.name === t.directCounter)!.controlName)] : []),
        ...(t.directMeter ? [id("directMeter", meters.find((m) => m.name === t.directMeter)!.controlName)] : []),
      ];
      const defaultAction = t.defaultEntry ? irActionByName.get(t.defaultEntry.action.action) : undefined;
      return {
        preamble: preamble("table", t.controlName, t.annotations),
        ...(t.keys.length > 0
          ? {
              match_fields: t.keys.map((k, i) => ({
                id: k.idAnnotation ?? i + 1,
                name: k.name,
                ...(k.p4info.bitwidth !== null ? { bitwidth: k.p4info.bitwidth } : {}),
                match_type: k.matchType.toUpperCase(),
                ...(k.p4info.typeName !== null ? { type_name: { name: k.p4info.typeName } } : {}),
              })),
            }
          : {}),
        action_refs: t.actions.map((ref) => ({
          id: id("action", irActionByName.get(ref.action)!.controlName!),
          ...(ref.annotations.length > 0 ? { annotations: [...ref.annotations] } : {}),
          ...(ref.scope !== "TABLE_AND_DEFAULT" ? { scope: ref.scope } : {}),
        })),
        ...(t.defaultEntry && t.defaultEntry.actionConst && defaultAction?.controlName
          ? { const_default_action_id: id("action", defaultAction.controlName) }
          : {}),
        ...(t.defaultEntry && defaultAction?.controlName
          ? {
              initial_default_action: {
                action_id: id("action", defaultAction.controlName),
                ...(t.defaultEntry.action.data.length > 0
                  ? {
                      arguments: t.defaultEntry.action.data.map((d, i) => ({
                        param_id: defaultAction.params[i]?.idAnnotation ?? i + 1,
                        value: Buffer.from(toBytes(d.value, d.width)),
                      })),
                    }
                  : {}),
              },
            }
          : {}),
        ...(t.actionProfile ? { implementation_id: id("actionProfile", profiles.find((p) => p.name === t.actionProfile)!.controlName) } : {}),
        ...(directResources.length > 0 ? { direct_resource_ids: directResources } : {}),
        size: t.p4infoSize,
        ...(t.supportTimeout ? { idle_timeout_behavior: "NOTIFY_CONTROL" } : {}),
        ...(t.isConstTable ? { is_const_table: true } : {}),
        ...(t.entries.length > 0 ? { has_initial_entries: true } : {}),
      };
    });
  }
  if (actions.length > 0) {
    out["actions"] = actions.map((a) => ({
      preamble: preamble("action", a.controlName!, a.annotations),
      ...(a.params.length > 0
        ? {
            params: a.params.map((p, i) => ({
              id: p.idAnnotation ?? i + 1,
              name: p.name,
              ...(p.p4info.bitwidth !== null ? { bitwidth: p.p4info.bitwidth } : {}),
              ...(p.p4info.typeName !== null ? { type_name: { name: p.p4info.typeName } } : {}),
            })),
          }
        : {}),
    }));
  }
  if (profiles.length > 0) {
    out["action_profiles"] = profiles.map((p) => ({
      preamble: preamble("actionProfile", p.controlName),
      table_ids: p.tables.map((t) => id("table", controlNameOfTable(t))),
      ...(p.selector ? { with_selector: true } : {}),
      size: p.maxSize,
      ...(p.groupLimits.maxGroupSize !== null ? { max_group_size: p.groupLimits.maxGroupSize } : {}),
      ...(p.groupLimits.sizeSemantics?.kind === "sum_of_weights" ? { sum_of_weights: {} } : {}),
      ...(p.groupLimits.sizeSemantics?.kind === "sum_of_members"
        ? { sum_of_members: p.groupLimits.sizeSemantics.maxMemberWeight !== null ? { max_member_weight: p.groupLimits.sizeSemantics.maxMemberWeight } : {} }
        : {}),
    }));
  }
  const indirectCounters = counters.filter((c) => !c.directTable);
  if (indirectCounters.length > 0) {
    out["counters"] = indirectCounters.map((c) => ({ preamble: preamble("counter", c.controlName), spec: { unit: counterUnit(c.unit) }, size: c.size }));
  }
  const directCounters = counters.filter((c) => c.directTable);
  if (directCounters.length > 0) {
    out["direct_counters"] = directCounters.map((c) => ({
      preamble: preamble("directCounter", c.controlName),
      spec: { unit: counterUnit(c.unit) },
      direct_table_id: id("table", controlNameOfTable(c.directTable!)),
    }));
  }
  const indirectMeters = meters.filter((m) => !m.directTable);
  if (indirectMeters.length > 0) {
    out["meters"] = indirectMeters.map((m) => ({ preamble: preamble("meter", m.controlName), spec: { unit: m.unit.toUpperCase() }, size: m.size }));
  }
  const directMeters = meters.filter((m) => m.directTable);
  if (directMeters.length > 0) {
    out["direct_meters"] = directMeters.map((m) => ({
      preamble: preamble("directMeter", m.controlName),
      spec: { unit: m.unit.toUpperCase() },
      direct_table_id: id("table", controlNameOfTable(m.directTable!)),
    }));
  }
  if (program.controllerHeaders.length > 0) {
    out["controller_packet_metadata"] = program.controllerHeaders.map((h) => ({
      preamble: preamble("controllerHeader", h.name, [`@controller_header("${h.name}")`]),
      metadata: h.fields.map((f, i) => ({ id: f.idAnnotation ?? i + 1, name: f.name, bitwidth: f.bitwidth })),
    }));
  }
  if (program.parseVsets.length > 0) {
    out["value_sets"] = program.parseVsets.map((v) => ({
      preamble: preamble("valueSet", v.controlName),
      match: v.bitwidths.map((w, i) => ({ id: i + 1, bitwidth: w, match_type: "EXACT" })),
      size: v.maxSize,
    }));
  }
  if (program.registerArrays.length > 0) {
    out["registers"] = program.registerArrays.map((r) => ({
      preamble: preamble("register", r.controlName),
      type_spec: { bitstring: { bit: { bitwidth: r.bitwidth } } },
      size: r.size,
    }));
  }
  if (program.learnLists.length > 0) {
    out["digests"] = program.learnLists.map((l) => ({
      preamble: preamble("digest", l.controlName),
      type_spec: { struct: { name: l.controlName } },
    }));
  }
  // p4c fills type_info while translating tables and typed externs; other programs have none.
  if (tables.length === 0 && program.learnLists.length === 0 && program.registerArrays.length === 0 && program.calculations.length === 0) return out;
  // Fields in proto field-number order, as the text format prints them.
  const typeInfo: P4InfoObject = {};
  if (program.learnLists.length > 0) {
    typeInfo["structs"] = Object.fromEntries(
      program.learnLists.map((l) => [l.controlName, { members: l.members.map((m) => ({ name: m.name, type_spec: { bitstring: { bit: { bitwidth: m.width } } } })) }]),
    );
  }
  if (program.typeInfo.errors) typeInfo["error"] = { members: [...program.typeInfo.errors] };
  if (program.typeInfo.serializableEnums.length > 0) {
    typeInfo["serializable_enums"] = Object.fromEntries(
      program.typeInfo.serializableEnums.map((e) => [
        e.name,
        { underlying_type: { bitwidth: e.width }, members: e.members.map(([name, value]) => ({ name, value: Buffer.from(toBytes(value, e.width)) })) },
      ]),
    );
  }
  if (program.typeInfo.newTypes.length > 0) {
    typeInfo["new_types"] = Object.fromEntries(
      program.typeInfo.newTypes.map((n) => [
        n.name,
        n.representation.kind === "original"
          ? { original_type: { bitstring: { bit: { bitwidth: n.representation.bitwidth } } } }
          : {
              translated_type: {
                uri: n.representation.uri,
                ...(n.representation.sdn.kind === "bitwidth" ? { sdn_bitwidth: n.representation.sdn.bitwidth } : { sdn_string: {} }),
              },
            },
      ]),
    );
  }
  out["type_info"] = typeInfo;
  return out;
}

function counterUnit(unit: "packets" | "bytes" | "packets_and_bytes"): string {
  return unit === "packets_and_bytes" ? "BOTH" : unit.toUpperCase();
}

/** Annotated ids first, then hashed ones in program order, so hashing never steals an @id. */
function assignIds(entities: readonly Entity[]): Map<string, number> {
  const allocator = new P4IdAllocator();
  const ids = new Map<string, number>();
  for (const e of entities) {
    const key = `${e.kind}:${e.name}`;
    if (e.idAnnotation !== null && !ids.has(key)) ids.set(key, allocator.reserve(e.kind, e.idAnnotation));
  }
  for (const e of entities) {
    const key = `${e.kind}:${e.name}`;
    if (!ids.has(key)) ids.set(key, allocator.allocate(e.kind, e.name));
  }
  return ids;
}

/** Alias = the shortest dotted suffix of a name that no other entity's name ends with. */
function shortestUniqueSuffixes(names: readonly string[]): Map<string, string> {
  const unique = [...new Set(names)];
  const suffixCount = new Map<string, number>();
  const suffixesOf = (name: string): string[] => {
    const parts = name.split(".");
    return parts.map((_, i) => parts.slice(parts.length - 1 - i).join("."));
  };
  for (const name of unique) for (const s of suffixesOf(name)) suffixCount.set(s, (suffixCount.get(s) ?? 0) + 1);
  return new Map(unique.map((name) => [name, suffixesOf(name).find((s) => suffixCount.get(s) === 1) ?? name]));
}
