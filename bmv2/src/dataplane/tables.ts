import {
  SwitchError,
  type ActionCall,
  type EntryAction,
  type EntryHandle,
  type MatchParam,
  type TableEntryView,
  type TableInfo,
} from "./api.ts";
import type { ActionProfile } from "./action_profile.ts";
import type { CompiledAction } from "./actions.ts";
import { MeterCell } from "./externs.ts";
import type { DataFn } from "./expr.ts";
import type { PacketState } from "./state.ts";

/**
 * A match-action table: its entries, the default action, and the lookup the
 * packet path runs. Exact-only tables use a hash map; the others a list kept
 * in match order (longest prefix first for lpm, highest priority first for
 * ternary / range / optional), so the first matching entry wins.
 */
export interface KeyField {
  readonly name: string;
  readonly matchType: MatchParam["kind"];
  readonly width: number;
  readonly read: DataFn;
  /** The same value as a number, when it always fits 32 bits (a narrow field): lookups then skip bigints. */
  readonly readNumber?: (s: PacketState) => number;
}

/** What an entry (or the default) runs once resolved. */
export interface BoundAction {
  readonly action: CompiledAction;
  readonly args: readonly bigint[];
}

interface Entry {
  readonly handle: EntryHandle;
  readonly key: readonly MatchParam[];
  readonly priority: number;
  action: EntryAction;
  bound: BoundAction | undefined;
  readonly values: readonly bigint[];
  readonly masks: readonly bigint[];
  readonly highs: readonly bigint[];
  readonly prefixLength: number;
  readonly seq: number;
  readonly isConst: boolean;
  packets: number;
  bytes: number;
  meter: MeterCell | undefined;
}

/** Everything a table is built from, resolved from the JSON at load. */
export interface TableConfig {
  readonly name: string;
  readonly keys: readonly KeyField[];
  /** Actions by the names the table's JSON lists them under. */
  readonly actions: ReadonlyMap<string, CompiledAction>;
  readonly maxSize: number;
  readonly profile: ActionProfile | undefined;
  readonly withCounters: boolean;
  /** Present when the table has a direct meter. */
  readonly directMeter: { readonly countsBytes: boolean } | undefined;
  readonly constDefault: boolean;
  readonly initialDefault: BoundAction | undefined;
  /** Whether an action name exists in the program at all (NOT_FOUND vs INVALID_ARGUMENT). */
  readonly actionKnown: (name: string) => boolean;
}

export class MatchTable {
  private readonly entries = new Map<number, Entry>();
  private readonly exactIndex: Map<string | bigint | number, Entry> | undefined;
  /**
   * Key widths of an exact table with several keys that fit 53 bits together:
   * its index is keyed by the keys packed into one number (no string building per packet).
   */
  private readonly packedWidths: readonly number[] | undefined;
  /** 2 ** packedWidths[i]. */
  private readonly packedScales: readonly number[] = [];
  private readonly numberReaders: readonly ((s: PacketState) => number)[];
  /** Tables keyed by one lpm field: entries by prefix length, then by masked value. */
  private readonly lpmBuckets: Map<number, Map<bigint | number, Entry>> | undefined;
  /** The lpm key is read as a number (and bucketed by numbers) rather than as a bigint. */
  private readonly lpmNumeric: boolean = false;
  private readonly lpmNumberMasks: readonly number[] = [];
  private lpmLengths: number[] = [];
  private readonly lpmMasks: readonly bigint[] = [];
  /** Other tables: entries in match order, and by (priority, key) for duplicate checks. */
  private ordered: Entry[] = [];
  private readonly byKey = new Map<string, Entry>();
  private nextHandle = 1;
  private nextSeq = 0;
  /** What a miss runs (undefined: nothing). */
  defaultBound: BoundAction | undefined;
  private readonly needsPriority: boolean;
  private readonly lpmIndex: number;
  private readonly rangeKey: readonly boolean[];
  private readonly keyBuffer: bigint[];
  immutable = false;
  readonly name: string;
  readonly keys: readonly KeyField[];
  readonly actions: ReadonlyMap<string, CompiledAction>;
  readonly maxSize: number;
  readonly profile: ActionProfile | undefined;

