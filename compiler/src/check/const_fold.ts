/**
 * Compile-time evaluation of operators on known values, with P4's wrap-around semantics for
 * fixed-width types (bit<W> modulo 2^W, int<W> two's complement) and exact arithmetic for int.
 */
import type { BinaryOp, Type, UnaryOp } from "../ast/nodes.ts";

/** Brings a value into the range of a fixed-width type; infint values are unchanged. */
export function wrapToType(value: bigint, t: Type): bigint {
  if (t.kind === "bit") return BigInt.asUintN(t.width, value);
  if (t.kind === "int") return BigInt.asIntN(t.width, value);
  return value;
}

export type ConstValue = bigint | boolean;

/** Widest type (and largest shift) p4c supports. */
export const MAX_WIDTH = 2048n;
/**
 * Largest unsized constant kept: products of wide constants can double their size at every
 * step, so without a cap a short expression could take unbounded time and memory.
 */
export const MAX_CONSTANT_BITS = 1 << 16;
/** Every stack element becomes a header instance in the output, so the size bounds its length. */
export const MAX_STACK_SIZE = 1n << 16n;

export function bitLength(v: bigint): number {
  return (v < 0n ? -v : v).toString(16).length * 4;
}

export function foldUnary(op: UnaryOp, v: ConstValue, t: Type): ConstValue | undefined {
  if (typeof v === "boolean") return op === "!" ? !v : undefined;
  switch (op) {
    case "-": return wrapToType(-v, t);
    case "+": return v;
    case "~": return t.kind === "infint" ? undefined : wrapToType(~v, t);
    default: return undefined;
  }
}

/** `resultType` is the operator's result type (used for wrapping). */
export function foldBinary(op: BinaryOp, a: ConstValue, b: ConstValue, operandType: Type, resultType: Type): ConstValue | undefined {
  if (typeof a === "boolean" || typeof b === "boolean") {
    if (typeof a !== "boolean" || typeof b !== "boolean") return undefined;
    switch (op) {
      case "&&": return a && b;
      case "||": return a || b;
      case "==": return a === b;
      case "!=": return a !== b;
      default: return undefined;
    }
  }
  const wrap = (v: bigint): bigint => wrapToType(v, resultType);
  switch (op) {
    case "+": return wrap(a + b);
    case "-": return wrap(a - b);
    case "*": return wrap(a * b);
    case "/": return b === 0n ? undefined : wrap(a / b);
    case "%": return b === 0n ? undefined : wrap(a % b);
    case "|+|": return saturate(a + b, operandType);
    case "|-|": return saturate(a - b, operandType);
    case "<<": return wrap(a << b);
    case ">>": return wrap(a >> b);
    case "&": return wrap(a & b);
    case "|": return wrap(a | b);
    case "^": return wrap(a ^ b);
    case "==": return a === b;
    case "!=": return a !== b;
    case "<": return a < b;
    case "<=": return a <= b;
    case ">": return a > b;
    case ">=": return a >= b;
    case "++": {
      if (resultType.kind !== "bit" && resultType.kind !== "int") return undefined;
      const rightWidth = resultType.width - (operandType.kind === "bit" || operandType.kind === "int" ? operandType.width : 0);
      return wrap((BigInt.asUintN(resultType.width, a) << BigInt(rightWidth)) | BigInt.asUintN(rightWidth, b));
    }
    default: return undefined;
  }
}

function saturate(v: bigint, t: Type): bigint {
  if (t.kind === "bit") {
    const max = (1n << BigInt(t.width)) - 1n;
    return v < 0n ? 0n : v > max ? max : v;
  }
  if (t.kind === "int") {
    const max = (1n << BigInt(t.width - 1)) - 1n;
    const min = -(1n << BigInt(t.width - 1));
    return v < min ? min : v > max ? max : v;
  }
  return v;
}
