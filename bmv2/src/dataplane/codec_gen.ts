import { bigOf, readBits, writeBits } from "./bits.ts";
import type { PacketState } from "./state.ts";

/**
 * Generated extract / emit for a byte-aligned header (one made of byte runs,
 * see codec.ts): every offset, shift and mask is a literal in the source, so
 * a header moves with straight-line code and no per-field table lookups.
 * The source is built from numbers only.
 */
export interface RunLayout {
  readonly first: number;
  readonly count: number;
  readonly byteOffset: number;
  readonly bytes: number;
  readonly wide: boolean;
}

export type Extract = (s: PacketState, h: number, buf: Uint8Array, start: number) => void;
export type Emit = (s: PacketState, h: number, out: Uint8Array, start: number) => void;

const TWO_32 = 4294967296;

/** A big-endian read of `n` (<= 4) bytes at `at` as a non-negative Number. */
function readWord(at: string, n: number): string {
  const parts = Array.from({ length: n }, (_, k) => {
    const shift = 8 * (n - 1 - k);
    return shift === 0 ? `buf[${at} + ${k}]` : `(buf[${at} + ${k}] << ${shift})`;
  });
  return n === 4 ? `((${parts.join(" | ")}) >>> 0)` : `(${parts.join(" | ")})`;
}

function extractRun(run: RunLayout, widths: readonly number[], signed: readonly boolean[], narrow: readonly boolean[]): string {
  const store = (i: number, value: string): string =>
    narrow[i] ? `n[base + ${i}] = ${value};` : `f[base + ${i}] = ${signed[i] ? `BigInt.asIntN(${widths[i]}, bigOf(${value}))` : `bigOf(${value})`};`;
  if (run.wide) {
    const i = run.first;
    const raw = `readBits(buf, start + ${run.byteOffset * 8}, ${widths[i]})`;
    return `f[base + ${i}] = ${signed[i] ? `BigInt.asIntN(${widths[i]}, ${raw})` : raw};`;
  }
  const at = `b + ${run.byteOffset}`;
  const lines: string[] = [];
  if (run.bytes <= 4) lines.push(`acc = ${readWord(at, run.bytes)};`);
  else lines.push(`acc = ${readWord(at, run.bytes - 4)} * ${TWO_32} + ${readWord(`${at} + ${run.bytes - 4}`, 4)};`);
  let shift = 0;
  for (let i = run.first + run.count - 1; i >= run.first; i--) {
    const w = widths[i]!;
    let value: string;
    if (run.bytes <= 4) value = w === 32 ? "acc" : shift === 0 ? `(acc & ${2 ** w - 1})` : `((acc >>> ${shift}) & ${2 ** w - 1})`;
    else value = `(Math.floor(acc / ${2 ** shift}) % ${2 ** w})`;
    lines.push(store(i, value));
    shift += w;
  }
  return lines.join("\n");
}

/** Source of a value to emit: a bigint, or a number already within the field's width (a narrow field). */
export interface ValueSource {
  readonly src: string;
  readonly isNumber: boolean;
}

function emitRun(run: RunLayout, widths: readonly number[], signed: readonly boolean[], value: (i: number) => ValueSource): string {
  if (run.wide) {
    const v = value(run.first);
    return `writeBits(out, start + ${run.byteOffset * 8}, ${widths[run.first]}, ${v.isNumber ? `bigOf(${v.src})` : v.src});`;
  }
  const lines = ["acc = 0;"];
  for (let i = run.first; i < run.first + run.count; i++) {
    const w = widths[i]!;
    const v = value(i);
    const asNumber = v.isNumber ? v.src : signed[i] ? `Number(BigInt.asUintN(${w}, ${v.src}))` : `((v = ${v.src}) < 0n ? Number(BigInt.asUintN(${w}, v)) : Number(v))`;
    lines.push(`acc = acc * ${2 ** w} + ${asNumber};`);
  }
  const at = (k: number): string => `out[b + ${run.byteOffset + k}]`;
  if (run.bytes <= 4) {
    for (let k = 0; k < run.bytes; k++) lines.push(`${at(k)} = (acc >>> ${8 * (run.bytes - 1 - k)}) & 255;`);
  } else {
    lines.push(`lo = acc % ${TWO_32};`, `hi = (acc - lo) / ${TWO_32};`);
    const hiBytes = run.bytes - 4;
    for (let k = 0; k < hiBytes; k++) lines.push(`${at(k)} = (hi >>> ${8 * (hiBytes - 1 - k)}) & 255;`);
    for (let k = 0; k < 4; k++) lines.push(`${at(hiBytes + k)} = (lo >>> ${8 * (3 - k)}) & 255;`);
  }
  return lines.join("\n");
}

/**
 * Extract and emit for byte-aligned positions; `unaligned` handles a header that starts
 * mid-byte (after a header of odd bit length).
 */
export function generatedRunCodec(
  runs: readonly RunLayout[],
  widths: readonly number[],
  signed: readonly boolean[],
  narrow: readonly boolean[],
  bases: readonly number[],
  unaligned: { readonly extract: Extract; readonly emit: Emit },
): { extract: Extract; emit: Emit } {
  const prologue = "const f = s.f; const n = s.n; const base = bases[h]; const b = start >> 3; let acc = 0;";
  const extractBody = `if ((start & 7) !== 0) return unaligned.extract(s, h, buf, start);\n${prologue}\n${runs.map((r) => extractRun(r, widths, signed, narrow)).join("\n")}`;
  const emitBody = `if ((start & 7) !== 0) return unaligned.emit(s, h, out, start);\n${prologue} let v = 0n, lo = 0, hi = 0;\n${runs
    .map((r) => emitRun(r, widths, signed, (i) => (narrow[i] ? { src: `n[base + ${i}]`, isNumber: true } : { src: `f[base + ${i}]`, isNumber: false })))
    .join("\n")}`;
  const make = (params: string, body: string): unknown =>
    new Function("bigOf", "readBits", "writeBits", "bases", "unaligned", `return (${params}) => {\n${body}\n};`)(bigOf, readBits, writeBits, bases, unaligned);
  return { extract: make("s, h, buf, start", extractBody) as Extract, emit: make("s, h, out, start", emitBody) as Emit };
}

/**
 * Packs values (sources over the PHV, e.g. "f[12]", "n[3]" or "5n") of these widths, laid
 * out as byte runs from bit 0, into `out` (which must be zeroed where a run is wide). Used by
 * calculations over fixed field lists: the checksum input is built without a call per field.
 */
export function generatedPacker(runs: readonly RunLayout[], widths: readonly number[], values: readonly ValueSource[]): (s: PacketState, out: Uint8Array) => void {
  const unsigned = widths.map(() => false);
  const body = `const f = s.f; const n = s.n; const b = 0; const start = 0; let acc = 0, v = 0n, lo = 0, hi = 0;\n${runs
    .map((r) => emitRun(r, widths, unsigned, (i) => values[i]!))
    .join("\n")}`;
  return new Function("writeBits", "bigOf", `return (s, out) => {\n${body}\n};`)(writeBits, bigOf) as (s: PacketState, out: Uint8Array) => void;
}
