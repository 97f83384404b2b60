import { writeBits } from "./bits.ts";
import { byteRunsOf, type HeaderCodec } from "./codec.ts";
import { generatedPacker } from "./codec_gen.ts";
import { boolExpr, fieldLValue, type BoolFn, type ExprContext, type LValue } from "./expr.ts";
import { BitPacker, hashAlgorithm } from "./hash.ts";
import { asArray, asBool, asInt, asObject, asString, invalid, optional, parseHexstr } from "./json.ts";
import type { PacketState } from "./state.ts";

/**
 * Serialization of a packet (valid headers in deparser order, then the
 * unparsed payload), the named calculations (field lists hashed by an
 * algorithm, possibly covering the payload), and the checksums simple_switch
 * verifies after parsing and updates before deparsing.
 */
export interface Deparser {
  readonly order: readonly number[];
  emit(s: PacketState): Uint8Array;
  /** Bytes of the valid headers after position `from` of the order, plus the payload. */
  tail(s: PacketState, from: number): Uint8Array;
}

export function compileDeparser(raw: unknown, path: string, ctx: ExprContext, codecs: readonly HeaderCodec[]): Deparser {
  const d = asObject(raw, path);
  const order = asArray(d["order"], `${path}.order`).map((n, i) => ctx.layout.header(asString(n, `${path}.order[${i}]`), `${path}.order[${i}]`).index);
  const serialize = (s: PacketState, from: number): Uint8Array => {
    let bits = 0;
    for (let i = from; i < order.length; i++) {
      const h = order[i]!;
      if (s.valid[h]) bits += codecs[h]!.bits(s.vlen[h]!);
    }
    const headerBytes = Math.ceil(bits / 8);
    const frame = s.frame;
    const payloadStart = Math.min(s.payloadOffset, frame.length);
    const payloadLength = frame.length - payloadStart;
    const out = new Uint8Array(headerBytes + payloadLength);
    let pos = 0;
    for (let i = from; i < order.length; i++) {
      const h = order[i]!;
      if (!s.valid[h]) continue;
      const codec = codecs[h]!;
      codec.emit(s, h, out, pos);
      pos += codec.bits(s.vlen[h]!);
    }
    // A byte loop beats creating a subarray view for the short payloads typical here.
    if (payloadLength < 256) for (let i = 0; i < payloadLength; i++) out[headerBytes + i] = frame[payloadStart + i]!;
    else out.set(frame.subarray(payloadStart), headerBytes);
    return out;
  };
  return { order, emit: (s) => serialize(s, 0), tail: serialize };
}

export interface Calculation {
  readonly name: string;
  readonly outputWidth: number;
  hash(s: PacketState): bigint;
}

type CalcInput = (s: PacketState, packer: BitPacker) => void;

