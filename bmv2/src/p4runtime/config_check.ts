/**
 * SetForwardingPipelineConfig's cross-check of a P4Info against the BMv2 JSON it
 * comes with: every table, action, counter, meter and register the controller
 * will name by P4Info id must exist in the device config with the same shape
 * (match fields, action parameters, sizes, widths). A mismatch would otherwise
 * surface later as writes that fail or, worse, values silently truncated.
 */
import * as grpc from "@grpc/grpc-js";
import type { P4InfoCounterLike, P4InfoMessage } from "./p4info_index.ts";
import { P4RuntimeError } from "./status.ts";

interface JsonKey {
  readonly match_type?: string;
  readonly name?: string;
  readonly target?: unknown;
  readonly mask?: unknown;
}
interface JsonTable {
  readonly name?: string;
  readonly key?: readonly JsonKey[];
  readonly actions?: readonly string[];
}
interface JsonAction {
  readonly name?: string;
  readonly runtime_data?: readonly { readonly name?: string; readonly bitwidth?: number }[];
}
interface JsonArray {
  readonly name?: string;
  readonly size?: number;
  readonly bitwidth?: number;
  readonly is_direct?: boolean;
}
interface BmvJson {
  readonly pipelines: readonly { readonly tables?: readonly JsonTable[] }[];
  readonly actions: readonly JsonAction[];
  readonly header_types?: readonly { readonly name?: string; readonly fields?: readonly (readonly [string, number, ...unknown[]])[] }[];
  readonly headers?: readonly { readonly name?: string; readonly header_type?: string }[];
  readonly counter_arrays?: readonly JsonArray[];
  readonly meter_arrays?: readonly JsonArray[];
  readonly register_arrays?: readonly JsonArray[];
}

function reject(message: string): never {
  throw new P4RuntimeError(grpc.status.INVALID_ARGUMENT, message);
}

function asBmvJson(json: unknown): BmvJson {
  const j = json as Partial<BmvJson> | null;
  if (typeof j !== "object" || j === null || !Array.isArray(j.pipelines) || !Array.isArray(j.actions)) {
    reject("Device config is not a BMv2 JSON (no pipelines / actions)");
  }
  return j as BmvJson;
}

/** Width of a key's target field ([header, field]), or undefined when the JSON does not say. */
function keyWidth(json: BmvJson, key: JsonKey): number | undefined {
  if (!Array.isArray(key.target) || key.target.length !== 2) return undefined;
  const [headerName, fieldName] = key.target as [unknown, unknown];
  if (key.match_type === "valid" || fieldName === "$valid$") return 1;
  const header = json.headers?.find((h) => h.name === headerName);
  const type = json.header_types?.find((t) => t.name === header?.header_type);
  const field = type?.fields?.find((f) => f[0] === fieldName);
  return typeof field?.[1] === "number" ? field[1] : undefined;
}

const MATCH_KINDS: Readonly<Record<string, readonly string[]>> = {
  EXACT: ["exact", "valid"],
  LPM: ["lpm"],
  TERNARY: ["ternary"],
  RANGE: ["range"],
  OPTIONAL: ["optional"],
};

function checkTables(p4info: P4InfoMessage, json: BmvJson): void {
  const tables = new Map<string, JsonTable>();
  for (const p of json.pipelines) for (const t of p.tables ?? []) if (t.name) tables.set(t.name, t);
  const actionNames = new Map((p4info.actions ?? []).map((a) => [a.preamble.id, a.preamble.name]));
  for (const t of p4info.tables ?? []) {
    const name = t.preamble.name;
    const jt = tables.get(name);
    if (!jt) reject(`P4Info table '${name}' is not in the device config`);
    const fields = t.match_fields ?? [];
    const keys = jt.key ?? [];
    if (fields.length !== keys.length) reject(`P4Info table '${name}' has ${fields.length} match fields, the device config's has ${keys.length}`);
    fields.forEach((f, i) => {
      const key = keys[i]!;
      const kinds = typeof f.match_type === "string" ? MATCH_KINDS[f.match_type] : undefined;
      if (kinds && key.match_type !== undefined && !kinds.includes(key.match_type)) {
        reject(`P4Info table '${name}' match field '${f.name}' is ${f.match_type}, the device config's key ${i} is ${key.match_type}`);
      }
      // A masked key (a slice of a field) is narrower than its target field, and a P4Info width of 0
      // stands for a non-bitstring type (error, enum); only the other keys compare.
      const width = (key.mask === null || key.mask === undefined) && f.bitwidth ? keyWidth(json, key) : undefined;
      if (width !== undefined && width !== f.bitwidth) {
        reject(`P4Info table '${name}' match field '${f.name}' is ${f.bitwidth} bits, the device config's key ${i} (${key.name ?? "?"}) is ${width} bits`);
      }
    });
    const jsonActions = new Set(jt.actions ?? []);
    for (const ref of t.action_refs ?? []) {
      const actionName = actionNames.get(ref.id);
      if (actionName === undefined) reject(`P4Info table '${name}' refers to action id ${ref.id}, which the P4Info does not define`);
      if (!jsonActions.has(actionName)) reject(`P4Info table '${name}' lists action '${actionName}', which the device config's table does not`);
    }
  }
}

