/**
 * Action profile members and groups. P4Runtime names them by controller-chosen
 * ids; the data plane by handles it allocates, so the id <-> handle maps (and
 * the weights and max sizes the data plane does not keep) live in the shadow
 * state. Every check runs before the first data-plane call.
 */
import * as grpc from "@grpc/grpc-js";
import type { MemberHandle } from "../dataplane/api.ts";
import { profileState, type GroupRecord, type PipelineContext, type ProfileState, type Undo } from "./context.ts";
import type { Action, ActionProfileGroup, ActionProfileGroupMember, ActionProfileMember, UpdateType } from "./messages.ts";
import type { P4InfoActionProfile } from "./p4info_index.ts";
import { MIXED_MODES, profileHasOneShots } from "./one_shot.ts";
import { invalidArgument, notFound, P4RuntimeError } from "./status.ts";
import { callSwitch, toP4RuntimeError } from "./switch_calls.ts";
import { actionToP4Runtime, INVALID_ID, translateAction } from "./action_calls.ts";

function requireProfile(ctx: PipelineContext, id: number | undefined): P4InfoActionProfile {
  const profile = id ? ctx.index.actionProfiles.get(id) : undefined;
  if (!profile) throw invalidArgument(INVALID_ID);
  return profile;
}

/** A member's action must be one every table sharing the profile may use. */
function memberCall(ctx: PipelineContext, profile: P4InfoActionProfile, action: Action | null | undefined) {
  if (!action) throw invalidArgument("Missing action in action profile member");
  const call = translateAction(ctx.index, undefined, action, false);
  for (const tableId of profile.table_ids ?? []) {
    const ref = ctx.index.actionRef(tableId, action.action_id ?? 0);
    if (!ref || ref.scope === "DEFAULT_ONLY") throw invalidArgument("Invalid action for action profile");
  }
  return call;
}

/** Is a member or group still used by a table entry (or, for members, by a group)? */
function referencedByEntries(ctx: PipelineContext, profile: P4InfoActionProfile, match: (kind: "member" | "group", handle: number) => boolean): boolean {
  for (const tableId of profile.table_ids ?? []) {
    const table = ctx.index.tables.get(tableId);
    if (!table) continue;
    for (const e of callSwitch(() => ctx.control.tableEntries(table.preamble.name))) {
      if (e.action.kind === "member" && match("member", e.action.member)) return true;
      if (e.action.kind === "group" && match("group", e.action.group)) return true;
    }
  }
  return false;
}

export function writeMember(ctx: PipelineContext, type: UpdateType, m: ActionProfileMember): Undo {
  const profile = requireProfile(ctx, m.action_profile_id);
  const name = profile.preamble.name;
  const state = profileState(ctx.shadow, profile.preamble.id);
  const memberId = m.member_id ?? 0;
  const existing = state.members.get(memberId);
  switch (type) {
    case "INSERT": {
      if (profileHasOneShots(ctx, profile.preamble.id)) throw invalidArgument(MIXED_MODES);
      const call = memberCall(ctx, profile, m.action);
      if (existing) throw new P4RuntimeError(grpc.status.ALREADY_EXISTS, `Duplicate member id: ${memberId}`);
      const handle = callSwitch(() => ctx.control.memberAdd(name, call));
      state.members.set(memberId, { handle, action: m.action! });
      return () => {
        ctx.control.memberDelete(name, handle);
        state.members.delete(memberId);
      };
    }
    case "MODIFY": {
      const call = memberCall(ctx, profile, m.action);
      if (!existing) throw notFound(`Member id does not exist: ${memberId}`);
      const previous = existing.action;
      const previousCall = translateAction(ctx.index, undefined, previous, false);
      callSwitch(() => ctx.control.memberModify(name, existing.handle, call));
      existing.action = m.action!;
      return () => {
        ctx.control.memberModify(name, existing.handle, previousCall);
        existing.action = previous;
      };
    }
    case "DELETE": {
      if (!existing) throw notFound(`Member id does not exist: ${memberId}`);
      const inGroup = [...state.groups.values()].some((g) => g.members.some((gm) => gm.member_id === memberId));
      if (inGroup || referencedByEntries(ctx, profile, (k, h) => k === "member" && h === existing.handle)) {
        throw new P4RuntimeError(grpc.status.FAILED_PRECONDITION, `Member ${memberId} is still referenced`);
      }
      callSwitch(() => ctx.control.memberDelete(name, existing.handle));
      state.members.delete(memberId);
      return () => {
        const handle = ctx.control.memberAdd(name, translateAction(ctx.index, undefined, existing.action, false));
        state.members.set(memberId, { handle, action: existing.action });
      };
    }
    default:
      throw invalidArgument("Update type is not set");
  }
}

