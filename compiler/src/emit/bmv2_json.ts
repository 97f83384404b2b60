import { hexString } from "./hex.ts";
import type {
  IrAction,
  IrActionCall,
  IrExpr,
  IrMatchKeyValue,
  IrParserOp,
  IrPipeline,
  IrPrimitive,
  IrProgram,
  IrTable,
  IrTransition,
  SourceInfo,
} from "../ir/program.ts";

/**
 * IR -> BMv2 JSON (format version 2.23), laid out as p4c-bm2-ss lays it out: same keys in the
 * same order, ids numbered by position, names used as the cross references bmv2 expects.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function emitBmv2Json(program: IrProgram): { [key: string]: Json } {
  const ids = new IdTables(program);
  const tableSizes = new Map(program.pipelines.flatMap((p) => p.tables.map((t) => [t.name, t.maxSize] as const)));
  return {
    header_types: program.headerTypes.map((t, id) => ({
      name: t.name,
      id,
      fields: t.fields.map((f) => (f.varbit ? [f.name, "*"] : [f.name, f.width, f.signed])),
      ...(t.fields.some((f) => f.varbit) ? { max_length: t.fields.reduce((n, f) => n + f.width, 0) / 8 } : {}),
    })),
    headers: program.headers.map((h, id) => ({ name: h.name, id, header_type: h.headerType, metadata: h.metadata, pi_omit: true })),
    header_stacks: program.headerStacks.map((s, id) => ({
      name: s.name,
      id,
      header_type: s.headerType,
      size: s.headers.length,
      header_ids: s.headers.map((h) => ids.header(h)),
    })),
    header_union_types: program.headerUnionTypes.map((u, id) => ({
      name: u.name,
      id,
      headers: u.members.map((m) => [m.name, m.headerType]),
    })),
    header_unions: program.headerUnions.map((u, id) => ({
      name: u.name,
      id,
      union_type: u.unionType,
      header_ids: u.headers.map((h) => ids.header(h)),
      pi_omit: true,
    })),
    header_union_stacks: program.headerUnionStacks.map((s, id) => ({
      name: s.name,
      id,
      union_type: s.unionType,
      size: s.unions.length,
      header_union_ids: s.unions.map((u) => ids.union(u)),
    })),
    field_lists: program.fieldLists.map((l, i) => ({ id: i + 1, name: l.name, elements: l.elements.map(exprNode) })),
    errors: program.errors.map(([name, value]) => [name, value]),
    enums: program.enums.map((e) => ({ name: e.name, entries: e.entries.map(([n, v]) => [n, v]) })),
    parsers: program.parsers.map((p, id) => ({
      name: p.name,
      id,
      init_state: p.initState,
      parse_states: p.states.map((s, sid) => ({
        name: s.name,
        id: sid,
        parser_ops: s.ops.map(({ op, source }) => parserOp(op, source)),
        transitions: s.transitions.map(transition),
        transition_key: s.key.map(exprNode),
      })),
    })),
    parse_vsets: program.parseVsets.map((v, id) => ({ name: v.name, id, compressed_bitwidth: v.compressedBitwidth, max_size: v.maxSize })),
    deparsers: program.deparsers.map((d, id) => ({
      name: d.name,
      id,
      ...sourceInfo(d.source),
      order: [...d.order],
      primitives: d.primitives.map(primitive),
    })),
    meter_arrays: program.meterArrays.map((m, id) => ({
      name: m.name,
      id,
      ...sourceInfo(m.source),
      is_direct: m.directTable !== null,
      rate_count: m.rateCount,
      type: m.unit,
      // bmv2 sizes a direct meter array like its table and refuses to start when they differ.
      ...(m.directTable !== null
        ? { size: tableSizes.get(m.directTable) ?? m.size, binding: m.directTable, result_target: m.resultTarget ? fieldPath(m.resultTarget) : null }
        : { size: m.size }),
    })),
    counter_arrays: program.counterArrays.map((c, id) => ({
      name: c.name,
      id,
      ...sourceInfo(c.source),
      is_direct: c.directTable !== null,
      ...(c.directTable !== null ? { binding: c.directTable } : { size: c.size }),
    })),
    register_arrays: program.registerArrays.map((r, id) => ({ name: r.name, id, ...sourceInfo(r.source), size: r.size, bitwidth: r.bitwidth })),
    calculations: program.calculations.map((c, id) => ({
      name: c.name,
      id,
      ...sourceInfo(c.source),
      algo: c.algo,
      input: c.input.map(calculationInput),
    })),
    learn_lists: program.learnLists.map((l, i) => ({ id: i + 1, name: l.name, elements: l.elements.map(exprNode) })),
    actions: program.actions.map((a, id) => action(a, id)),
    pipelines: pipelines(program.pipelines, ids),
    checksums: program.checksums.map((c, id) => ({
      name: c.name,
      id,
      ...sourceInfo(c.source),
      target: fieldPath(c.target),
      type: c.type,
      calculation: c.calculation,
      verify: c.verify,
      update: c.update,
      if_cond: c.ifCond ? exprNode(c.ifCond) : null,
    })),
    force_arith: [],
    extern_instances: program.externInstances.map((e, id) => ({
      name: e.name,
      id,
      type: e.type,
      attribute_values: e.attributes.map((a) => ({ name: a.name, type: a.type, value: a.value })),
    })),
    field_aliases: program.fieldAliases.map(([alias, [h, f]]) => [alias, [h, f]]),
    program: program.programName,
    __meta__: { version: [2, 23], compiler: "https://github.com/p4lang/p4c" },
  };
}

/** Resolves names to the positional ids bmv2 uses where the JSON cross-references by id. */
class IdTables {
  private readonly headers = new Map<string, number>();
  private readonly unions = new Map<string, number>();
  private readonly actions = new Map<string, number>();
  private readonly actionJsonNames = new Map<string, string>();