export function compileCalculation(raw: unknown, path: string, ctx: ExprContext, deparser: Deparser): Calculation {
  const c = asObject(raw, path);
  const name = asString(c["name"], `${path}.name`);
  const algoName = asString(c["algo"], `${path}.algo`);
  const algo = hashAlgorithm(algoName, `${path}.algo`);
  const layout = ctx.layout;
  let lastHeaderPos = -1;
  const inputs: CalcInput[] = asArray(c["input"], `${path}.input`).map((r, i) => {
    const ip = `${path}.input[${i}]`;
    const o = asObject(r, ip);
    const type = asString(o["type"], `${ip}.type`);
    switch (type) {
      case "field": {
        const lv: LValue = fieldLValue(ctx, o["value"], `${ip}.value`);
        const ref = asArray(o["value"], `${ip}.value`);
        const name = asString(ref[1], `${ip}.value[1]`);
        const h =
          name === "$valid$"
            ? layout.header(asString(ref[0], `${ip}.value[0]`), `${ip}.value`).index
            : layout.field([asString(ref[0], `${ip}.value[0]`), name], `${ip}.value`).header.index;
        lastHeaderPos = Math.max(lastHeaderPos, deparser.order.indexOf(h));
        if (lv.varbit) return (s, p) => p.push(s.vlen[h]!, lv.read(s));
        return (s, p) => p.push(lv.width, lv.read(s));
      }
      case "hexstr": {
        const v = parseHexstr(o["value"], `${ip}.value`);
        const w = asInt(o["bitwidth"], `${ip}.bitwidth`);
        return (_s, p) => p.push(w, v);
      }
      case "header": {
        const hi = layout.header(asString(o["value"], `${ip}.value`), `${ip}.value`);
        lastHeaderPos = Math.max(lastHeaderPos, deparser.order.indexOf(hi.index));
        const fields = hi.type.fields;
        return (s, p) => {
          if (!s.valid[hi.index]) return;
          fields.forEach((f, j) => p.push(f.varbit ? s.vlen[hi.index]! : f.width, layout.read(s, hi.base + j)));
        };
      }
      case "payload": {
        const from = lastHeaderPos + 1;
        return (s, p) => p.pushBytes(deparser.tail(s, from));
      }
      default:
        throw invalid(`${ip}.type`, `unsupported calculation input "${type}"`);
    }
  });
  const outputWidth = algoName === "crc32" || algoName === "crc32_custom" ? 32 : algoName === "identity" ? 64 : 16;
  const fixed = fixedLayout(c["input"], ctx);
  if (fixed) {
    // Only fields and constants: every input has a fixed place, so one scratch buffer serves every packet.
    const scratch = new Uint8Array(Math.ceil(fixed.bits / 8));
    const reads = fixed.inputs.map((x) => {
      if (x.kind === "field") return fieldLValue(ctx, x.ref, path).read;
      const v = x.value;
      return () => v;
    });
    const offsets = fixed.inputs.map((x) => x.offset);
    const widths = fixed.inputs.map((x) => x.width);
    const runs = byteRunsOf(widths);
    const slots = fixed.inputs.map((x) => (x.kind === "field" ? fieldLValue(ctx, x.ref, path).slot : undefined));
    if (runs && fixed.inputs.every((x, i) => x.kind === "constant" || slots[i] !== undefined)) {
      const values = fixed.inputs.map((x, i) => {
        if (x.kind === "constant") return { src: `${BigInt.asUintN(x.width, x.value)}n`, isNumber: false };
        const slot = slots[i]!;
        return layout.narrow[slot] ? { src: `n[${slot}]`, isNumber: true } : { src: `f[${slot}]`, isNumber: false };
      });
      const pack = generatedPacker(runs, widths, values);
      // Narrow runs overwrite whole bytes; only wide fields OR into the buffer and need it zeroed.
      const zero = runs.some((r) => r.wide);
      return {
        name,
        outputWidth,
        hash(s) {
          if (zero) scratch.fill(0);
          pack(s, scratch);
          return algo(scratch);
        },
      };
    }
    return {
      name,
      outputWidth,
      hash(s) {
        scratch.fill(0);
        for (let i = 0; i < reads.length; i++) writeBits(scratch, offsets[i]!, widths[i]!, reads[i]!(s));
        return algo(scratch);
      },
    };
  }
  return {
    name,
    outputWidth,
    hash(s) {
      const packer = new BitPacker();
      for (const input of inputs) input(s, packer);
      return algo(packer.bytes());
    },
  };
}

type FixedInput =
  | { readonly kind: "field"; readonly ref: unknown; readonly offset: number; readonly width: number }
  | { readonly kind: "constant"; readonly value: bigint; readonly offset: number; readonly width: number };

/** Bit offsets of a calculation's inputs when they are all non-varbit fields and constants (already validated by the general path). */
function fixedLayout(rawInputs: unknown, ctx: ExprContext): { inputs: FixedInput[]; bits: number } | undefined {
  const inputs: FixedInput[] = [];
  let bits = 0;
  for (const r of rawInputs as readonly { type: string; value: unknown; bitwidth?: unknown }[]) {
    if (r.type === "field") {
      const lv = fieldLValue(ctx, r.value, "");
      if (lv.varbit) return undefined;
      inputs.push({ kind: "field", ref: r.value, offset: bits, width: lv.width });
      bits += lv.width;
    } else if (r.type === "hexstr") {
      const width = Number(r.bitwidth);
      inputs.push({ kind: "constant", value: parseHexstr(r.value, ""), offset: bits, width });
      bits += width;
    } else return undefined;
  }
  return { inputs, bits };
}

export interface Checksum {
  readonly verify: boolean;
  readonly update: boolean;
  readonly condition: BoolFn;
  readonly target: LValue;
  readonly calc: Calculation;
}

export function compileChecksum(raw: unknown, path: string, ctx: ExprContext, calcs: ReadonlyMap<string, Calculation>): Checksum {
  const c = asObject(raw, path);
  const calcName = asString(c["calculation"], `${path}.calculation`);
  const calc = calcs.get(calcName);
  if (!calc) throw invalid(`${path}.calculation`, `unknown calculation "${calcName}"`);
  const cond = optional(c, "if_cond");
  return {
    verify: c["verify"] === undefined ? true : asBool(c["verify"], `${path}.verify`),
    update: c["update"] === undefined ? true : asBool(c["update"], `${path}.update`),
    condition: cond === undefined ? () => true : boolExpr(ctx, cond, `${path}.if_cond`),
    target: fieldLValue(ctx, c["target"], `${path}.target`),
    calc,
  };
}
