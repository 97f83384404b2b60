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

export class StdMeta {
  readonly slots: Readonly<Record<StdField, number>>;
  private readonly masks: Readonly<Record<StdField, bigint>>;
  readonly header: HeaderInstance | undefined;

  constructor(layout: Layout, headerName = "standard_metadata") {
    const h = layout.headerByName.get(headerName);
    this.header = h;
    const slots = {} as Record<StdField, number>;
    const masks = {} as Record<StdField, bigint>;
    for (const name of STD_FIELDS) {
      const i = h?.type.fieldIndex.get(name);
      slots[name] = h && i !== undefined ? h.base + i : -1;
      masks[name] = h && i !== undefined ? (1n << BigInt(h.type.fields[i]!.width)) - 1n : 0n;
    }
    this.slots = slots;
    this.masks = masks;
  }

  get(s: PacketState, name: StdField): bigint {
    const slot = this.slots[name];
    return slot < 0 ? 0n : s.f[slot]!;
  }

  set(s: PacketState, name: StdField, v: bigint): void {
    const slot = this.slots[name];
    if (slot < 0) return;
    const mask = this.masks[name];
    s.f[slot] = v >= 0n && v <= mask ? v : v & mask;
  }
}
