/**
 * TypeScript shapes of the p4.v1 messages as proto.ts decodes them (snake_case,
 * 64-bit as strings, bytes as Buffer, enums as names, oneof name properties).
 * Fields are optional because clients may build partial objects; the server
 * receives them decoded with defaults.
 */

export type Bytes = Uint8Array;
export type Int64 = string | number | bigint;

export interface FieldMatch {
  field_id?: number;
  field_match_type?: "exact" | "ternary" | "lpm" | "range" | "optional" | "other";
  exact?: { value?: Bytes } | null;
  ternary?: { value?: Bytes; mask?: Bytes } | null;
  lpm?: { value?: Bytes; prefix_len?: number } | null;
  range?: { low?: Bytes; high?: Bytes } | null;
  optional?: { value?: Bytes } | null;
  other?: unknown;
}

export interface ActionParam {
  param_id?: number;
  value?: Bytes;
}

export interface Action {
  action_id?: number;
  params?: ActionParam[];
}

export interface ActionProfileAction {
  action?: Action | null;
  weight?: number;
  watch?: number;
  watch_port?: Bytes;
}

export interface TableAction {
  type?: "action" | "action_profile_member_id" | "action_profile_group_id" | "action_profile_action_set";
  action?: Action | null;
  action_profile_member_id?: number;
  action_profile_group_id?: number;
  action_profile_action_set?: { action_profile_actions?: ActionProfileAction[] } | null;
}

export interface CounterData {
  byte_count?: Int64;
  packet_count?: Int64;
}

export interface MeterConfig {
  cir?: Int64;
  cburst?: Int64;
  pir?: Int64;
  pburst?: Int64;
}

export interface TableEntry {
  table_id?: number;
  match?: FieldMatch[];
  action?: TableAction | null;
  priority?: number;
  controller_metadata?: Int64;
  meter_config?: MeterConfig | null;
  counter_data?: CounterData | null;
  meter_counter_data?: unknown;
  is_default_action?: boolean;
  idle_timeout_ns?: Int64;
  time_since_last_hit?: unknown;
  metadata?: Bytes;
  const?: boolean;
}

export interface Index {
  index?: Int64;
}

export interface ActionProfileMember {
  action_profile_id?: number;
  member_id?: number;
  action?: Action | null;
}

export interface ActionProfileGroupMember {
  member_id?: number;
  weight?: number;
  watch?: number;
  watch_port?: Bytes;
}

export interface ActionProfileGroup {
  action_profile_id?: number;
  group_id?: number;
  members?: ActionProfileGroupMember[];
  max_size?: number;
}

export interface CounterEntry {
  counter_id?: number;
  index?: Index | null;
  data?: CounterData | null;
}

export interface DirectCounterEntry {
  table_entry?: TableEntry | null;
  data?: CounterData | null;
}

export interface MeterEntry {
  meter_id?: number;
  index?: Index | null;
  config?: MeterConfig | null;
  counter_data?: unknown;
}

export interface DirectMeterEntry {
  table_entry?: TableEntry | null;
  config?: MeterConfig | null;
  counter_data?: unknown;
}

export interface Replica {
  port_kind?: "egress_port" | "port";
  egress_port?: number;
  port?: Bytes;
  instance?: number;
}

export interface MulticastGroupEntry {
  multicast_group_id?: number;
  replicas?: Replica[];
}

export interface CloneSessionEntry {
  session_id?: number;
  replicas?: Replica[];
  class_of_service?: number;
  packet_length_bytes?: number;
}

export interface PacketReplicationEngineEntry {
  type?: "multicast_group_entry" | "clone_session_entry";
  multicast_group_entry?: MulticastGroupEntry | null;
  clone_session_entry?: CloneSessionEntry | null;
}

export interface ValueSetEntry {
  value_set_id?: number;
  members?: { match?: FieldMatch[] }[];
}

export interface P4Data {
  data?: string;
  bitstring?: Bytes;
  struct?: { members?: P4Data[] } | null;
  tuple?: { members?: P4Data[] } | null;
  bool?: boolean;
}

export interface RegisterEntry {
  register_id?: number;
  index?: Index | null;
  data?: P4Data | null;
}

export interface DigestConfig {
  max_timeout_ns?: Int64;
  max_list_size?: number;
  ack_timeout_ns?: Int64;
}

export interface DigestEntry {
  digest_id?: number;
  config?: DigestConfig | null;
}

export type EntityKind =
  | "extern_entry"
  | "table_entry"
  | "action_profile_member"
  | "action_profile_group"
  | "meter_entry"
  | "direct_meter_entry"
  | "counter_entry"
  | "direct_counter_entry"
  | "packet_replication_engine_entry"
  | "value_set_entry"
  | "register_entry"
  | "digest_entry";

export interface Entity {
  entity?: EntityKind;
  extern_entry?: unknown;
  table_entry?: TableEntry | null;
  action_profile_member?: ActionProfileMember | null;
  action_profile_group?: ActionProfileGroup | null;
  meter_entry?: MeterEntry | null;
  direct_meter_entry?: DirectMeterEntry | null;
  counter_entry?: CounterEntry | null;
  direct_counter_entry?: DirectCounterEntry | null;
  packet_replication_engine_entry?: PacketReplicationEngineEntry | null;
  value_set_entry?: ValueSetEntry | null;
  register_entry?: RegisterEntry | null;
  digest_entry?: DigestEntry | null;
}

export type UpdateType = "UNSPECIFIED" | "INSERT" | "MODIFY" | "DELETE";

export interface Update {
  type?: UpdateType | number;
  entity?: Entity | null;
}

/** Which oneof member of an Entity is set (the `entity` name property, or the first non-null member). */
export function entityKind(entity: Entity): EntityKind | undefined {
  if (entity.entity) return entity.entity;
  const kinds: EntityKind[] = [
    "table_entry",
    "action_profile_member",
    "action_profile_group",
    "meter_entry",
    "direct_meter_entry",
    "counter_entry",
    "direct_counter_entry",
    "packet_replication_engine_entry",
    "value_set_entry",
    "register_entry",
    "digest_entry",
    "extern_entry",
  ];
  return kinds.find((k) => entity[k] !== undefined && entity[k] !== null);
}
