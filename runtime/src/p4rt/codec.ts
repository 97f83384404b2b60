/**
 * Translation between name-based entities and P4Runtime protobuf objects (the snake_case plain
 * objects of bmv2/src/p4runtime/proto.ts), in both directions, plus stable identity and content
 * strings of encoded entities so callers can diff a desired state against what the switch holds.
 *
 * Encoding is canonical (P4Runtime spec 8.3 and 9.1): minimal byte strings, LPM/ternary values
 * masked, don't-care fields (prefix 0, mask 0, full range) left out, match fields in id order.
 */
import type {
  ActionCall,
  CounterData,
  Entity,
  Match,
  MatchValue,
  Replica,
  TableAction,
  TableEntry,
} from "./entities.ts";
import { P4InfoError, type P4InfoAction, type P4InfoTable, type P4Schema, type ResolvedField } from "./p4info.ts";
import { canonicalBytes, decodeValue, encodeValue, fullMask, prefixMask, toBigint, type P4Value, P4ValueError } from "./values.ts";

/** A protobuf message as a plain object (see bmv2/src/p4runtime/proto.ts for the conventions). */
export type ProtoObject = { [field: string]: unknown };

type Bytes = Uint8Array;

function bytesOf(v: unknown): Bytes {
  return v instanceof Uint8Array ? v : new Uint8Array();
}

function num(v: unknown): number {
  return v === undefined || v === null ? 0 : Number(v);
}

function big(v: unknown): bigint {
  return v === undefined || v === null || v === "" ? 0n : BigInt(v as string | number | bigint);
}

function obj(v: unknown): ProtoObject | undefined {
  return typeof v === "object" && v !== null && !(v instanceof Uint8Array) ? (v as ProtoObject) : undefined;
}

function list(v: unknown): ProtoObject[] {
  return Array.isArray(v) ? (v as ProtoObject[]) : [];
}

/** Which member of a oneof a decoded message holds (proto-loader names it; encoded objects just have the field). */
function oneof(message: ProtoObject, discriminator: string, members: readonly string[]): string | undefined {
  const named = message[discriminator];
  if (typeof named === "string" && members.includes(named)) return named;
  return members.find((m) => message[m] !== undefined && message[m] !== null);
}

/* ---------- match fields ---------- */

function encodeFieldMatch(field: ResolvedField, value: MatchValue): ProtoObject | undefined {
  const w = field.bitwidth;
  const what = `match field ${field.name}`;
  switch (field.kind) {
    case "exact":
      if (typeof value === "object" && !(value instanceof Uint8Array)) throw new P4ValueError(`${what} is exact; give a plain value`);
      return { field_id: field.id, exact: { value: encodeValue(value, w, what) } };
    case "optional":
      if (typeof value === "object" && !(value instanceof Uint8Array)) throw new P4ValueError(`${what} is optional; give a plain value`);
      return { field_id: field.id, optional: { value: encodeValue(value, w, what) } };
    case "lpm": {
      let v: bigint;
      let prefixLen: number;
      if (typeof value === "string" && value.includes("/")) {
        const [addr, len] = value.split("/");
        v = toBigint(addr!);
        prefixLen = Number(len);
      } else if (typeof value === "object" && !(value instanceof Uint8Array) && "prefixLen" in value) {
        v = toBigint(value.value);
        prefixLen = value.prefixLen;
      } else if (typeof value !== "object" || value instanceof Uint8Array) {
        v = toBigint(value);
        prefixLen = w;
      } else {
        throw new P4ValueError(`${what} is LPM; give "addr/len", {value, prefixLen} or a plain value`);
      }
      if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > w) throw new P4ValueError(`${what}: prefix length ${prefixLen} out of 0..${w}`);
      if (prefixLen === 0) return undefined;
      return { field_id: field.id, lpm: { value: encodeValue(v & prefixMask(prefixLen, w), w, what), prefix_len: prefixLen } };
    }
    case "ternary": {
      let v: bigint;
      let mask: bigint;
      if (typeof value === "object" && !(value instanceof Uint8Array) && "mask" in value) {
        v = toBigint(value.value);
        mask = toBigint(value.mask);
      } else if (typeof value !== "object" || value instanceof Uint8Array) {
        v = toBigint(value);
        mask = fullMask(w);
      } else {
        throw new P4ValueError(`${what} is ternary; give {value, mask} or a plain value`);
      }
      if (mask === 0n) return undefined;
      return { field_id: field.id, ternary: { value: encodeValue(v & mask, w, what), mask: encodeValue(mask, w, what) } };
    }
    case "range": {
      if (typeof value !== "object" || value instanceof Uint8Array || !("low" in value)) {
        const v = toBigint(value as P4Value);
        return { field_id: field.id, range: { low: encodeValue(v, w, what), high: encodeValue(v, w, what) } };
      }
      const low = toBigint(value.low);
      const high = toBigint(value.high);
      if (low > high) throw new P4ValueError(`${what}: range low ${low} > high ${high}`);
      if (low === 0n && high === fullMask(w)) return undefined;
      return { field_id: field.id, range: { low: encodeValue(low, w, what), high: encodeValue(high, w, what) } };
    }
  }
}