/** Checks a group's member list against the profile and returns the member handles (weights kept in the shadow). */
function checkGroupMembers(profile: P4InfoActionProfile, state: ProfileState, members: readonly ActionProfileGroupMember[], maxSize: number): MemberHandle[] {
  const seen = new Set<number>();
  let weights = 0;
  const handles: MemberHandle[] = [];
  for (const gm of members) {
    const id = gm.member_id ?? 0;
    const member = state.members.get(id);
    if (!member) throw notFound(`Member id does not exist: ${id}`);
    if (seen.has(id)) throw invalidArgument(`Duplicate member id in group: ${id}`);
    seen.add(id);
    const weight = gm.weight ?? 0;
    if (weight <= 0) throw invalidArgument(`Member ${id} needs a positive weight`);
    weights += weight;
    handles.push(member.handle);
  }
  const limit = maxSize > 0 ? maxSize : profile.max_group_size ?? 0;
  if (limit > 0 && weights > limit) throw new P4RuntimeError(grpc.status.RESOURCE_EXHAUSTED, "Sum of member weights exceeds maximum group size");
  return handles;
}

function canonicalMembers(members: readonly ActionProfileGroupMember[]): ActionProfileGroupMember[] {
  return members.map((m) => ({ member_id: m.member_id ?? 0, weight: m.weight ?? 0 }));
}

/** Moves a group to the `next` membership; all or nothing. */
function setGroupMembers(ctx: PipelineContext, name: string, group: GroupRecord, state: ProfileState, next: readonly ActionProfileGroupMember[]): void {
  const handleOf = (id: number | undefined) => state.members.get(id ?? 0)!.handle;
  const nextIds = new Set(next.map((m) => m.member_id));
  const oldIds = new Set(group.members.map((m) => m.member_id));
  const done: (() => void)[] = [];
  try {
    for (const old of group.members) {
      if (nextIds.has(old.member_id)) continue;
      ctx.control.groupRemoveMember(name, group.handle, handleOf(old.member_id));
      done.push(() => ctx.control.groupAddMember(name, group.handle, handleOf(old.member_id)));
    }
    for (const m of next) {
      if (oldIds.has(m.member_id)) continue;
      ctx.control.groupAddMember(name, group.handle, handleOf(m.member_id));
      done.push(() => ctx.control.groupRemoveMember(name, group.handle, handleOf(m.member_id)));
    }
  } catch (err) {
    for (const undo of done.reverse()) undo();
    throw toP4RuntimeError(err);
  }
  group.members = canonicalMembers(next);
}

