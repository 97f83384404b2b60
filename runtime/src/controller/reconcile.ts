/**
 * Desired state vs. the switch's state: read back what the controller owns (whole tables, whole
 * action profiles, default actions), compute the smallest set of updates that turns one into
 * the other, and write them in an order the switch accepts.
 *
 * Order matters because one batch's updates may be applied in any order (P4Runtime 12.2):
 *   1. members inserted/modified   (groups may only name existing members)
 *   2. groups inserted/modified    (entries may only point at existing groups)
 *   3. table entries: inserts, modifies, deletes, default-action modifies
 *   4. groups deleted              (no entry points at them any more)
 *   5. members deleted             (no group holds them any more)
 * Entries outside the owned scope, const entries and counters are never touched.
 */
import { entityContent, entityIdentity } from "../p4rt/codec.ts";
import type { ActionProfileGroup, ActionProfileMember, Entity, TableEntry, Update } from "../p4rt/entities.ts";
import { group, member, modify, insert, remove, tableEntry } from "../p4rt/entities.ts";
import type { P4Schema } from "../p4rt/p4info.ts";
import type { Switch } from "../p4rt/switch.ts";
import { P4RuntimeError } from "../p4rt/errors.ts";

/** What the controller owns on the switch. */
export interface Scope {
  /** Tables whose non-default entries are entirely the controller's. */
  readonly tables: readonly string[];
  /** Action profiles whose members and groups are entirely the controller's. */
  readonly profiles: readonly string[];
  /** Tables whose default action the controller sets. */
  readonly defaultTables: readonly string[];
  /** Digests the controller configures (a switch sends none until its DigestEntry exists). */
  readonly digests: readonly string[];
}

export interface DesiredState {
  /** Table entries, members and groups; defaults are table entries with isDefault. */
  readonly entities: readonly Entity[];
}

export interface SwitchState {
  readonly entities: readonly Entity[];
  /** Digests whose configuration the switch cannot read back (real simple_switch_grpc); written blindly. */
  readonly unreadableDigests: ReadonlySet<string>;
}

export interface ReconcilePlan {
  /** Batches to write in order (empty batches dropped). */
  readonly batches: readonly (readonly Update[])[];
  readonly inserts: number;
  readonly modifies: number;
  readonly deletes: number;
}

export async function readOwnedState(sw: Switch, scope: Scope): Promise<SwitchState> {
  const entities: Entity[] = [];
  for (const table of scope.tables) entities.push(...(await sw.readAll(tableEntry(table))));
  for (const profile of scope.profiles) {
    entities.push(...(await sw.readAll(member(profile, 0))));
    entities.push(...(await sw.readAll(group(profile, 0))));
  }
  for (const table of scope.defaultTables) entities.push(...(await sw.readAll(tableEntry(table, { isDefault: true }))));
  const unreadableDigests = new Set<string>();
  for (const digest of scope.digests) {
    try {
      entities.push(...(await sw.readAll({ type: "digest_entry", digest })));
    } catch (err) {
      // Real simple_switch_grpc answers NOT_FOUND for a digest nobody configured yet: it has none.
      if (err instanceof P4RuntimeError && err.code === "NOT_FOUND") continue;
      if (!(err instanceof P4RuntimeError && (err.code === "UNIMPLEMENTED" || err.code === "UNKNOWN"))) throw err;
      unreadableDigests.add(digest);
    }
  }
  return { entities, unreadableDigests };
}

type Phase = "members" | "groups" | "entries" | "groupDeletes" | "memberDeletes";

function phaseOfWrite(e: Entity): Phase {
  return e.type === "action_profile_member" ? "members" : e.type === "action_profile_group" ? "groups" : "entries";
}

function phaseOfDelete(e: Entity): Phase {
  return e.type === "action_profile_member" ? "memberDeletes" : e.type === "action_profile_group" ? "groupDeletes" : "entries";
}

function isDefaultEntry(e: Entity): e is TableEntry {
  return e.type === "table_entry" && e.isDefault === true;
}

function isConst(e: Entity): boolean {
  return e.type === "table_entry" && e.isConst === true;
}

/** The minimal plan that makes the switch's owned state equal the desired state. */
export function planReconcile(schema: P4Schema, desired: DesiredState, current: SwitchState): ReconcilePlan {
  const phases: Record<Phase, Update[]> = { members: [], groups: [], entries: [], groupDeletes: [], memberDeletes: [] };
  const currentById = new Map<string, Entity>();
  for (const e of current.entities) currentById.set(entityIdentity(schema, e), e);
  const desiredIds = new Set<string>();
  let inserts = 0;
  let modifies = 0;
  let deletes = 0;
  for (const want of desired.entities) {
    if (want.type === "digest_entry" && current.unreadableDigests.has(want.digest)) continue;
    const id = entityIdentity(schema, want);
    desiredIds.add(id);
    const have = currentById.get(id);
    if (have === undefined) {
      if (isDefaultEntry(want)) {
        // A default action always exists; setting it is a MODIFY.
        phases.entries.push(modify(want));
        modifies++;
      } else {
        phases[phaseOfWrite(want)].push(insert(want));
        inserts++;
      }
    } else if (entityContent(schema, have) !== entityContent(schema, withGroupWeights(want))) {
      phases[phaseOfWrite(want)].push(modify(want));
      modifies++;
    }
  }
  for (const [id, have] of currentById) {
    if (desiredIds.has(id) || isDefaultEntry(have) || isConst(have)) continue;
    phases[phaseOfDelete(have)].push(remove(stripForDelete(have)));
    deletes++;
  }
  const batches = (["members", "groups", "entries", "groupDeletes", "memberDeletes"] as const).map((p) => phases[p]).filter((b) => b.length > 0);
  return { batches, inserts, modifies, deletes };
}

/** Groups read back carry explicit weights (1); compare desired groups the same way. */
function withGroupWeights(e: Entity): Entity {
  if (e.type !== "action_profile_group") return e;
  const g: ActionProfileGroup = { ...e, members: (e.members ?? []).map((m) => ({ memberId: m.memberId, weight: m.weight ?? 1 })) };
  return g;
}

/** A DELETE names the entity by its identity; counters and actions read back are dropped. */
function stripForDelete(e: Entity): Entity {
  switch (e.type) {
    case "table_entry": {
      const { counter: _c, isConst: _k, ...rest } = e;
      return rest;
    }
    case "action_profile_member": {
      const m: ActionProfileMember = { type: e.type, profile: e.profile, memberId: e.memberId };
      return m;
    }
    case "action_profile_group":
      return group(e.profile, e.groupId);
    default:
      return e;
  }
}

export async function applyPlan(sw: Switch, plan: ReconcilePlan): Promise<void> {
  for (const batch of plan.batches) await sw.write(batch);
}

/**
 * Configures digests the switch cannot read back: INSERT, and MODIFY when it already exists.
 * Returns how many were written. Only needed once per primary term (the config never changes).
 */
export async function configureUnreadableDigests(sw: Switch, desired: DesiredState, current: SwitchState): Promise<number> {
  let written = 0;
  for (const want of desired.entities) {
    if (want.type !== "digest_entry" || !current.unreadableDigests.has(want.digest)) continue;
    try {
      await sw.write([insert(want)]);
    } catch (err) {
      if (!(err instanceof P4RuntimeError && err.failures.some((f) => f.code === "ALREADY_EXISTS"))) throw err;
      await sw.write([modify(want)]);
    }
    written++;
  }
  return written;
}