function encodeMatch(schema: P4Schema, table: P4InfoTable, match: Match | undefined): ProtoObject[] {
  const out: ProtoObject[] = [];
  for (const [name, value] of Object.entries(match ?? {})) {
    if (value === "*") continue;
    const fm = encodeFieldMatch(schema.matchField(table, name), value);
    if (fm) out.push(fm);
  }
  return out.sort((a, b) => num(a.field_id) - num(b.field_id));
}

function decodeMatch(schema: P4Schema, table: P4InfoTable, matches: readonly ProtoObject[]): Record<string, MatchValue> {
  const out: Record<string, MatchValue> = {};
  for (const m of matches) {
    const field = schema.matchField(table, num(m.field_id));
    const kind = oneof(m, "field_match_type", ["exact", "ternary", "lpm", "range", "optional"]);
    const body = obj(kind ? m[kind] : undefined) ?? {};
    switch (kind) {
      case "exact":
      case "optional":
        out[field.name] = decodeValue(bytesOf(body.value));
        break;
      case "lpm":
        out[field.name] = { value: decodeValue(bytesOf(body.value)), prefixLen: num(body.prefix_len) };
        break;
      case "ternary":
        out[field.name] = { value: decodeValue(bytesOf(body.value)), mask: decodeValue(bytesOf(body.mask)) };
        break;
      case "range":
        out[field.name] = { low: decodeValue(bytesOf(body.low)), high: decodeValue(bytesOf(body.high)) };
        break;
      default:
        throw new P4InfoError(`field ${field.name}: unsupported match kind in read-back entry`);
    }
  }
  return out;
}

/* ---------- actions ---------- */

export function encodeActionCall(schema: P4Schema, call: ActionCall): ProtoObject {
  const info = schema.actions.get(call.name);
  const given = call.params ?? {};
  for (const name of Object.keys(given)) schema.param(info, name);
  const params = (info.params ?? []).map((p) => {
    const value = given[p.name];
    if (value === undefined) throw new P4ValueError(`action ${info.preamble.name} needs parameter '${p.name}'`);
    return { param_id: p.id, value: encodeValue(value, p.bitwidth, `parameter ${p.name} of ${info.preamble.name}`) };
  });
  return { action_id: info.preamble.id, params };
}

function decodeActionCall(schema: P4Schema, action: ProtoObject): ActionCall {
  const info: P4InfoAction = schema.actions.get(num(action.action_id));
  const params: Record<string, bigint> = {};
  for (const p of list(action.params)) params[schema.param(info, num(p.param_id)).name] = decodeValue(bytesOf(p.value));
  return { name: info.preamble.name, params };
}

function encodeTableAction(schema: P4Schema, action: TableAction): ProtoObject {
  switch (action.kind) {
    case "action":
      return { action: encodeActionCall(schema, action.action) };
    case "member":
      return { action_profile_member_id: action.memberId };
    case "group":
      return { action_profile_group_id: action.groupId };
    case "action_set":
      return {
        action_profile_action_set: {
          action_profile_actions: action.actions.map((a) => ({ action: encodeActionCall(schema, a.action), weight: a.weight })),
        },
      };
  }
}

