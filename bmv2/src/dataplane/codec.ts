import { bigOf, readBits, writeBits } from "./bits.ts";
import { generatedRunCodec } from "./codec_gen.ts";
import { type HeaderType, isNarrow, type Layout } from "./layout.ts";
import type { PacketState } from "./state.ts";

/**
 * Wire format of one header type: reading its fields out of a frame
 * (extract) and writing them back (deparse). Field bit offsets are computed
 * once. Runs of narrow fields that together fill whole bytes (up to 48 bits,
 * e.g. IPv4 version+ihl, flags+fragOffset) are moved as one Number by
 * generated code (codec_gen.ts); headers with odd runs or a varbit field, and
 * headers starting mid-byte, go field by field.
 */
export interface HeaderCodec {
  /** Header size in bits given the varbit field's current length. */
  bits(varbitBits: number): number;
  /** Reads the header at bit offset `start` into header `h`; the caller checked the length. */
  extract(s: PacketState, h: number, buf: Uint8Array, start: number, varbitBits: number): void;
  /** Writes header `h` at bit offset `start` of a zeroed buffer. */
  emit(s: PacketState, h: number, out: Uint8Array, start: number): void;
}

/**
 * Consecutive fields starting and ending on byte boundaries, at most 48 bits
 * in all; or (wide) one byte-aligned field wider than that.
 */
interface Run {
  readonly first: number;
  readonly count: number;
  readonly byteOffset: number;
  readonly bytes: number;
  readonly wide: boolean;
}

function byteRuns(type: HeaderType): Run[] | undefined {
  if (type.varbitIndex >= 0) return undefined;
  return byteRunsOf(type.fields.map((f) => f.width));
}

/** The byte runs of consecutive values of these widths, or undefined when they do not form whole-byte runs. */
export function byteRunsOf(widths: readonly number[]): Run[] | undefined {
  const runs: Run[] = [];
  let bit = 0;
  let first = 0;
  let runBits = 0;
  for (let i = 0; i < widths.length; i++) {
    const w = widths[i]!;
    if (runBits === 0 && w > 48 && w % 8 === 0) {
      runs.push({ first: i, count: 1, byteOffset: bit / 8, bytes: w / 8, wide: true });
      bit += w;
      first = i + 1;
      continue;
    }
    if (runBits + w > 48) return undefined;
    runBits += w;
    if (runBits % 8 === 0) {
      runs.push({ first, count: i - first + 1, byteOffset: bit / 8, bytes: runBits / 8, wide: false });
      bit += runBits;
      first = i + 1;
      runBits = 0;
    }
  }
  return runBits === 0 ? runs : undefined;
}


export function headerCodec(layout: Layout, type: HeaderType): HeaderCodec {
  const fields = type.fields;
  const bases = layout.headers.map((h) => h.base);
  const n = fields.length;
  const widths = fields.map((f) => (f.varbit ? 0 : f.width));
  const signed = fields.map((f) => f.signed);
  const narrow = fields.map(isNarrow);
  const vb = type.varbitIndex;
  const runs = byteRuns(type);

  const extractFieldwise = (s: PacketState, h: number, buf: Uint8Array, start: number, varbitBits: number): void => {
    const base = bases[h]!;
    let pos = start;
    for (let i = 0; i < n; i++) {
      const w = i === vb ? varbitBits : widths[i]!;
      const raw = readBits(buf, pos, w);
      if (narrow[i]) s.n[base + i] = Number(raw);
      else s.f[base + i] = signed[i] ? BigInt.asIntN(w, raw) : raw;
      pos += w;
    }
    if (vb >= 0) s.vlen[h] = varbitBits;
  };
  const emitFieldwise = (s: PacketState, h: number, out: Uint8Array, start: number): void => {
    const base = bases[h]!;
    let pos = start;
    for (let i = 0; i < n; i++) {
      const w = i === vb ? s.vlen[h]! : widths[i]!;
      writeBits(out, pos, w, narrow[i] ? bigOf(s.n[base + i]!) : s.f[base + i]!);
      pos += w;
    }
  };

  if (!runs) {
    return { bits: (varbitBits) => type.fixedBits + (vb >= 0 ? varbitBits : 0), extract: extractFieldwise, emit: emitFieldwise };
  }
  const fixedBits = type.fixedBits;
  const generated = generatedRunCodec(runs, widths, signed, narrow, bases, {
    extract: (s, h, buf, start) => extractFieldwise(s, h, buf, start, 0),
    emit: emitFieldwise,
  });
  return { bits: () => fixedBits, extract: generated.extract, emit: generated.emit };
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