export function writeGroup(ctx: PipelineContext, type: UpdateType, g: ActionProfileGroup): Undo {
  const profile = requireProfile(ctx, g.action_profile_id);
  const name = profile.preamble.name;
  if (!profile.with_selector) throw invalidArgument(`Action profile ${profile.preamble.id} has no selector, it cannot hold groups`);
  const state = profileState(ctx.shadow, profile.preamble.id);
  const groupId = g.group_id ?? 0;
  const existing = state.groups.get(groupId);
  const maxGroupSize = profile.max_group_size ?? 0;
  switch (type) {
    case "INSERT": {
      if (profileHasOneShots(ctx, profile.preamble.id)) throw invalidArgument(MIXED_MODES);
      const maxSize = g.max_size ?? 0;
      if (maxSize < 0 || (maxGroupSize > 0 && maxSize > maxGroupSize)) throw invalidArgument(`Group max_size ${maxSize} exceeds the profile's max_group_size ${maxGroupSize}`);
      checkGroupMembers(profile, state, g.members ?? [], maxSize);
      if (existing) throw new P4RuntimeError(grpc.status.ALREADY_EXISTS, `Duplicate group id: ${groupId}`);
      const handle = callSwitch(() => ctx.control.groupCreate(name));
      const record: GroupRecord = { handle, members: [], maxSize };
      try {
        setGroupMembers(ctx, name, record, state, g.members ?? []);
      } catch (err) {
        ctx.control.groupDelete(name, handle);
        throw err;
      }
      state.groups.set(groupId, record);
      return () => {
        setGroupMembers(ctx, name, record, state, []);
        ctx.control.groupDelete(name, handle);
        state.groups.delete(groupId);
      };
    }
    case "MODIFY": {
      if (!existing) throw notFound(`Group id does not exist: ${groupId}`);
      if ((g.max_size ?? 0) !== 0 && g.max_size !== existing.maxSize) throw invalidArgument("Cannot change the max_size of a group");
      checkGroupMembers(profile, state, g.members ?? [], existing.maxSize);
      const previous = existing.members;
      setGroupMembers(ctx, name, existing, state, g.members ?? []);
      return () => setGroupMembers(ctx, name, existing, state, previous);
    }
    case "DELETE": {
      if (!existing) throw notFound(`Group id does not exist: ${groupId}`);
      if (referencedByEntries(ctx, profile, (k, h) => k === "group" && h === existing.handle)) {
        throw new P4RuntimeError(grpc.status.FAILED_PRECONDITION, `Group ${groupId} is still referenced`);
      }
      const previous = existing.members;
      setGroupMembers(ctx, name, existing, state, []);
      try {
        ctx.control.groupDelete(name, existing.handle);
      } catch (err) {
        setGroupMembers(ctx, name, existing, state, previous);
        throw toP4RuntimeError(err);
      }
      state.groups.delete(groupId);
      return () => {
        const record: GroupRecord = { handle: ctx.control.groupCreate(name), members: [], maxSize: existing.maxSize };
        setGroupMembers(ctx, name, record, state, previous);
        state.groups.set(groupId, record);
      };
    }
    default:
      throw invalidArgument("Update type is not set");
  }
}

function profilesToRead(ctx: PipelineContext, id: number | undefined): P4InfoActionProfile[] {
  return id ? [requireProfile(ctx, id)] : [...ctx.index.actionProfiles.all()];
}

export function readMembers(ctx: PipelineContext, m: ActionProfileMember): ActionProfileMember[] {
  const out: ActionProfileMember[] = [];
  for (const profile of profilesToRead(ctx, m.action_profile_id)) {
    const state = profileState(ctx.shadow, profile.preamble.id);
    for (const [id, record] of [...state.members].sort(([a], [b]) => a - b)) {
      if (m.member_id && m.member_id !== id) continue;
      const call = translateAction(ctx.index, undefined, record.action, false);
      out.push({ action_profile_id: profile.preamble.id, member_id: id, action: actionToP4Runtime(ctx.index, call) ?? record.action });
    }
  }
  return out;
}

export function readGroups(ctx: PipelineContext, g: ActionProfileGroup): ActionProfileGroup[] {
  const out: ActionProfileGroup[] = [];
  for (const profile of profilesToRead(ctx, g.action_profile_id)) {
    const state = profileState(ctx.shadow, profile.preamble.id);
    for (const [id, record] of [...state.groups].sort(([a], [b]) => a - b)) {
      if (g.group_id && g.group_id !== id) continue;
      out.push({ action_profile_id: profile.preamble.id, group_id: id, members: record.members, max_size: record.maxSize });
    }
  }
  return out;
}
