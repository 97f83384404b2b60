import { bigOf } from "./bits.ts";
import { type HeaderInstance, isNarrow, type Layout } from "./layout.ts";
import type { PacketState } from "./state.ts";

/**
 * Slots of the v1model standard_metadata fields simple_switch reads and
 * writes itself. A field the program's JSON lacks gets slot -1 and is
 * silently skipped.
 */
export const STD_FIELDS = [
  "ingress_port",
  "egress_spec",
  "egress_port",
  "instance_type",
  "packet_length",
  "enq_timestamp",
  "enq_qdepth",
  "deq_timedelta",
  "deq_qdepth",
  "ingress_global_timestamp",
  "egress_global_timestamp",
  "mcast_grp",
  "egress_rid",
  "checksum_error",
  "parser_error",
  "priority",
] as const;
export type StdField = (typeof STD_FIELDS)[number];

/** Where one standard_metadata field lives: its PHV slot (-1: not in this program) and value mask. */
export interface StdSlot {
  readonly slot: number;
  readonly mask: bigint;
  /** Held as a number in PacketState.n (see isNarrow), with this mask. */
  readonly narrow: boolean;
  readonly numberMask: number;
}

export class StdMeta {
  readonly slots: Readonly<Record<StdField, number>>;
  /**
   * Per-field slot and mask. Callers name the field as a property (`std.at.egress_spec`), a
   * load V8 resolves at the call site, rather than as a string key looked up on every packet.
   */
  readonly at: Readonly<Record<StdField, StdSlot>>;
  readonly header: HeaderInstance | undefined;

  constructor(layout: Layout, headerName = "standard_metadata") {
    const h = layout.headerByName.get(headerName);
    this.header = h;
    const slots = {} as Record<StdField, number>;
    const at = {} as Record<StdField, StdSlot>;
    for (const name of STD_FIELDS) {
      const i = h?.type.fieldIndex.get(name);
      const slot = h && i !== undefined ? h.base + i : -1;
      slots[name] = slot;
      const def = h && i !== undefined ? h.type.fields[i]! : undefined;
      const narrow = def !== undefined && isNarrow(def);
      at[name] = { slot, mask: def ? (1n << BigInt(def.width)) - 1n : 0n, narrow, numberMask: narrow ? 2 ** def.width - 1 : 0 };
    }
    this.slots = slots;
    this.at = at;
  }

  get(s: PacketState, field: StdSlot): bigint {
    if (field.slot < 0) return 0n;
    return field.narrow ? bigOf(s.n[field.slot]!) : s.f[field.slot]!;
  }

  set(s: PacketState, field: StdSlot, v: bigint): void {
    const slot = field.slot;
    if (slot < 0) return;
    const mask = field.mask;
    const masked = v >= 0n && v <= mask ? v : v & mask;
    if (field.narrow) s.n[slot] = Number(masked);
    else s.f[slot] = masked;
  }

  /** get() as a number, for the fields of at most 32 bits (ports, lengths, flags). */
  getNumber(s: PacketState, field: StdSlot): number {
    if (field.slot < 0) return 0;
    return field.narrow ? s.n[field.slot]! : Number(s.f[field.slot]!);
  }

  /** set() of a non-negative integer below 2^32. */
  setNumber(s: PacketState, field: StdSlot, v: number): void {
    const slot = field.slot;
    if (slot < 0) return;
    if (field.narrow) s.n[slot] = field.numberMask === 0xffff_ffff ? v >>> 0 : v & field.numberMask;
    else s.f[slot] = bigOf(v) & field.mask;
  }
}
