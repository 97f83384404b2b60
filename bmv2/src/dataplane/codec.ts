import { readBits, writeBits } from "./bits.ts";
import type { HeaderType, Layout } from "./layout.ts";
import type { PacketState } from "./state.ts";

/**
 * Wire format of one header type: reading its fields out of a frame
 * (extract) and writing them back (deparse). Field bit offsets are computed
 * once. Runs of narrow fields that together fill whole bytes (up to 48 bits,
 * e.g. IPv4 version+ihl, flags+fragOffset) are moved as one Number; wide or
 * odd fields, and headers with a varbit field, go field by field.
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
  const runs: Run[] = [];
  let bit = 0;
  let first = 0;
  let runBits = 0;
  for (let i = 0; i < type.fields.length; i++) {
    const w = type.fields[i]!.width;
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

/** BigInts of small values, prebuilt: converting a Number costs far more than an array load. */
const SMALL_LIMIT = 1 << 16;
const SMALL: readonly bigint[] = Array.from({ length: SMALL_LIMIT }, (_, i) => BigInt(i));

export function headerCodec(layout: Layout, type: HeaderType): HeaderCodec {
  const fields = type.fields;
  const bases = layout.headers.map((h) => h.base);
  const n = fields.length;
  const widths = fields.map((f) => (f.varbit ? 0 : f.width));
  const scales = widths.map((w) => 2 ** w);
  const signed = fields.map((f) => f.signed);
  const vb = type.varbitIndex;
  const runs = byteRuns(type);

  const extractFieldwise = (s: PacketState, h: number, buf: Uint8Array, start: number, varbitBits: number): void => {
    const base = bases[h]!;
    let pos = start;
    for (let i = 0; i < n; i++) {
      const w = i === vb ? varbitBits : widths[i]!;
      const raw = readBits(buf, pos, w);
      s.f[base + i] = signed[i] ? BigInt.asIntN(w, raw) : raw;
      pos += w;
    }
    if (vb >= 0) s.vlen[h] = varbitBits;
  };
  const emitFieldwise = (s: PacketState, h: number, out: Uint8Array, start: number): void => {
    const base = bases[h]!;
    let pos = start;
    for (let i = 0; i < n; i++) {
      const w = i === vb ? s.vlen[h]! : widths[i]!;
      writeBits(out, pos, w, s.f[base + i]!);
      pos += w;
    }
  };

  if (!runs) {
    return { bits: (varbitBits) => type.fixedBits + (vb >= 0 ? varbitBits : 0), extract: extractFieldwise, emit: emitFieldwise };
  }
  const fixedBits = type.fixedBits;
  return {
    bits: () => fixedBits,
    extract(s, h, buf, start, varbitBits) {
      if ((start & 7) !== 0) return extractFieldwise(s, h, buf, start, varbitBits);
      const base = bases[h]!;
      const byte0 = start >> 3;
      for (const run of runs) {
        if (run.wide) {
          const i = run.first;
          const raw = readBits(buf, start + run.byteOffset * 8, widths[i]!);
          s.f[base + i] = signed[i] ? BigInt.asIntN(widths[i]!, raw) : raw;
          continue;
        }
        let acc = 0;
        const end = byte0 + run.byteOffset + run.bytes;
        for (let b = byte0 + run.byteOffset; b < end; b++) acc = acc * 256 + buf[b]!;
        if (acc <= 0xffff_ffff) {
          // Runs of up to 32 bits split with integer shifts instead of float division.
          for (let i = run.first + run.count - 1; i >= run.first; i--) {
            const w = widths[i]!;
            const v = w === 32 ? acc : acc & (scales[i]! - 1);
            acc = w === 32 ? 0 : acc >>> w;
            const big = v < SMALL_LIMIT ? SMALL[v]! : BigInt(v);
            s.f[base + i] = signed[i] ? BigInt.asIntN(w, big) : big;
          }
          continue;
        }
        for (let i = run.first + run.count - 1; i >= run.first; i--) {
          const scale = scales[i]!;
          const v = acc % scale;
          acc = (acc - v) / scale;
          const big = v < SMALL_LIMIT ? SMALL[v]! : BigInt(v);
          s.f[base + i] = signed[i] ? BigInt.asIntN(widths[i]!, big) : big;
        }
      }
    },
    emit(s, h, out, start) {
      if ((start & 7) !== 0) return emitFieldwise(s, h, out, start);
      const base = bases[h]!;
      const byte0 = start >> 3;
      for (const run of runs) {
        if (run.wide) {
          writeBits(out, start + run.byteOffset * 8, widths[run.first]!, s.f[base + run.first]!);
          continue;
        }
        let acc = 0;
        for (let i = run.first; i < run.first + run.count; i++) {
          const v = s.f[base + i]!;
          const w = widths[i]!;
          acc = acc * scales[i]! + Number(v < 0n || signed[i] ? BigInt.asUintN(w, v) : v);
        }
        for (let b = byte0 + run.byteOffset + run.bytes - 1; b >= byte0 + run.byteOffset; b--) {
          if (acc <= 0xffff_ffff) {
            out[b] = acc & 0xff;
            acc = acc >>> 8;
          } else {
            const low = acc % 256;
            out[b] = low;
            acc = (acc - low) / 256;
          }
        }
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