  constructor(private readonly config: TableConfig) {
    this.name = config.name;
    this.keys = config.keys;
    this.actions = config.actions;
    this.maxSize = config.maxSize;
    this.profile = config.profile;
    const keys = config.keys;
    const exactOnly = keys.length > 0 && keys.every((k) => k.matchType === "exact" || k.matchType === "valid");
    this.needsPriority = keys.some((k) => k.matchType === "ternary" || k.matchType === "range" || k.matchType === "optional");
    this.lpmIndex = keys.findIndex((k) => k.matchType === "lpm");
    this.rangeKey = keys.map((k) => k.matchType === "range");
    this.keyBuffer = keys.map(() => 0n);
    this.exactIndex = exactOnly ? new Map() : undefined;
    const totalWidth = keys.reduce((sum, k) => sum + k.width, 0);
    const numeric = keys.every((k) => k.readNumber !== undefined);
    this.packedWidths = exactOnly && (keys.length > 1 || numeric) && totalWidth <= 53 ? keys.map((k) => k.width) : undefined;
    if (this.packedWidths) this.packedScales = this.packedWidths.map((w) => 2 ** w);
    this.numberReaders = keys.map((k) => k.readNumber ?? ((s: PacketState) => Number(k.read(s))));
    if (keys.length === 1 && keys[0]!.matchType === "lpm") {
      const w = keys[0]!.width;
      this.lpmBuckets = new Map();
      this.lpmMasks = Array.from({ length: w + 1 }, (_, len) => ((1n << BigInt(w)) - 1n) ^ ((1n << BigInt(w - len)) - 1n));
      if (numeric && w <= 32) {
        this.lpmNumeric = true;
        this.lpmNumberMasks = this.lpmMasks.map(Number);
      }
    }
    this.defaultBound = config.initialDefault;
  }

  get withCounters(): boolean {
    return this.config.withCounters;
  }

  get hasMeter(): boolean {
    return this.config.directMeter !== undefined;
  }

  info(): TableInfo {
    return {
      name: this.name,
      keys: this.keys.map((k) => ({ name: k.name, matchType: k.matchType, bitwidth: k.width })),
      actions: [...this.actions.keys()],
      size: this.maxSize,
      ...(this.profile ? { actionProfile: this.profile.name } : {}),
      withCounters: this.config.withCounters,
      withMeters: this.hasMeter,
      constDefaultAction: this.config.constDefault,
    };
  }

  // ---- packet path ----

  /** The matching entry, or undefined on a miss. */
  lookup(s: PacketState): Entry | undefined {
    const keys = this.keys;
    const n = keys.length;
    if (n === 0) return undefined;
    if (this.exactIndex) {
      if (this.packedWidths) {
        const scales = this.packedScales;
        const readers = this.numberReaders;
        let packed = 0;
        for (let i = 0; i < n; i++) {
          const scale = scales[i]!;
          const v = readers[i]!(s);
          // A value outside the key's width equals no entry's value.
          if (!(v >= 0 && v < scale)) return undefined;
          packed = packed * scale + v;
        }
        return this.exactIndex.get(packed);
      }
      if (n === 1) return this.exactIndex.get(keys[0]!.read(s));
      let k = "";
      for (let i = 0; i < n; i++) k += (i === 0 ? "" : ",") + keys[i]!.read(s).toString();
      return this.exactIndex.get(k);
    }
    if (this.lpmBuckets && this.lpmNumeric) {
      const k = this.numberReaders[0]!(s);
      const masks = this.lpmNumberMasks;
      for (const len of this.lpmLengths) {
        const e = this.lpmBuckets.get(len)!.get((k & masks[len]!) >>> 0);
        if (e) return e;
      }
      return undefined;
    }
    if (this.lpmBuckets) {
      const k = keys[0]!.read(s);
      for (const len of this.lpmLengths) {
        const e = this.lpmBuckets.get(len)!.get(k & this.lpmMasks[len]!);
        if (e) return e;
      }
      return undefined;
    }
    // Lookups never nest within one table, so one key buffer per table is enough.
    const key = this.keyBuffer;
    for (let i = 0; i < n; i++) key[i] = keys[i]!.read(s);
    const isRange = this.rangeKey;
    outer: for (const e of this.ordered) {
      for (let i = 0; i < n; i++) {
        const k = key[i]!;
        if (isRange[i]) {
          if (k < e.values[i]! || k > e.highs[i]!) continue outer;
        } else if ((k & e.masks[i]!) !== e.values[i]!) continue outer;
      }
      return e;
    }
    return undefined;
  }

