import { SwitchError, type ActionCall, type EntryAction, type GroupHandle, type MemberHandle } from "./api.ts";
import type { PacketState } from "./state.ts";
import type { BoundAction } from "./tables.ts";

/**
 * An action profile (members: action + data) with an optional selector
 * (groups of members; a packet picks one member by hashing the selector's
 * input fields, like bmv2's indirect_ws tables).
 *
 * As in bmv2, a member gets the lowest free handle and a group holds its
 * members in handle order (hash % size picks the n-th smallest handle), so the
 * pick depends on which members a group holds, not on the order they joined it.
 */
export class ActionProfile {
  private readonly members = new Map<number, { call: ActionCall; bound: BoundAction; refs: number }>();
  private readonly groups = new Map<number, { members: MemberHandle[]; refs: number }>();
  private nextMember = 0;
  /** Handles of deleted members, ascending; reused lowest first. */
  private readonly freedMembers: number[] = [];
  private nextGroup = 0;

  constructor(
    readonly name: string,
    readonly maxSize: number,
    /** Validates a call against the actions of the tables using this profile. */
    private readonly bind: (call: ActionCall) => BoundAction,
    /** Hash of the selector inputs; undefined for a profile without selector. */
    private readonly selectorHash: ((s: PacketState) => bigint) | undefined,
  ) {}

  private fail(code: SwitchError["code"], msg: string): never {
    throw new SwitchError(code, `action profile "${this.name}": ${msg}`);
  }

  memberAdd(call: ActionCall): MemberHandle {
    if (this.members.size >= this.maxSize) this.fail("RESOURCE_EXHAUSTED", `profile is full (${this.maxSize} members)`);
    const bound = this.bind(call);
    const handle = this.freedMembers.shift() ?? this.nextMember++;
    this.members.set(handle, { call, bound, refs: 0 });
    return handle as MemberHandle;
  }

  private member(m: MemberHandle): { call: ActionCall; bound: BoundAction; refs: number } {
    const entry = this.members.get(m);
    if (!entry) this.fail("NOT_FOUND", `no member with handle ${m}`);
    return entry;
  }

  memberModify(m: MemberHandle, call: ActionCall): void {
    const entry = this.member(m);
    entry.bound = this.bind(call);
    entry.call = call;
  }

  memberDelete(m: MemberHandle): void {
    const entry = this.member(m);
    if (entry.refs > 0) this.fail("FAILED_PRECONDITION", `member ${m} is still used by ${entry.refs} entries or groups`);
    this.members.delete(m);
    const at = this.freedMembers.findIndex((h) => h > m);
    this.freedMembers.splice(at < 0 ? this.freedMembers.length : at, 0, m);
  }

  memberBound(m: MemberHandle): BoundAction {
    return this.member(m).bound;
  }

  memberCall(m: MemberHandle): ActionCall {
    return this.member(m).call;
  }

  groupCreate(): GroupHandle {
    if (!this.selectorHash) this.fail("INVALID_ARGUMENT", "profile has no selector; groups are not supported");
    if (this.groups.size >= this.maxSize) this.fail("RESOURCE_EXHAUSTED", `profile is full (${this.maxSize} groups)`);
    const handle = this.nextGroup++;
    this.groups.set(handle, { members: [], refs: 0 });
    return handle as GroupHandle;
  }

  private group(g: GroupHandle): { members: MemberHandle[]; refs: number } {
    const entry = this.groups.get(g);
    if (!entry) this.fail("NOT_FOUND", `no group with handle ${g}`);
    return entry;
  }

  checkGroup(g: GroupHandle): void {
    this.group(g);
  }

  groupDelete(g: GroupHandle): void {
    const entry = this.group(g);
    if (entry.refs > 0) this.fail("FAILED_PRECONDITION", `group ${g} is still used by ${entry.refs} entries`);
    for (const m of entry.members) this.member(m).refs--;
    this.groups.delete(g);
  }

  groupAddMember(g: GroupHandle, m: MemberHandle): void {
    const entry = this.group(g);
    const mem = this.member(m);
    if (entry.members.includes(m)) this.fail("ALREADY_EXISTS", `member ${m} is already in group ${g}`);
    const at = entry.members.findIndex((h) => h > m);
    entry.members.splice(at < 0 ? entry.members.length : at, 0, m);
    mem.refs++;
  }

  groupRemoveMember(g: GroupHandle, m: MemberHandle): void {
    const entry = this.group(g);
    const i = entry.members.indexOf(m);
    if (i < 0) this.fail("NOT_FOUND", `member ${m} is not in group ${g}`);
    entry.members.splice(i, 1);
    this.member(m).refs--;
  }

  groupMembers(g: GroupHandle): readonly MemberHandle[] {
    return [...this.group(g).members];
  }

  selectFromGroup(g: GroupHandle, s: PacketState): BoundAction | undefined {
    const entry = this.groups.get(g);
    if (!entry || entry.members.length === 0 || !this.selectorHash) return undefined;
    const i = Number(this.selectorHash(s) % BigInt(entry.members.length));
    return this.members.get(entry.members[i]!)?.bound;
  }

  retain(a: EntryAction): void {
    if (a.kind === "member") this.member(a.member).refs++;
    else if (a.kind === "group") this.group(a.group).refs++;
  }

  release(a: EntryAction): void {
    if (a.kind === "member") {
      const m = this.members.get(a.member);
      if (m) m.refs--;
    } else if (a.kind === "group") {
      const g = this.groups.get(a.group);
      if (g) g.refs--;
    }
  }
}
