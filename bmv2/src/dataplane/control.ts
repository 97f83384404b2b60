import {
  SwitchError,
  type ActionCall,
  type ActionParamInfo,
  type CloneSessionConfig,
  type ControlPlane,
  type CounterValue,
  type EntryAction,
  type EntryHandle,
  type GroupHandle,
  type MatchParam,
  type MemberHandle,
  type MeterConfig,
  type TableEntryView,
  type TableInfo,
} from "./api.ts";
import type { ActionProfile } from "./action_profile.ts";
import type { ReplicationEngine, Replica } from "./pre.ts";
import type { Program } from "./program.ts";
import type { MatchTable } from "./tables.ts";

/** The control plane over the loaded program, by BMv2 JSON names. */
export class Control implements ControlPlane {
  constructor(
    /** The loaded program, or FAILED_PRECONDITION. */
    private readonly program: () => Program,
    private readonly pre: ReplicationEngine,
  ) {}

  private table(name: string): MatchTable {
    const t = this.program().tables.get(name);
    if (!t) throw new SwitchError("NOT_FOUND", `unknown table "${name}"`);
    return t;
  }

  private profile(name: string): ActionProfile {
    const p = this.program().profiles.get(name);
    if (!p) throw new SwitchError("NOT_FOUND", `unknown action profile "${name}"`);
    return p;
  }

  private cell<T>(kind: string, name: string, cells: ReadonlyMap<string, T>, index: number, size: (t: T) => number): T {
    const c = cells.get(name);
    if (!c) throw new SwitchError("NOT_FOUND", `unknown ${kind} "${name}"`);
    if (!Number.isInteger(index) || index < 0 || index >= size(c))
      throw new SwitchError("NOT_FOUND", `${kind} "${name}" index ${index} out of range 0..${size(c) - 1}`);
    return c;
  }

  tableInfo(table: string): TableInfo {
    return this.table(table).info();
  }
  tableAdd(table: string, key: readonly MatchParam[], action: EntryAction, priority?: number): EntryHandle {
    return this.table(table).add(key, action, priority);
  }
  tableModify(table: string, handle: EntryHandle, action: EntryAction): void {
    this.table(table).modify(handle, action);
  }
  tableDelete(table: string, handle: EntryHandle): void {
    this.table(table).delete(handle);
  }
  tableFind(table: string, key: readonly MatchParam[], priority?: number): EntryHandle | undefined {
    return this.table(table).find(key, priority);
  }
  tableEntries(table: string): readonly TableEntryView[] {
    return this.table(table).view();
  }
  tableEntry(table: string, handle: EntryHandle): TableEntryView | undefined {
    return this.table(table).viewOne(handle);
  }
  tableClear(table: string): void {
    this.table(table).clear();
  }
  tableSetDefault(table: string, call: ActionCall): void {
    this.table(table).setDefault(call);
  }
  tableResetDefault(table: string): void {
    this.table(table).resetDefault();
  }
  tableGetDefault(table: string): ActionCall {
    return this.table(table).getDefault();
  }
  directCounterRead(table: string, handle: EntryHandle): CounterValue {
    return this.table(table).directCounter(handle);
  }
  directCounterWrite(table: string, handle: EntryHandle, value: CounterValue): void {
    this.table(table).setDirectCounter(handle, value.packets, value.bytes);
  }
  directMeterSet(table: string, handle: EntryHandle, config: MeterConfig | undefined): void {
    this.table(table).directMeter(handle).configure(config, 0n);
  }

  memberAdd(profile: string, call: ActionCall): MemberHandle {
    return this.profile(profile).memberAdd(call);
  }
  memberModify(profile: string, member: MemberHandle, call: ActionCall): void {
    this.profile(profile).memberModify(member, call);
  }
  memberDelete(profile: string, member: MemberHandle): void {
    this.profile(profile).memberDelete(member);
  }
  groupCreate(profile: string): GroupHandle {
    return this.profile(profile).groupCreate();
  }
  groupDelete(profile: string, group: GroupHandle): void {
    this.profile(profile).groupDelete(group);
  }
  groupAddMember(profile: string, group: GroupHandle, member: MemberHandle): void {
    this.profile(profile).groupAddMember(group, member);
  }
  groupRemoveMember(profile: string, group: GroupHandle, member: MemberHandle): void {
    this.profile(profile).groupRemoveMember(group, member);
  }
  groupMembers(profile: string, group: GroupHandle): readonly MemberHandle[] {
    return this.profile(profile).groupMembers(group);
  }