  /** What a hit entry runs: its action, or the member / group pick of an indirect table. */
  boundOf(entry: Entry, s: PacketState): BoundAction | undefined {
    const a = entry.action;
    if (!this.profile) return entry.bound;
    if (a.kind === "member") return this.profile.memberBound(a.member);
    if (a.kind === "group") return this.profile.selectFromGroup(a.group, s);
    return undefined;
  }

  /** Counts and meters a hit entry; returns the meter color (0 when unmetered). */
  account(entry: Entry, bytes: number, now: () => bigint): number {
    entry.packets += 1;
    entry.bytes += bytes;
    const meter = entry.meter;
    if (!meter) return 0;
    return meter.execute(this.config.directMeter?.countsBytes ? bytes : 1, now());
  }

  // ---- control plane ----

  private fail(code: SwitchError["code"], msg: string): never {
    throw new SwitchError(code, `table "${this.name}": ${msg}`);
  }

  private checkValue(v: bigint, width: number, what: string): void {
    if (v < 0n || v >= 1n << BigInt(width)) this.fail("INVALID_ARGUMENT", `${what} 0x${v.toString(16)} does not fit in ${width} bits`);
  }

  private compileKey(key: readonly MatchParam[]): { values: bigint[]; masks: bigint[]; highs: bigint[]; prefixLength: number; canonical: string } {
    if (key.length !== this.keys.length)
      this.fail("INVALID_ARGUMENT", `expected ${this.keys.length} key fields, got ${key.length}`);
    const values: bigint[] = [];
    const masks: bigint[] = [];
    const highs: bigint[] = [];
    let prefixLength = 0;
    key.forEach((p, i) => {
      const kf = this.keys[i]!;
      const full = (1n << BigInt(kf.width)) - 1n;
      const what = `key field ${i} ("${kf.name}")`;
      const kindOk = p.kind === kf.matchType || (kf.matchType === "optional" && p.kind === "exact");
      if (!kindOk) this.fail("INVALID_ARGUMENT", `${what} is ${kf.matchType}, got a ${p.kind} match`);
      switch (p.kind) {
        case "exact":
          this.checkValue(p.value, kf.width, `${what} value`);
          values.push(p.value);
          masks.push(full);
          highs.push(0n);
          break;
        case "valid":
          values.push(p.valid ? 1n : 0n);
          masks.push(1n);
          highs.push(0n);
          break;
        case "lpm": {
          if (!Number.isInteger(p.prefixLength) || p.prefixLength < 0 || p.prefixLength > kf.width)
            this.fail("INVALID_ARGUMENT", `${what} prefix length ${p.prefixLength} out of range 0..${kf.width}`);
          this.checkValue(p.value, kf.width, `${what} value`);
          const mask = full ^ ((1n << BigInt(kf.width - p.prefixLength)) - 1n);
          if ((p.value & ~mask) !== 0n) this.fail("INVALID_ARGUMENT", `${what} value has bits set beyond the /${p.prefixLength} prefix`);
          values.push(p.value);
          masks.push(mask);
          highs.push(0n);
          prefixLength = p.prefixLength;
          break;
        }
        case "ternary":
          this.checkValue(p.value, kf.width, `${what} value`);
          this.checkValue(p.mask, kf.width, `${what} mask`);
          if ((p.value & ~p.mask) !== 0n) this.fail("INVALID_ARGUMENT", `${what} value has bits set outside the mask`);
          values.push(p.value);
          masks.push(p.mask);
          highs.push(0n);
          break;
        case "optional":
          if (p.value === null) {
            values.push(0n);
            masks.push(0n);
          } else {
            this.checkValue(p.value, kf.width, `${what} value`);
            values.push(p.value);
            masks.push(full);
          }
          highs.push(0n);
          break;
        case "range":
          this.checkValue(p.low, kf.width, `${what} low`);
          this.checkValue(p.high, kf.width, `${what} high`);
          if (p.low > p.high) this.fail("INVALID_ARGUMENT", `${what} range low > high`);
          values.push(p.low);
          masks.push(full);
          highs.push(p.high);
          break;
      }
    });
    const canonical = values.map((v, i) => `${v.toString(16)}/${masks[i]!.toString(16)}/${highs[i]!.toString(16)}`).join(",");
    return { values, masks, highs, prefixLength, canonical };
  }

  private canonicalOf(e: Entry): string {
    return e.values.map((v, i) => `${v.toString(16)}/${e.masks[i]!.toString(16)}/${e.highs[i]!.toString(16)}`).join(",");
  }

