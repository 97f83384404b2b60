import { readBits, writeBits } from "./bits.ts";
import type { HeaderType, Layout } from "./layout.ts";
import type { PacketState } from "./state.ts";

/**
 * Wire format of one header type: reading its fields out of a frame
 * (extract) and writing them back (deparse). Field bit offsets are computed
 * once; only a varbit field shifts the fields after it at run time.
 */
export interface HeaderCodec {
  /** Header size in bits given the varbit field's current length. */
  bits(varbitBits: number): number;
  /** Reads the header at bit offset `start` into header `h`; the caller checked the length. */
  extract(s: PacketState, h: number, buf: Uint8Array, start: number, varbitBits: number): void;
  /** Writes header `h` at bit offset `start` of a zeroed buffer. */
  emit(s: PacketState, h: number, out: Uint8Array, start: number): void;
}

export function headerCodec(layout: Layout, type: HeaderType): HeaderCodec {
  const fields = type.fields;
  const bases = layout.headers.map((h) => h.base);
  const n = fields.length;
  const widths = fields.map((f) => (f.varbit ? 0 : f.width));
  const signed = fields.map((f) => f.signed);
  const vb = type.varbitIndex;
  return {
    bits: (varbitBits) => type.fixedBits + (vb >= 0 ? varbitBits : 0),
    extract(s, h, buf, start, varbitBits) {
      const base = bases[h]!;
      let pos = start;
      for (let i = 0; i < n; i++) {
        const w = i === vb ? varbitBits : widths[i]!;
        const raw = readBits(buf, pos, w);
        s.f[base + i] = signed[i] ? BigInt.asIntN(w, raw) : raw;
        pos += w;
      }
      if (vb >= 0) s.vlen[h] = varbitBits;
    },
    emit(s, h, out, start) {
      const base = bases[h]!;
      let pos = start;
      for (let i = 0; i < n; i++) {
        const w = i === vb ? s.vlen[h]! : widths[i]!;
        writeBits(out, pos, w, s.f[base + i]!);
        pos += w;
      }
    },
  };
}

export function headerCodecs(layout: Layout): readonly HeaderCodec[] {
  const byType = new Map<HeaderType, HeaderCodec>();
  return layout.headers.map((h) => {
    let c = byType.get(h.type);
    if (!c) {
      c = headerCodec(layout, h.type);
      byType.set(h.type, c);
    }
    return c;
  });
}
