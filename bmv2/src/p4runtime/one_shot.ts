/**
 * One-shot action selector programming (spec "Action Selector
 * Programming"): a table entry carries its action set directly and the server
 * makes the members and the group behind it. A profile is programmed either
 * this way or with explicit members / groups, never both.
 */
import * as grpc from "@grpc/grpc-js";
import type { MemberHandle } from "../dataplane/api.ts";
import { actionToP4Runtime, translateAction } from "./action_calls.ts";
import { profileState, type OneShotRecord, type OneShotSet, type PipelineContext } from "./context.ts";
import type { ActionProfileAction } from "./messages.ts";
import type { P4InfoTable } from "./p4info_index.ts";
import { invalidArgument, P4RuntimeError } from "./status.ts";
import { toP4RuntimeError } from "./switch_calls.ts";

export const MIXED_MODES = "Invalid attempt to mix action selector programming modes";

export function profileHasOneShots(ctx: PipelineContext, profileId: number): boolean {
  for (const r of ctx.shadow.oneShots.values()) if (r.set.profileId === profileId) return true;
  return false;
}

/** Validates an action set for `table` without touching the data plane. */
export function checkActionSet(ctx: PipelineContext, table: P4InfoTable, actions: readonly ActionProfileAction[]): OneShotSet {
  const profileId = table.implementation_id ?? 0;
  const profile = ctx.index.actionProfiles.get(profileId);
  if (!profile) throw invalidArgument(`Table ${table.preamble.id} has no action profile`);
  const state = profileState(ctx.shadow, profileId);
  if (state.members.size > 0 || state.groups.size > 0) throw invalidArgument(MIXED_MODES);
  if (actions.length === 0) throw invalidArgument("Empty action profile action set");
  const withSelector = profile.with_selector === true;
  if (!withSelector && actions.length !== 1) throw invalidArgument(`Action profile ${profileId} has no selector: an action set holds exactly one action`);
  let weights = 0;
  const calls = actions.map((a) => {
    if ((a.weight ?? 0) <= 0) throw invalidArgument("Action set members need a positive weight");
    weights += a.weight ?? 0;
    return translateAction(ctx.index, table, a.action ?? {}, false);
  });
  const limit = profile.max_group_size ?? 0;
  if (limit > 0 && weights > limit) throw new P4RuntimeError(grpc.status.RESOURCE_EXHAUSTED, "Sum of member weights exceeds maximum group size");
  const canonical = actions.map((a, i) => ({ action: actionToP4Runtime(ctx.index, calls[i]!) ?? a.action ?? {}, weight: a.weight ?? 0 }));
  return { profileId, profileName: profile.preamble.name, calls, actions: canonical, withSelector };
}

/** Makes the members (and group) of a checked action set; all or nothing. */
export function createOneShot(ctx: PipelineContext, set: OneShotSet): OneShotRecord {
  const members: MemberHandle[] = [];
  const name = set.profileName;
  try {
    for (const call of set.calls) members.push(ctx.control.memberAdd(name, call));
    if (!set.withSelector) return { set, action: { kind: "member", member: members[0]! }, members, group: undefined };
    const group = ctx.control.groupCreate(name);
    try {
      for (const m of members) ctx.control.groupAddMember(name, group, m);
    } catch (err) {
      for (const m of ctx.control.groupMembers(name, group)) ctx.control.groupRemoveMember(name, group, m);
      ctx.control.groupDelete(name, group);
      throw err;
    }
    return { set, action: { kind: "group", group }, members, group };
  } catch (err) {
    for (const m of members) ctx.control.memberDelete(name, m);
    throw toP4RuntimeError(err);
  }
}

/** Removes what createOneShot made (the entry must no longer point at it). */
export function destroyOneShot(ctx: PipelineContext, record: OneShotRecord): void {
  const name = record.set.profileName;
  if (record.group !== undefined) {
    for (const m of record.members) ctx.control.groupRemoveMember(name, record.group, m);
    ctx.control.groupDelete(name, record.group);
  }
  for (const m of record.members) ctx.control.memberDelete(name, m);
}