  private lpmKeyOf(value: bigint): bigint | number {
    return this.lpmNumeric ? Number(value) : value;
  }

  private exactKeyOf(values: readonly bigint[]): string | bigint | number {
    const widths = this.packedWidths;
    if (widths) return values.reduce((packed, v, i) => packed * 2 ** widths[i]! + Number(v), 0);
    return values.length === 1 ? values[0]! : values.join(",");
  }

  bindCall(call: ActionCall): BoundAction {
    const action = this.actions.get(call.action);
    if (!action) {
      this.fail(
        this.config.actionKnown(call.action) ? "INVALID_ARGUMENT" : "NOT_FOUND",
        `action "${call.action}" is not an action of this table`,
      );
    }
    return { action, args: action.checkArgs(call.args, `table "${this.name}"`) };
  }

  private bindEntryAction(a: EntryAction): BoundAction | undefined {
    if (this.profile) {
      if (a.kind === "action") this.fail("INVALID_ARGUMENT", "table has an action profile; entries must name a member or group");
      if (a.kind === "member") {
        this.profile.memberBound(a.member);
        return undefined;
      }
      this.profile.checkGroup(a.group);
      return undefined;
    }
    if (a.kind !== "action") this.fail("INVALID_ARGUMENT", "table has no action profile; entries must name an action");
    return this.bindCall(a.call);
  }

  add(key: readonly MatchParam[], action: EntryAction, priority: number | undefined, isConst = false): EntryHandle {
    if (this.immutable && !isConst) this.fail("INVALID_ARGUMENT", "table has const entries and cannot be modified");
    if (this.keys.length === 0) this.fail("INVALID_ARGUMENT", "table has no key; only its default action can be set");
    const k = this.compileKey(key);
    let prio = 0;
    if (this.needsPriority) {
      if (priority === undefined || !Number.isInteger(priority) || priority < 0)
        this.fail("INVALID_ARGUMENT", "entries of this table need a non-negative integer priority");
      prio = priority;
    }
    if (this.exactIndex) {
      if (this.exactIndex.has(this.exactKeyOf(k.values))) this.fail("ALREADY_EXISTS", "an entry with this key already exists");
    } else if (this.byKey.has(`${prio}|${k.canonical}`)) {
      this.fail("ALREADY_EXISTS", "an entry with this key and priority already exists");
    }
    if (this.entries.size >= this.maxSize) this.fail("RESOURCE_EXHAUSTED", `table is full (${this.maxSize} entries)`);
    const bound = this.bindEntryAction(action);
    const entry: Entry = {
      handle: this.nextHandle++ as EntryHandle,
      key: [...key],
      priority: prio,
      action,
      bound,
      values: k.values,
      masks: k.masks,
      highs: k.highs,
      prefixLength: k.prefixLength,
      seq: this.nextSeq++,
      isConst,
      packets: 0,
      bytes: 0,
      meter: this.hasMeter ? new MeterCell() : undefined,
    };
    this.profile?.retain(action);
    this.entries.set(entry.handle, entry);
    if (this.exactIndex) this.exactIndex.set(this.exactKeyOf(k.values), entry);
    else {
      this.byKey.set(`${prio}|${k.canonical}`, entry);
      this.insertOrdered(entry);
    }
    return entry.handle;
  }

  private insertOrdered(entry: Entry): void {
    const before = (a: Entry, b: Entry): boolean => {
      if (this.needsPriority) return a.priority !== b.priority ? a.priority > b.priority : a.seq < b.seq;
      if (this.lpmIndex >= 0) return a.prefixLength !== b.prefixLength ? a.prefixLength > b.prefixLength : a.seq < b.seq;
      return a.seq < b.seq;
    };
    let i = this.ordered.length;
    while (i > 0 && before(entry, this.ordered[i - 1]!)) i--;
    this.ordered.splice(i, 0, entry);
    if (this.lpmBuckets) {
      let bucket = this.lpmBuckets.get(entry.prefixLength);
      if (!bucket) {
        bucket = new Map();
        this.lpmBuckets.set(entry.prefixLength, bucket);
        this.lpmLengths = [...this.lpmBuckets.keys()].sort((a, b) => b - a);
      }
      bucket.set(this.lpmKeyOf(entry.values[0]!), entry);
    }
  }