function decodeTableAction(schema: P4Schema, action: ProtoObject): TableAction | undefined {
  const kind = oneof(action, "type", ["action", "action_profile_member_id", "action_profile_group_id", "action_profile_action_set"]);
  switch (kind) {
    case "action":
      return { kind: "action", action: decodeActionCall(schema, obj(action.action)!) };
    case "action_profile_member_id":
      return { kind: "member", memberId: num(action.action_profile_member_id) };
    case "action_profile_group_id":
      return { kind: "group", groupId: num(action.action_profile_group_id) };
    case "action_profile_action_set":
      return {
        kind: "action_set",
        actions: list(obj(action.action_profile_action_set)?.action_profile_actions).map((a) => ({
          action: decodeActionCall(schema, obj(a.action)!),
          weight: num(a.weight),
        })),
      };
    default:
      return undefined;
  }
}

/* ---------- entities ---------- */

const counterData = (d: CounterData): ProtoObject => ({ byte_count: d.bytes.toString(), packet_count: d.packets.toString() });
const decodeCounterData = (d: ProtoObject | undefined): CounterData | undefined =>
  d ? { bytes: big(d.byte_count), packets: big(d.packet_count) } : undefined;

function encodeTableEntry(schema: P4Schema, e: TableEntry): ProtoObject {
  if (e.table === "") return { table_id: 0 };
  const table = schema.tables.get(e.table);
  const out: ProtoObject = { table_id: table.preamble.id, match: encodeMatch(schema, table, e.match) };
  if (e.action) out.action = encodeTableAction(schema, e.action);
  if (e.priority !== undefined) out.priority = e.priority;
  if (e.isDefault) out.is_default_action = true;
  if (e.counter) out.counter_data = counterData(e.counter);
  if (e.metadata) out.metadata = e.metadata;
  return out;
}

function decodeTableEntry(schema: P4Schema, e: ProtoObject): TableEntry {
  const table = schema.tables.get(num(e.table_id));
  const action = obj(e.action) ? decodeTableAction(schema, obj(e.action)!) : undefined;
  const counter = decodeCounterData(obj(e.counter_data));
  const metadata = bytesOf(e.metadata);
  return {
    type: "table_entry",
    table: table.preamble.name,
    match: decodeMatch(schema, table, list(e.match)),
    ...(action ? { action } : {}),
    ...(num(e.priority) !== 0 ? { priority: num(e.priority) } : {}),
    ...(e.is_default_action ? { isDefault: true } : {}),
    ...(counter ? { counter } : {}),
    ...(metadata.length > 0 ? { metadata } : {}),
    ...(e.const ? { isConst: true } : {}),
  };
}

const index = (i: number | undefined): ProtoObject | undefined => (i === undefined ? undefined : { index: String(i) });

function registerWidth(schema: P4Schema, name: string): number {
  return schema.registers.get(name).type_spec?.bitstring?.bit?.bitwidth ?? 0;
}

const replicas = (rs: readonly Replica[] | undefined): ProtoObject[] =>
  (rs ?? []).map((r) => ({ port: canonicalBytes(BigInt(r.port)), instance: r.instance }));
const decodeReplicas = (rs: unknown): Replica[] =>
  list(rs).map((r) => ({
    port: r.port instanceof Uint8Array && r.port.length > 0 ? Number(decodeValue(r.port)) : num(r.egress_port),
    instance: num(r.instance),
  }));