  constructor(program: IrProgram) {
    program.headers.forEach((h, i) => this.headers.set(h.name, i));
    program.headerUnions.forEach((u, i) => this.unions.set(u.name, i));
    program.actions.forEach((a, i) => {
      this.actions.set(a.name, i);
      this.actionJsonNames.set(a.name, actionJsonName(a));
    });
  }

  /** IR action names are unique; several bmv2 actions may share a source name, as in p4c's output. */
  actionName(irName: string): string {
    return this.actionJsonNames.get(irName) ?? irName;
  }

  header(name: string): number {
    return lookup(this.headers, name, "header");
  }

  union(name: string): number {
    return lookup(this.unions, name, "header union");
  }

  action(name: string): number {
    return lookup(this.actions, name, "action");
  }
}

function lookup(map: ReadonlyMap<string, number>, name: string, what: string): number {
  const id = map.get(name);
  if (id === undefined) throw new Error(`internal: unknown ${what} '${name}' referenced in the IR`);
  return id;
}

function sourceInfo(source: SourceInfo | null): { source_info?: Json } {
  if (!source) return {};
  return { source_info: { filename: source.filename, line: source.line, column: source.column, source_fragment: source.fragment } };
}

function fieldPath(e: IrExpr): Json {
  if (e.kind !== "field") throw new Error(`internal: expected a field, got ${e.kind}`);
  return [e.header, e.field];
}

/** An expression where an expression node is expected (operands, conditions, keys). */
export function exprNode(e: IrExpr): Json {
  switch (e.kind) {
    case "field":
      return { type: "field", value: [e.header, e.field] };
    case "stackField":
      return { type: "stack_field", value: [e.stack, e.field] };
    case "const":
      return { type: "hexstr", value: hexString(e.value, e.width) };
    case "bool":
      return { type: "bool", value: e.value };
    case "header":
      return { type: "header", value: e.name };
    case "headerStack":
      return { type: "header_stack", value: e.name };
    case "headerUnion":
      return { type: "header_union", value: e.name };
    case "headerUnionStack":
      return { type: "header_union_stack", value: e.name };
    case "param":
      return { type: "local", value: e.index };
    case "op":
      return { type: "expression", value: { op: e.op, left: e.left ? exprNode(e.left) : null, right: exprNode(e.right) } };
    case "ternary":
      return { type: "expression", value: { op: "?", left: exprNode(e.ifTrue), right: exprNode(e.ifFalse), cond: exprNode(e.cond) } };
    case "lookahead":
      return { type: "lookahead", value: [e.offset, e.width] };
    case "registerArray":
      return { type: "register_array", value: e.name };
    case "counterArray":
      return { type: "counter_array", value: e.name };
    case "meterArray":
      return { type: "meter_array", value: e.name };
    case "calculation":
      return { type: "calculation", value: e.name };
    case "fieldList":
      return { type: "field_list", value: e.name };
    case "externInstance":
      return { type: "extern", value: e.name };
    case "string":
      return { type: "string", value: e.value };
    case "payload":
      return { type: "payload", value: null };
    case "parametersVector":
      return { type: "parameters_vector", value: e.values.map(exprNode) };
    case "parserState":
      return { type: "parser_state", value: e.name };
  }
}