  counterRead(counter: string, index: number): CounterValue {
    return this.cell("counter", counter, this.program().counters, index, (c) => c.size).read(index);
  }
  counterWrite(counter: string, index: number, value: CounterValue): void {
    if (value.packets < 0n || value.bytes < 0n) throw new SwitchError("INVALID_ARGUMENT", "counter values must be non-negative");
    this.cell("counter", counter, this.program().counters, index, (c) => c.size).write(index, value);
  }
  counterSize(counter: string): number {
    const c = this.program().counters.get(counter);
    if (!c) throw new SwitchError("NOT_FOUND", `unknown counter "${counter}"`);
    return c.size;
  }
  registerRead(register: string, index: number): bigint {
    return this.cell("register", register, this.program().registers, index, (r) => r.cells.length).cells[index]!;
  }
  registerWrite(register: string, index: number, value: bigint): void {
    const r = this.cell("register", register, this.program().registers, index, (x) => x.cells.length);
    if (value < 0n || value >= 1n << BigInt(r.width))
      throw new SwitchError("INVALID_ARGUMENT", `register "${register}" value 0x${value.toString(16)} does not fit in ${r.width} bits`);
    r.cells[index] = value;
  }
  registerSize(register: string): number {
    const r = this.program().registers.get(register);
    if (!r) throw new SwitchError("NOT_FOUND", `unknown register "${register}"`);
    return r.cells.length;
  }
  meterSet(meter: string, index: number, config: MeterConfig | undefined): void {
    const m = this.cell("meter", meter, this.program().meters, index, (x) => x.cells.length);
    if (config && config.some((r) => !(r.infoRate >= 0) || !(r.burstSize >= 0)))
      throw new SwitchError("INVALID_ARGUMENT", `meter "${meter}": rates and bursts must be non-negative`);
    m.cells[index]!.configure(config, 0n);
  }

  valueSetAdd(valueSet: string, value: bigint, mask: bigint): void {
    const vs = this.valueSet(valueSet);
    const limit = 1n << BigInt(vs.width);
    if (value < 0n || value >= limit || mask < 0n || mask >= limit)
      throw new SwitchError("INVALID_ARGUMENT", `value set "${valueSet}": value / mask do not fit in ${vs.width} bits`);
    if (vs.entries.some((e) => e.value === value && e.mask === mask))
      throw new SwitchError("ALREADY_EXISTS", `value set "${valueSet}" already holds 0x${value.toString(16)}&&&0x${mask.toString(16)}`);
    if (vs.entries.length >= vs.maxSize) throw new SwitchError("RESOURCE_EXHAUSTED", `value set "${valueSet}" is full`);
    vs.entries.push({ value, mask });
  }
  valueSetRemove(valueSet: string, value: bigint, mask: bigint): void {
    const vs = this.valueSet(valueSet);
    const i = vs.entries.findIndex((e) => e.value === value && e.mask === mask);
    if (i < 0) throw new SwitchError("NOT_FOUND", `value set "${valueSet}" does not hold 0x${value.toString(16)}`);
    vs.entries.splice(i, 1);
  }
  private valueSet(name: string): { width: number; maxSize: number; entries: { value: bigint; mask: bigint }[] } {
    const vs = this.program().valueSets.get(name);
    if (!vs) throw new SwitchError("NOT_FOUND", `unknown value set "${name}"`);
    return vs;
  }

  multicastGroupSet(group: number, replicas: readonly Replica[]): void {
    this.pre.multicastGroupSet(group, replicas);
  }
  multicastGroupDelete(group: number): void {
    this.pre.multicastGroupDelete(group);
  }
  cloneSessionSet(session: number, config: CloneSessionConfig): void {
    this.pre.cloneSessionSet(session, config);
  }
  cloneSessionDelete(session: number): void {
    this.pre.cloneSessionDelete(session);
  }
  tableNames(): readonly string[] {
    return [...this.program().tables.keys()];
  }
  actionParams(action: string): readonly ActionParamInfo[] {
    const a = this.program().actions.get(action);
    if (!a) throw new SwitchError("NOT_FOUND", `unknown action "${action}"`);
    return a.params.map((p) => ({ name: p.name, bitwidth: p.width }));
  }
}