function checkActions(p4info: P4InfoMessage, json: BmvJson): void {
  const byName = new Map<string, JsonAction[]>();
  for (const a of json.actions) byName.set(a.name ?? "", [...(byName.get(a.name ?? "") ?? []), a]);
  for (const a of p4info.actions ?? []) {
    const name = a.preamble.name;
    const candidates = byName.get(name);
    if (!candidates) reject(`P4Info action '${name}' is not in the device config`);
    const params = a.params ?? [];
    // p4c may emit several JSON actions with one name (copies per call site); one must have this signature.
    const mismatches = candidates.map((ja) => {
      const data = ja.runtime_data ?? [];
      if (data.length !== params.length) return `has ${params.length} parameters, the device config's has ${data.length}`;
      const k = params.findIndex((p, n) => p.bitwidth !== data[n]!.bitwidth);
      return k < 0 ? undefined : `parameter '${params[k]!.name}' is ${params[k]!.bitwidth} bits, the device config's is ${data[k]!.bitwidth} bits`;
    });
    if (!mismatches.includes(undefined)) reject(`P4Info action '${name}' ${mismatches[0]!}`);
  }
}

function checkArrays(kind: string, objects: readonly { preamble: { name: string }; size?: string | number }[] | undefined, arrays: readonly JsonArray[] | undefined, direct: boolean): void {
  const byName = new Map((arrays ?? []).map((a) => [a.name ?? "", a]));
  for (const o of objects ?? []) {
    const name = o.preamble.name;
    const ja = byName.get(name);
    if (!ja) reject(`P4Info ${kind} '${name}' is not in the device config`);
    if (direct || o.size === undefined || ja.size === undefined) continue;
    if (Number(o.size) !== ja.size) reject(`P4Info ${kind} '${name}' has ${Number(o.size)} cells, the device config's has ${ja.size}`);
  }
}

/** Throws INVALID_ARGUMENT naming the first object where the P4Info and the BMv2 JSON disagree. */
export function checkP4InfoMatchesJson(p4info: P4InfoMessage, json: unknown): void {
  const j = asBmvJson(json);
  // Actions first: a table listing a broken action is reported as the action's fault.
  checkActions(p4info, j);
  checkTables(p4info, j);
  checkArrays("counter", p4info.counters as readonly P4InfoCounterLike[] | undefined, j.counter_arrays, false);
  checkArrays("direct counter", p4info.direct_counters, j.counter_arrays, true);
  checkArrays("meter", p4info.meters, j.meter_arrays, false);
  checkArrays("direct meter", p4info.direct_meters, j.meter_arrays, true);
  checkArrays("register", p4info.registers, j.register_arrays, false);
  for (const r of p4info.registers ?? []) {
    const width = r.type_spec?.bitstring?.bit?.bitwidth ?? r.type_spec?.bitstring?.int?.bitwidth;
    const ja = j.register_arrays?.find((a) => a.name === r.preamble.name);
    if (width !== undefined && ja?.bitwidth !== undefined && width !== ja.bitwidth) {
      reject(`P4Info register '${r.preamble.name}' holds ${width}-bit values, the device config's holds ${ja.bitwidth}-bit values`);
    }
  }
}
