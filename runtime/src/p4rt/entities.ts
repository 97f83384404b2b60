/**
 * The name-based entities a client writes and reads: table entries, action profile members and
 * groups, counters, registers, digests, packet replication. Values accept any P4Value on the way
 * in; what comes back from a Read has bigints in the same places, so a read entity can be written
 * again as it is.
 */
import type { P4Value } from "./values.ts";

/**
 * A key field value. A bare value is an exact (or optional) match, or a full-width LPM/ternary;
 * "10.0.0.0/8" is an LPM prefix; objects spell out LPM, ternary and range.
 */
export type MatchValue =
  | P4Value
  | { readonly value: P4Value; readonly prefixLen: number }
  | { readonly value: P4Value; readonly mask: P4Value }
  | { readonly low: P4Value; readonly high: P4Value };

export type Match = Readonly<Record<string, MatchValue>>;

export interface ActionCall {
  readonly name: string;
  readonly params?: Readonly<Record<string, P4Value>>;
}

export type TableAction =
  | { readonly kind: "action"; readonly action: ActionCall }
  | { readonly kind: "member"; readonly memberId: number }
  | { readonly kind: "group"; readonly groupId: number }
  | { readonly kind: "action_set"; readonly actions: readonly { readonly action: ActionCall; readonly weight: number }[] };

export interface CounterData {
  readonly packets: bigint;
  readonly bytes: bigint;
}

export interface TableEntry {
  readonly type: "table_entry";
  /** Table name; "" (or omitted when reading) means every table (wildcard read). */
  readonly table: string;
  readonly match?: Match;
  readonly action?: TableAction;
  readonly priority?: number;
  readonly isDefault?: boolean;
  readonly counter?: CounterData;
  readonly metadata?: Uint8Array;
  /** Set on read for entries the controller may not change. */
  readonly isConst?: boolean;
}

export interface ActionProfileMember {
  readonly type: "action_profile_member";
  readonly profile: string;
  /** 0 on read means every member. */
  readonly memberId: number;
  readonly action?: ActionCall;
}

export interface GroupMember {
  readonly memberId: number;
  readonly weight?: number;
}

export interface ActionProfileGroup {
  readonly type: "action_profile_group";
  readonly profile: string;
  /** 0 on read means every group. */
  readonly groupId: number;
  readonly members?: readonly GroupMember[];
  readonly maxSize?: number;
}

export interface CounterEntry {
  readonly type: "counter_entry";
  readonly counter: string;
  /** Omitted on read means every index. */
  readonly index?: number;
  readonly data?: CounterData;
}

export interface DirectCounterEntry {
  readonly type: "direct_counter_entry";
  /** The table entry whose counter this is; a TableEntry with no match reads all of the table's counters. */
  readonly entry: TableEntry;
  readonly data?: CounterData;
}

export interface RegisterEntry {
  readonly type: "register_entry";
  readonly register: string;
  readonly index?: number;
  readonly value?: P4Value;
}

export interface DigestEntry {
  readonly type: "digest_entry";
  readonly digest: string;
  readonly config?: { readonly maxTimeoutNs: bigint; readonly maxListSize: number; readonly ackTimeoutNs: bigint };
}

export interface Replica {
  readonly port: number;
  readonly instance: number;
}

export interface MulticastGroupEntry {
  readonly type: "multicast_group_entry";
  readonly groupId: number;
  readonly replicas?: readonly Replica[];
}

export interface CloneSessionEntry {
  readonly type: "clone_session_entry";
  readonly sessionId: number;
  readonly replicas?: readonly Replica[];
  readonly classOfService?: number;
  readonly packetLengthBytes?: number;
}

export type Entity =
  | TableEntry
  | ActionProfileMember
  | ActionProfileGroup
  | CounterEntry
  | DirectCounterEntry
  | RegisterEntry
  | DigestEntry
  | MulticastGroupEntry
  | CloneSessionEntry;

export type UpdateType = "INSERT" | "MODIFY" | "DELETE";

export interface Update {
  readonly type: UpdateType;
  readonly entity: Entity;
}

/* Builders: short, readable ways to spell entities and updates. */

export function action(name: string, params?: Readonly<Record<string, P4Value>>): TableAction {
  return { kind: "action", action: params ? { name, params } : { name } };
}

export function memberAction(memberId: number): TableAction {
  return { kind: "member", memberId };
}

export function groupAction(groupId: number): TableAction {
  return { kind: "group", groupId };
}

export function tableEntry(
  table: string,
  fields: { readonly match?: Match; readonly action?: TableAction; readonly priority?: number; readonly isDefault?: boolean } = {},
): TableEntry {
  return { type: "table_entry", table, ...fields };
}

export function member(profile: string, memberId: number, call?: ActionCall): ActionProfileMember {
  return call ? { type: "action_profile_member", profile, memberId, action: call } : { type: "action_profile_member", profile, memberId };
}

export function group(profile: string, groupId: number, members?: readonly GroupMember[], maxSize?: number): ActionProfileGroup {
  return { type: "action_profile_group", profile, groupId, ...(members ? { members } : {}), ...(maxSize !== undefined ? { maxSize } : {}) };
}

export function counterEntry(counter: string, index?: number, data?: CounterData): CounterEntry {
  return { type: "counter_entry", counter, ...(index !== undefined ? { index } : {}), ...(data ? { data } : {}) };
}

export function registerEntry(register: string, index?: number, value?: P4Value): RegisterEntry {
  return { type: "register_entry", register, ...(index !== undefined ? { index } : {}), ...(value !== undefined ? { value } : {}) };
}

export const insert = (entity: Entity): Update => ({ type: "INSERT", entity });
export const modify = (entity: Entity): Update => ({ type: "MODIFY", entity });
export const remove = (entity: Entity): Update => ({ type: "DELETE", entity });
