import { compilePrimitive, exprContext, type ActionEnv } from "./actions.ts";
import { readBits } from "./bits.ts";
import type { HeaderCodec } from "./codec.ts";
import { asBoolFn, compile, dataExpr, lvalue, type DataFn } from "./expr.ts";
import { asArray, asInt, asObject, asString, hexDigits, invalid, parseHexstr, type JsonObject } from "./json.ts";
import type { PacketState } from "./state.ts";

/**
 * The programmable parser, compiled state by state. A parser error stops
 * parsing where it happened: headers extracted so far stay valid, the rest
 * of the frame becomes payload, and the error lands in
 * standard_metadata.parser_error (simple_switch then runs ingress anyway).
 */
export interface ValueSet {
  readonly name: string;
  readonly width: number;
  readonly maxSize: number;
  entries: { value: bigint; mask: bigint }[];
}

interface Cursor {
  /** Bit offset into the frame. */
  pos: number;
  error: number;
}

type ParserOp = (s: PacketState, c: Cursor) => void;
type StateFn = (s: PacketState, c: Cursor) => number;

export const ACCEPT = -1;

export interface CompiledParser {
  /** Parses s.frame into s; returns the parser error code (0 = NoError). */
  run(s: PacketState): number;
}

export function compileParser(
  env: ActionEnv,
  raw: unknown,
  path: string,
  codecs: readonly HeaderCodec[],
  valueSets: ReadonlyMap<string, ValueSet>,
): CompiledParser {
  const p = asObject(raw, path);
  const errors = env.layout.errors;
  const err = (name: string, fallback: number): number => errors.get(name) ?? fallback;
  const E = {
    packetTooShort: err("PacketTooShort", 1),
    noMatch: err("NoMatch", 2),
    stackOutOfBounds: err("StackOutOfBounds", 3),
    headerTooShort: err("HeaderTooShort", 4),
    timeout: err("ParserTimeout", 5),
  };
  const states = asArray(p["parse_states"], `${path}.parse_states`);
  const indexByName = new Map<string, number>();
  states.forEach((st, i) => indexByName.set(asString(asObject(st, `${path}.parse_states[${i}]`)["name"], `${path}.parse_states[${i}].name`), i));
  const stateIndex = (name: unknown, where: string): number => {
    if (name === null || name === undefined) return ACCEPT;
    const i = indexByName.get(asString(name, where));
    if (i === undefined) throw invalid(where, `unknown parse state "${String(name)}"`);
    return i;
  };
  const ctx = exprContext(env, []);
  const layout = env.layout;

  const extractInto = (target: (s: PacketState, c: Cursor) => number, varbitBits: DataFn | undefined, afterExtract: (s: PacketState) => void): ParserOp => {
    return (s, c) => {
      const h = target(s, c);
      if (h < 0) return;
      const codec = codecs[h]!;
      let vb = 0;
      if (varbitBits) {
        vb = Number(varbitBits(s));
        const hi = layout.headers[h]!;
        const max = hi.type.fields[hi.type.varbitIndex]?.width ?? 0;
        if (vb > max || vb < 0) {
          c.error = E.headerTooShort;
          return;
        }
      }
      const bits = codec.bits(vb);
      if (c.pos + bits > s.frame.length * 8) {
        c.error = E.packetTooShort;
        return;
      }
      codec.extract(s, h, s.frame, c.pos, vb);
      c.pos += bits;
      s.valid[h] = 1;
      for (const o of layout.headers[h]!.siblings) s.valid[o] = 0;
      afterExtract(s);
    };
  };

  const extractTarget = (o: JsonObject, where: string): { target: (s: PacketState, c: Cursor) => number; after: (s: PacketState) => void } => {
    const type = asString(o["type"], `${where}.type`);
    if (type === "regular") {
      const h = layout.header(asString(o["value"], `${where}.value`), where).index;
      return { target: () => h, after: () => {} };
    }
    if (type === "stack") {
      const st = layout.stack(asString(o["value"], `${where}.value`), where);
      const si = st.index;
      const headers = st.headers;
      return {
        target: (s, c) => {
          const n = s.stackNext[si]!;
          if (n >= headers.length) {
            c.error = E.stackOutOfBounds;
            return -1;
          }
          return headers[n]!;
        },
        after: (s) => {
          s.stackNext[si]!++;
        },
      };
    }
    if (type === "union_stack") {
      const pair = asArray(o["value"], `${where}.value`);
      const us = layout.unionStack(asString(pair[0], `${where}.value[0]`), where);
      const memberName = asString(pair[1], `${where}.value[1]`);
      const si = us.index;
      const memberHeaders = us.unions.map((u) => {
        const un = layout.unions[u]!;
        const m = un.memberNames.indexOf(memberName);
        if (m < 0) throw invalid(where, `union "${un.name}" has no member "${memberName}"`);
        return un.headers[m]!;
      });
      return {
        target: (s, c) => {
          const n = s.unionStackNext[si]!;
          if (n >= memberHeaders.length) {
            c.error = E.stackOutOfBounds;
            return -1;
          }
          return memberHeaders[n]!;
        },
        after: (s) => {
          s.unionStackNext[si]!++;
        },
      };
    }
    throw invalid(`${where}.type`, `unsupported extract target "${type}"`);
  };

  const lookahead = (v: unknown, where: string): { width: number; read: (s: PacketState, c: Cursor) => bigint } => {
    const pair = asArray(v, where);
    const offset = asInt(pair[0], `${where}[0]`);
    const width = asInt(pair[1], `${where}[1]`);
    return {
      width,
      read: (s, c) => {
        const start = c.pos + offset;
        if (start + width > s.frame.length * 8) {
          c.error = E.packetTooShort;
          return 0n;
        }
        return readBits(s.frame, start, width);
      },
    };
  };

  const compileOp = (o: JsonObject, where: string): ParserOp => {
    const op = asString(o["op"], `${where}.op`);
    const params = asArray(o["parameters"], `${where}.parameters`);
    const pp = (i: number): string => `${where}.parameters[${i}]`;
    switch (op) {
      case "extract": {
        const t = extractTarget(asObject(params[0], pp(0)), pp(0));
        return extractInto(t.target, undefined, t.after);
      }
      case "extract_VL": {
        const t = extractTarget(asObject(params[0], pp(0)), pp(0));
        const bits = dataExpr(ctx, params[1], pp(1));
        return extractInto(t.target, bits, t.after);
      }
      case "set": {
        const dst = lvalue(ctx, params[0], pp(0));
        const src = asObject(params[1], pp(1));
        if (src["type"] === "lookahead") {
          const la = lookahead(src["value"], `${pp(1)}.value`);
          return (s, c) => {
            const v = la.read(s, c);
            if (c.error === 0) dst.write(s, v);
          };
        }
        const read = dataExpr(ctx, src, pp(1));
        return (s) => dst.write(s, read(s));
      }
      case "verify": {
        const cond = asBoolFn(compile(ctx, params[0], pp(0)), pp(0));
        const code = dataExpr(ctx, params[1], pp(1));
        return (s, c) => {
          if (!cond(s)) c.error = Number(code(s));
        };
      }
      case "advance":
      case "shift": {
        const amount = dataExpr(ctx, params[0], pp(0));
        const scale = op === "shift" ? 8 : 1;
        return (s, c) => {
          const bits = Number(amount(s)) * scale;
          if (c.pos + bits > s.frame.length * 8) c.error = E.packetTooShort;
          else c.pos += bits;
        };
      }
      case "primitive": {
        const prim = compilePrimitive(env, ctx, asObject(params[0], pp(0)), pp(0));
        if (!("step" in prim)) throw invalid(pp(0), "jumps are not allowed in parser states");
        const step = prim.step;
        return (s) => step(s);
      }
      default:
        throw invalid(`${where}.op`, `unsupported parser operation "${op}"`);
    }
  };

  const compileState = (raw: unknown, where: string): StateFn => {
    const st = asObject(raw, where);
    const ops = asArray(st["parser_ops"], `${where}.parser_ops`).map((o, i) =>
      compileOp(asObject(o, `${where}.parser_ops[${i}]`), `${where}.parser_ops[${i}]`),
    );
    const keyParts = asArray(st["transition_key"] ?? [], `${where}.transition_key`).map((k, i) => {
      const kp = `${where}.transition_key[${i}]`;
      const ko = asObject(k, kp);
      if (ko["type"] === "lookahead") {
        const la = lookahead(ko["value"], `${kp}.value`);
        return { bytes: Math.ceil(la.width / 8), width: la.width, read: la.read };
      }
      const c = compile(ctx, ko, kp);
      const width = c.k === "lv" ? c.lv.width : 32;
      const read = dataExpr(ctx, ko, kp);
      // Field reads are already within their width; other expressions are cut to it.
      const inWidth = c.k === "lv" ? read : (s: PacketState) => BigInt.asUintN(width, read(s));
      return { bytes: Math.ceil(width / 8), width, read: inWidth };
    });
    const transitions = asArray(st["transitions"], `${where}.transitions`).map((t, i) => {
      const tp = `${where}.transitions[${i}]`;
      const to = asObject(t, tp);
      const type = (to["type"] as string | undefined) ?? "hexstr";
      const next = stateIndex(to["next_state"], `${tp}.next_state`);
      const mask = to["mask"] === null || to["mask"] === undefined ? undefined : parseHexstr(to["mask"], `${tp}.mask`);
      if (type === "default") return { kind: "default" as const, next, value: 0n, mask: undefined, set: undefined };
      if (type === "parse_vset") {
        const name = asString(to["value"], `${tp}.value`);
        const set = valueSets.get(name);
        if (!set) throw invalid(`${tp}.value`, `unknown parser value set "${name}"`);
        return { kind: "vset" as const, next, value: 0n, mask, set };
      }
      if (type !== "hexstr") throw invalid(`${tp}.type`, `unsupported transition type "${type}"`);
      const vs = asString(to["value"], `${tp}.value`);
      if (hexDigits(vs) === 0) throw invalid(`${tp}.value`, "empty transition value");
      // Stored already masked: the packet path masks only the key.
      const value = parseHexstr(vs, `${tp}.value`);
      return { kind: "value" as const, next, value: mask === undefined ? value : value & mask, mask, set: undefined };
    });
    const nParts = keyParts.length;
    const shifts = keyParts.map((p) => BigInt(p.bytes * 8));
    return (s, c) => {
      for (let i = 0; i < ops.length; i++) {
        ops[i]!(s, c);
        if (c.error !== 0) return ACCEPT;
      }
      let key = 0n;
      for (let i = 0; i < nParts; i++) {
        const part = keyParts[i]!;
        const v = part.read(s, c);
        if (c.error !== 0) return ACCEPT;
        const u = v < 0n ? BigInt.asUintN(part.width, v) : v;
        key = i === 0 ? u : (key << shifts[i]!) | u;
      }
      for (const t of transitions) {
        if (t.kind === "default") return t.next;
        if (t.kind === "value") {
          if (t.mask === undefined ? key === t.value : (key & t.mask) === t.value) return t.next;
        } else {
          for (const e of t.set!.entries) {
            const m = t.mask === undefined ? e.mask : e.mask & t.mask;
            if ((key & m) === (e.value & m)) return t.next;
          }
        }
      }
      c.error = E.noMatch;
      return ACCEPT;
    };
  };

  const compiled = states.map((st, i) => compileState(st, `${path}.parse_states[${i}]`));
  const init = stateIndex(p["init_state"], `${path}.init_state`);
  const cursor: Cursor = { pos: 0, error: 0 };
  return {
    run(s) {
      cursor.pos = 0;
      cursor.error = 0;
      let state = init;
      let steps = 0;
      while (state !== ACCEPT) {
        if (++steps > 100_000) {
          cursor.error = E.timeout;
          break;
        }
        state = compiled[state]!(s, cursor);
      }
      s.payloadOffset = Math.ceil(cursor.pos / 8);
      return cursor.error;
    },
  };
}
