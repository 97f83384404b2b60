import type { HeaderInstance, Layout } from "./layout.ts";
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
      at[name] = { slot, mask: h && i !== undefined ? (1n << BigInt(h.type.fields[i]!.width)) - 1n : 0n };
    }
    this.slots = slots;
    this.at = at;
  }

  get(s: PacketState, field: StdSlot): bigint {
    return field.slot < 0 ? 0n : s.f[field.slot]!;
  }

  set(s: PacketState, field: StdSlot, v: bigint): void {
    const slot = field.slot;
    if (slot < 0) return;
    const mask = field.mask;
    s.f[slot] = v >= 0n && v <= mask ? v : v & mask;
  }
}