/** Constants in a hash input need their width: bmv2 hashes their bytes. */
function calculationInput(e: IrExpr): Json {
  if (e.kind === "const") return { type: "hexstr", value: hexString(e.value, e.width), bitwidth: e.width ?? Math.max(1, e.value.toString(2).length) };
  return exprNode(e);
}

/** An expression as a primitive argument: parameters are `runtime_data`, computed values wrapped once more. */
export function argNode(e: IrExpr): Json {
  if (e.kind === "param") return { type: "runtime_data", value: e.index };
  if (e.kind === "op" || e.kind === "ternary") return { type: "expression", value: exprNode(e) };
  return exprNode(e);
}

function primitive(p: IrPrimitive): Json {
  return { op: p.op, parameters: p.args.map(argNode), ...sourceInfo(p.source) };
}

function parserOp(op: IrParserOp, source: SourceInfo | null): Json {
  switch (op.op) {
    case "extract":
      return { parameters: [extractTarget(op.target)], op: "extract" };
    case "extract_VL":
      return { parameters: [extractTarget(op.target), { type: "expression", value: exprNode(op.lengthBits) }], op: "extract_VL" };
    case "set":
      return { parameters: [exprNode(op.dest), argNode(op.value)], op: "set" };
    case "verify":
      return { parameters: [exprNode(op.condition), exprNode(op.error)], op: "verify" };
    case "advance":
      return { parameters: [argNode(op.bits)], op: "advance" };
    case "primitive": {
      const inner = { parameters: op.primitive.args.map(argNode), op: op.primitive.op, ...sourceInfo(op.primitive.source ?? source) };
      return { parameters: [inner], op: "primitive" };
    }
  }
}

/** Extract targets are "regular" headers, "stack" (next element) or "union_stack". */
function extractTarget(e: IrExpr): Json {
  switch (e.kind) {
    case "header":
      return { type: "regular", value: e.name };
    case "headerStack":
      return { type: "stack", value: e.name };
    case "headerUnionStack":
      return { type: "union_stack", value: e.name };
    default:
      throw new Error(`internal: cannot extract into a ${e.kind}`);
  }
}

function transition(t: IrTransition): Json {
  switch (t.type) {
    case "default":
      return { type: "default", value: null, mask: null, next_state: t.next };
    case "hexstr":
      return {
        type: "hexstr",
        value: hexString(t.value, t.keyWidth),
        mask: t.mask === null ? null : hexString(t.mask, t.keyWidth),
        next_state: t.next,
      };
    case "parse_vset":
      return { type: "parse_vset", value: t.vset, mask: null, next_state: t.next };
  }
}

function actionJsonName(a: IrAction): string {
  return a.controlName ?? a.name;
}

function action(a: IrAction, id: number): Json {
  return {
    name: actionJsonName(a),
    id,
    runtime_data: a.params.map((p) => ({ name: p.name, bitwidth: p.bitwidth })),
    primitives: a.primitives.map(primitive),
    ...sourceInfo(a.source),
  };
}

function actionData(call: IrActionCall): Json {
  return call.data.map((d) => hexString(d.value, null));
}