  private entry(handle: EntryHandle): Entry {
    const e = this.entries.get(handle);
    if (!e) this.fail("NOT_FOUND", `no entry with handle ${handle}`);
    return e;
  }

  modify(handle: EntryHandle, action: EntryAction): void {
    if (this.immutable) this.fail("INVALID_ARGUMENT", "table has const entries and cannot be modified");
    const e = this.entry(handle);
    const bound = this.bindEntryAction(action);
    this.profile?.retain(action);
    this.profile?.release(e.action);
    e.action = action;
    e.bound = bound;
  }

  delete(handle: EntryHandle): void {
    if (this.immutable) this.fail("INVALID_ARGUMENT", "table has const entries and cannot be modified");
    const e = this.entry(handle);
    this.entries.delete(handle);
    if (this.exactIndex) this.exactIndex.delete(this.exactKeyOf(e.values));
    else {
      this.ordered.splice(this.ordered.indexOf(e), 1);
      this.byKey.delete(`${e.priority}|${this.canonicalOf(e)}`);
      const bucket = this.lpmBuckets?.get(e.prefixLength);
      if (bucket) {
        bucket.delete(this.lpmKeyOf(e.values[0]!));
        if (bucket.size === 0) {
          this.lpmBuckets!.delete(e.prefixLength);
          this.lpmLengths = this.lpmLengths.filter((l) => l !== e.prefixLength);
        }
      }
    }
    this.profile?.release(e.action);
  }

  find(key: readonly MatchParam[], priority: number | undefined): EntryHandle | undefined {
    let k;
    try {
      k = this.compileKey(key);
    } catch {
      return undefined;
    }
    if (this.exactIndex) return this.exactIndex.get(this.exactKeyOf(k.values))?.handle;
    const prio = this.needsPriority ? (priority ?? 0) : 0;
    return this.byKey.get(`${prio}|${k.canonical}`)?.handle;
  }

  view(): TableEntryView[] {
    return [...this.entries.values()].map((e) => this.viewOf(e));
  }

  viewOne(handle: EntryHandle): TableEntryView | undefined {
    const e = this.entries.get(handle);
    return e && this.viewOf(e);
  }

  private viewOf(e: Entry): TableEntryView {
    return {
      handle: e.handle,
      key: e.key,
      priority: e.priority,
      action: e.action,
      ...(this.withCounters ? { counter: { packets: BigInt(e.packets), bytes: BigInt(e.bytes) } } : {}),
      ...(e.meter?.configuration ? { meter: e.meter.configuration } : {}),
      isConst: e.isConst,
    };
  }

  clear(): void {
    if (this.immutable) this.fail("INVALID_ARGUMENT", "table has const entries and cannot be modified");
    for (const e of this.entries.values()) this.profile?.release(e.action);
    this.entries.clear();
    this.exactIndex?.clear();
    this.ordered = [];
    this.byKey.clear();
    this.lpmBuckets?.clear();
    this.lpmLengths = [];
  }

  setDefault(call: ActionCall): void {
    if (this.config.constDefault) this.fail("INVALID_ARGUMENT", "the default action is const");
    if (this.profile) this.fail("INVALID_ARGUMENT", "the default action of a table with an action profile cannot be set");
    this.defaultBound = this.bindCall(call);
  }

  resetDefault(): void {
    if (this.config.constDefault) this.fail("INVALID_ARGUMENT", "the default action is const");
    this.defaultBound = this.config.initialDefault;
  }

  getDefault(): ActionCall {
    const d = this.defaultBound;
    return d ? { action: d.action.name, args: d.args } : { action: "NoAction", args: [] };
  }

  directCounter(handle: EntryHandle): { packets: bigint; bytes: bigint } {
    if (!this.config.withCounters) this.fail("INVALID_ARGUMENT", "table has no direct counter");
    const e = this.entry(handle);
    return { packets: BigInt(e.packets), bytes: BigInt(e.bytes) };
  }

  setDirectCounter(handle: EntryHandle, packets: bigint, bytes: bigint): void {
    if (!this.config.withCounters) this.fail("INVALID_ARGUMENT", "table has no direct counter");
    const e = this.entry(handle);
    e.packets = Number(packets);
    e.bytes = Number(bytes);
  }

  directMeter(handle: EntryHandle): MeterCell {
    const e = this.entry(handle);
    if (!e.meter) this.fail("INVALID_ARGUMENT", "table has no direct meter");
    return e.meter;
  }
}

export type { Entry as TableEntry };