/** Encodes an entity into a p4.v1.Entity object. */
export function encodeEntity(schema: P4Schema, entity: Entity): ProtoObject {
  switch (entity.type) {
    case "table_entry":
      return { table_entry: encodeTableEntry(schema, entity) };
    case "action_profile_member": {
      const profile = schema.actionProfiles.get(entity.profile);
      return {
        action_profile_member: {
          action_profile_id: profile.preamble.id,
          member_id: entity.memberId,
          ...(entity.action ? { action: encodeActionCall(schema, entity.action) } : {}),
        },
      };
    }
    case "action_profile_group": {
      const profile = schema.actionProfiles.get(entity.profile);
      return {
        action_profile_group: {
          action_profile_id: profile.preamble.id,
          group_id: entity.groupId,
          members: (entity.members ?? []).map((m) => ({ member_id: m.memberId, weight: m.weight ?? 1 })),
          ...(entity.maxSize !== undefined ? { max_size: entity.maxSize } : {}),
        },
      };
    }
    case "counter_entry":
      return {
        counter_entry: {
          counter_id: entity.counter === "" ? 0 : schema.counters.get(entity.counter).preamble.id,
          ...(entity.index !== undefined ? { index: index(entity.index) } : {}),
          ...(entity.data ? { data: counterData(entity.data) } : {}),
        },
      };
    case "direct_counter_entry":
      return {
        direct_counter_entry: {
          table_entry: encodeTableEntry(schema, entity.entry),
          ...(entity.data ? { data: counterData(entity.data) } : {}),
        },
      };
    case "register_entry": {
      const id = entity.register === "" ? 0 : schema.registers.get(entity.register).preamble.id;
      return {
        register_entry: {
          register_id: id,
          ...(entity.index !== undefined ? { index: index(entity.index) } : {}),
          ...(entity.value !== undefined
            ? { data: { bitstring: encodeValue(entity.value, registerWidth(schema, entity.register), `register ${entity.register}`) } }
            : {}),
        },
      };
    }
    case "digest_entry":
      return {
        digest_entry: {
          digest_id: schema.digests.get(entity.digest).preamble.id,
          ...(entity.config
            ? {
                config: {
                  max_timeout_ns: entity.config.maxTimeoutNs.toString(),
                  max_list_size: entity.config.maxListSize,
                  ack_timeout_ns: entity.config.ackTimeoutNs.toString(),
                },
              }
            : {}),
        },
      };
    case "multicast_group_entry":
      return {
        packet_replication_engine_entry: { multicast_group_entry: { multicast_group_id: entity.groupId, replicas: replicas(entity.replicas) } },
      };
    case "clone_session_entry":
      return {
        packet_replication_engine_entry: {
          clone_session_entry: {
            session_id: entity.sessionId,
            replicas: replicas(entity.replicas),
            class_of_service: entity.classOfService ?? 0,
            packet_length_bytes: entity.packetLengthBytes ?? 0,
          },
        },
      };
  }
}

const ENTITY_KINDS = [
  "table_entry",
  "action_profile_member",
  "action_profile_group",
  "counter_entry",
  "direct_counter_entry",
  "register_entry",
  "digest_entry",
  "packet_replication_engine_entry",
  "meter_entry",
  "direct_meter_entry",
  "value_set_entry",
  "extern_entry",
] as const;

