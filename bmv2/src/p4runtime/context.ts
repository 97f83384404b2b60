/**
 * What the entity handlers share: the P4Info of the committed pipeline, the
 * data plane's control surface, and the P4Runtime state the data plane does
 * not keep itself (member / group ids, replication and meter configs, value
 * set contents, per-entry controller metadata).
 */
import type { ActionCall, ControlPlane, EntryAction, EntryHandle, GroupHandle, MemberHandle, TableInfo } from "../dataplane/api.ts";
import type { P4InfoIndex } from "./p4info_index.ts";
import type { Action, ActionProfileAction, ActionProfileGroupMember, CloneSessionEntry, MeterConfig, MulticastGroupEntry, ValueSetEntry } from "./messages.ts";

/** Restores what one applied update changed (ROLLBACK_ON_ERROR / DATAPLANE_ATOMIC batches). */
export type Undo = () => void;

export interface MemberRecord {
  readonly handle: MemberHandle;
  action: Action;
}

export interface GroupRecord {
  readonly handle: GroupHandle;
  members: ActionProfileGroupMember[];
  readonly maxSize: number;
}

export interface ProfileState {
  readonly members: Map<number, MemberRecord>;
  readonly groups: Map<number, GroupRecord>;
}

/** A checked one-shot action set: enough to (re)create its members and group. */
export interface OneShotSet {
  readonly profileId: number;
  readonly profileName: string;
  readonly calls: readonly ActionCall[];
  /** Canonical form, for reads. */
  readonly actions: readonly ActionProfileAction[];
  readonly withSelector: boolean;
}

/** The hidden members (and group) behind a table entry programmed with a one-shot action set. */
export interface OneShotRecord {
  readonly set: OneShotSet;
  /** What the table entry points at. */
  readonly action: EntryAction;
  readonly members: readonly MemberHandle[];
  readonly group: GroupHandle | undefined;
}

export interface EntryExtras {
  readonly metadata: Uint8Array;
  readonly controllerMetadata: string;
  readonly idleTimeoutNs: string;
}

export interface ShadowState {
  /** Per action profile (P4Info id). */
  readonly profiles: Map<number, ProfileState>;
  readonly multicastGroups: Map<number, MulticastGroupEntry>;
  readonly cloneSessions: Map<number, CloneSessionEntry>;
  /** Indirect meter configs, key `${meterId}/${index}`. */
  readonly meterConfigs: Map<string, MeterConfig>;
  readonly valueSets: Map<number, ValueSetEntry>;
  /** Opaque per-entry fields the controller may read back, key `${tableName}/${handle}`. */
  readonly entryExtras: Map<string, EntryExtras>;
  /** One-shot action sets by entry, key `${tableName}/${handle}`. */
  readonly oneShots: Map<string, OneShotRecord>;
}

export function emptyShadowState(): ShadowState {
  return {
    profiles: new Map(),
    multicastGroups: new Map(),
    cloneSessions: new Map(),
    meterConfigs: new Map(),
    valueSets: new Map(),
    entryExtras: new Map(),
    oneShots: new Map(),
  };
}

export interface PipelineContext {
  readonly index: P4InfoIndex;
  readonly control: ControlPlane;
  readonly shadow: ShadowState;
  /** The data plane's table descriptions, by JSON name, filled as updates name the tables. */
  readonly tableInfos: Map<string, TableInfo>;
}

export function profileState(shadow: ShadowState, profileId: number): ProfileState {
  let p = shadow.profiles.get(profileId);
  if (!p) {
    p = { members: new Map(), groups: new Map() };
    shadow.profiles.set(profileId, p);
  }
  return p;
}

export const extrasKey = (table: string, handle: EntryHandle): string => `${table}/${handle}`;