function matchKey(k: IrMatchKeyValue): Json {
  switch (k.matchType) {
    case "exact":
      return { match_type: "exact", key: hexString(k.key, k.width) };
    case "lpm":
      return { match_type: "lpm", key: hexString(k.key, k.width), prefix_length: k.prefixLength };
    case "ternary":
      return { match_type: "ternary", key: hexString(k.key, k.width), mask: hexString(k.mask, k.width) };
    case "optional":
      return { match_type: "optional", key: hexString(k.key, k.width), mask: hexString(k.mask, k.width) };
    case "range":
      return { match_type: "range", start: hexString(k.start, k.width), end: hexString(k.end, k.width) };
  }
}

/** The table's overall match type, as bmv2 derives it: the "strongest" key kind wins. */
function tableMatchType(t: IrTable): string {
  const kinds = new Set(t.keys.map((k) => k.matchType));
  if (kinds.has("range")) return "range";
  if (kinds.has("ternary") || kinds.has("optional")) return "ternary";
  if (kinds.has("lpm")) return "lpm";
  return "exact";
}

function table(t: IrTable, id: number, ids: IdTables): Json {
  const next: { [key: string]: Json } = {};
  if (t.nextTables.kind === "byAction") {
    for (const ref of t.actions) next[ids.actionName(ref.action)] = t.nextTables.next.get(ref.action) ?? t.baseDefaultNext;
  } else {
    next["__HIT__"] = t.nextTables.hit;
    next["__MISS__"] = t.nextTables.miss;
  }
  return {
    name: t.name,
    id,
    ...sourceInfo(t.source),
    key: t.keys.map((k) => ({
      match_type: k.matchType,
      name: k.name,
      target: keyTarget(k.target),
      mask: k.mask === null ? null : hexString(k.mask, k.bitwidth),
    })),
    match_type: tableMatchType(t),
    type: t.type,
    ...(t.actionProfile !== null ? { action_profile: t.actionProfile } : {}),
    max_size: t.maxSize,
    with_counters: t.withCounters,
    support_timeout: t.supportTimeout,
    direct_meters: t.directMeter,
    action_ids: t.actions.map((a) => ids.action(a.action)),
    actions: t.actions.map((a) => ids.actionName(a.action)),
    base_default_next: t.baseDefaultNext,
    next_tables: next,
    ...(t.entries.length > 0
      ? {
          entries: t.entries.map((e) => ({
            ...sourceInfo(e.source),
            match_key: e.matchKey.map(matchKey),
            action_entry: { action_id: ids.action(e.action.action), action_data: actionData(e.action) },
            priority: e.priority,
          })),
        }
      : {}),
    // bmv2 refuses a default entry on a table with an action profile (simple_switch calls such
    // a JSON bad); p4c leaves it out with a warning, and P4Info still names it.
    ...(t.defaultEntry && t.type === "simple"
      ? {
          default_entry: {
            action_id: ids.action(t.defaultEntry.action.action),
            action_const: t.defaultEntry.actionConst,
            action_data: actionData(t.defaultEntry.action),
            action_entry_const: t.defaultEntry.entryConst,
          },
        }
      : {}),
  };
}

/** Key targets are [header, field] paths; a validity key targets the header's $valid$ field. */
function keyTarget(e: IrExpr): Json {
  if (e.kind === "field") return [e.header, e.field];
  if (e.kind === "stackField") return [e.stack, e.field];
  return exprNode(e);
}

/** Tables, action profiles and conditionals are numbered across both pipelines, as p4c does. */
function pipelines(list: readonly IrPipeline[], ids: IdTables): Json {
  let tableId = 0;
  let profileId = 0;
  let conditionalId = 0;
  return list.map((p, id) => ({
    name: p.name,
    id,
    ...sourceInfo(p.source),
    init_table: p.initTable,
    tables: p.tables.map((t) => table(t, tableId++, ids)),
    action_profiles: p.actionProfiles.map((ap) => ({
      name: ap.name,
      id: profileId++,
      ...sourceInfo(ap.source),
      max_size: ap.maxSize,
      ...(ap.selector ? { selector: { algo: ap.selector.algo, input: ap.selector.input.map(exprNode) } } : {}),
    })),
    conditionals: p.conditionals.map((c) => ({
      name: c.name,
      id: conditionalId++,
      ...sourceInfo(c.source),
      expression: exprNode(c.expression),
      true_next: c.trueNext,
      false_next: c.falseNext,
    })),
  }));
}