/** Decodes a p4.v1.Entity object; undefined for entity kinds this client does not model (meters, value sets, externs). */
export function decodeEntity(schema: P4Schema, entity: ProtoObject): Entity | undefined {
  const kind = oneof(entity, "entity", ENTITY_KINDS);
  const body = kind ? obj(entity[kind]) : undefined;
  if (!body) return undefined;
  switch (kind) {
    case "table_entry":
      return decodeTableEntry(schema, body);
    case "action_profile_member": {
      const profile = schema.actionProfiles.get(num(body.action_profile_id));
      const action = obj(body.action);
      return {
        type: "action_profile_member",
        profile: profile.preamble.name,
        memberId: num(body.member_id),
        ...(action ? { action: decodeActionCall(schema, action) } : {}),
      };
    }
    case "action_profile_group": {
      const profile = schema.actionProfiles.get(num(body.action_profile_id));
      return {
        type: "action_profile_group",
        profile: profile.preamble.name,
        groupId: num(body.group_id),
        members: list(body.members).map((m) => ({ memberId: num(m.member_id), weight: num(m.weight) })),
        ...(num(body.max_size) !== 0 ? { maxSize: num(body.max_size) } : {}),
      };
    }
    case "counter_entry": {
      const data = decodeCounterData(obj(body.data));
      return {
        type: "counter_entry",
        counter: schema.counters.get(num(body.counter_id)).preamble.name,
        index: num(obj(body.index)?.index),
        ...(data ? { data } : {}),
      };
    }
    case "direct_counter_entry": {
      const data = decodeCounterData(obj(body.data));
      return { type: "direct_counter_entry", entry: decodeTableEntry(schema, obj(body.table_entry) ?? {}), ...(data ? { data } : {}) };
    }
    case "register_entry": {
      const data = obj(body.data);
      return {
        type: "register_entry",
        register: schema.registers.get(num(body.register_id)).preamble.name,
        index: num(obj(body.index)?.index),
        ...(data && data.bitstring instanceof Uint8Array ? { value: decodeValue(data.bitstring) } : {}),
      };
    }
    case "digest_entry": {
      const config = obj(body.config);
      return {
        type: "digest_entry",
        digest: schema.digests.get(num(body.digest_id)).preamble.name,
        ...(config
          ? { config: { maxTimeoutNs: big(config.max_timeout_ns), maxListSize: num(config.max_list_size), ackTimeoutNs: big(config.ack_timeout_ns) } }
          : {}),
      };
    }
    case "packet_replication_engine_entry": {
      const mc = obj(body.multicast_group_entry);
      if (mc) return { type: "multicast_group_entry", groupId: num(mc.multicast_group_id), replicas: decodeReplicas(mc.replicas) };
      const cs = obj(body.clone_session_entry);
      if (cs) {
        return {
          type: "clone_session_entry",
          sessionId: num(cs.session_id),
          replicas: decodeReplicas(cs.replicas),
          classOfService: num(cs.class_of_service),
          packetLengthBytes: num(cs.packet_length_bytes),
        };
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/* ---------- digests ---------- */

function decodeP4DataBits(data: ProtoObject): bigint {
  if (data.bitstring instanceof Uint8Array) return decodeValue(data.bitstring);
  if (typeof data.bool === "boolean") return data.bool ? 1n : 0n;
  return 0n;
}

/** Decodes one digest list item (a struct or tuple of bit strings) into field name -> value. */
export function decodeDigestData(schema: P4Schema, digestId: number, data: ProtoObject): Record<string, bigint> {
  const digest = schema.digests.get(digestId);
  const fields = schema.digestFields(digest);
  const structLike = obj(data.struct) ?? obj(data.tuple);
  const members = structLike ? list(structLike.members) : [data];
  const out: Record<string, bigint> = {};
  members.forEach((m, i) => {
    out[fields[i]?.name ?? String(i)] = decodeP4DataBits(m);
  });
  return out;
}

/* ---------- identity and content, for diffs ---------- */

/** JSON with sorted keys and bytes as hex, so equal messages give equal strings. */
function stable(v: unknown): string {
  if (v instanceof Uint8Array) return JSON.stringify(Buffer.from(v).toString("hex"));
  if (Array.isArray(v)) return `[${v.map(stable).join(",")}]`;
  if (typeof v === "object" && v !== null) {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined && x !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stable(x)}`).join(",")}}`;
  }
  return JSON.stringify(typeof v === "bigint" ? v.toString() : v);
}

/** What names an entity on the switch (table + key + priority, profile + member id, ...): two entities with the same identity are the same entry. */
export function entityIdentity(schema: P4Schema, entity: Entity): string {
  switch (entity.type) {
    case "table_entry": {
      const e = encodeTableEntry(schema, entity);
      return stable({ t: e.table_id, m: e.match, p: e.priority ?? 0, d: e.is_default_action ?? false });
    }
    case "action_profile_member":
      return stable({ ap: schema.actionProfiles.get(entity.profile).preamble.id, m: entity.memberId });
    case "action_profile_group":
      return stable({ ap: schema.actionProfiles.get(entity.profile).preamble.id, g: entity.groupId });
    case "counter_entry":
      return stable({ c: schema.counters.get(entity.counter).preamble.id, i: entity.index ?? -1 });
    case "direct_counter_entry":
      return stable({ dc: entityIdentity(schema, entity.entry) });
    case "register_entry":
      return stable({ r: schema.registers.get(entity.register).preamble.id, i: entity.index ?? -1 });
    case "digest_entry":
      return stable({ d: schema.digests.get(entity.digest).preamble.id });
    case "multicast_group_entry":
      return stable({ mc: entity.groupId });
    case "clone_session_entry":
      return stable({ cs: entity.sessionId });
  }
}

/** The written content of an entity (identity plus action, members, value), ignoring counters that the data plane changes. */
export function entityContent(schema: P4Schema, entity: Entity): string {
  if (entity.type === "table_entry") {
    const { counter: _counter, isConst: _const, ...rest } = entity;
    return stable(encodeTableEntry(schema, rest));
  }
  if (entity.type === "action_profile_group") {
    // Member order on the switch is not part of the group's meaning.
    const members = [...(entity.members ?? [])].map((m) => ({ memberId: m.memberId, weight: m.weight ?? 1 })).sort((a, b) => a.memberId - b.memberId);
    return stable(encodeEntity(schema, { ...entity, members, maxSize: undefined }));
  }
  return stable(encodeEntity(schema, entity));
}
