/**
 * Evaluates the integer expression of `#if` / `#elif` after macro expansion, with C's
 * operators and precedence. Unknown identifiers are 0, as in C.
 */
import type { PpToken } from "./pp_tokens.ts";

export class IfExprError extends Error {}

export function evaluateIfExpr(tokens: PpToken[]): bigint {
  const toks = tokens.filter((t) => t.kind !== "space");
  let pos = 0;
  const peek = (): string | undefined => toks[pos]?.text;
  const next = (): PpToken => {
    const t = toks[pos++];
    if (t === undefined) throw new IfExprError("unexpected end of #if expression");
    return t;
  };
  const expect = (text: string): void => {
    const t = next();
    if (t.text !== text) throw new IfExprError(`expected '${text}' in #if expression, found '${t.text}'`);
  };

  const binaryLevels: string[][] = [
    ["||"], ["&&"], ["|"], ["^"], ["&"], ["==", "!="], ["<", "<=", ">", ">="], ["<<", ">>"], ["+", "-"], ["*", "/", "%"],
  ];

  const primary = (): bigint => {
    const t = next();
    if (t.text === "(") {
      const v = conditional();
      expect(")");
      return v;
    }
    if (t.text === "!") return primary() === 0n ? 1n : 0n;
    if (t.text === "-") return -primary();
    if (t.text === "+") return primary();
    if (t.text === "~") return ~primary();
    if (t.kind === "number") return parseCNumber(t.text);
    if (t.kind === "ident") return 0n;
    if (t.kind === "char") return BigInt(t.text.charCodeAt(1));
    throw new IfExprError(`unexpected '${t.text}' in #if expression`);
  };

  const binary = (level: number): bigint => {
    if (level === binaryLevels.length) return primary();
    let left = binary(level + 1);
    while (peek() !== undefined && binaryLevels[level]!.includes(peek()!)) {
      const op = next().text;
      const right = binary(level + 1);
      left = applyBinary(op, left, right);
    }
    return left;
  };

  const conditional = (): bigint => {
    const c = binary(0);
    if (peek() === "?") {
      next();
      const a = conditional();
      expect(":");
      const b = conditional();
      return c !== 0n ? a : b;
    }
    return c;
  };

  const v = conditional();
  if (pos < toks.length) throw new IfExprError(`unexpected '${toks[pos]!.text}' in #if expression`);
  return v;
}

function applyBinary(op: string, a: bigint, b: bigint): bigint {
  const bool = (x: boolean): bigint => (x ? 1n : 0n);
  switch (op) {
    case "||": return bool(a !== 0n || b !== 0n);
    case "&&": return bool(a !== 0n && b !== 0n);
    case "|": return a | b;
    case "^": return a ^ b;
    case "&": return a & b;
    case "==": return bool(a === b);
    case "!=": return bool(a !== b);
    case "<": return bool(a < b);
    case "<=": return bool(a <= b);
    case ">": return bool(a > b);
    case ">=": return bool(a >= b);
    case "<<": return a << b;
    case ">>": return a >> b;
    case "+": return a + b;
    case "-": return a - b;
    case "*": return a * b;
    case "/":
    case "%":
      if (b === 0n) throw new IfExprError("division by zero in #if expression");
      return op === "/" ? a / b : a % b;
    default:
      throw new IfExprError(`unknown operator '${op}'`);
  }
}

function parseCNumber(text: string): bigint {
  const clean = text.replace(/[uUlL]+$/, "");
  if (/^0[xX][0-9a-fA-F]+$/.test(clean)) return BigInt(clean);
  if (/^0[bB][01]+$/.test(clean)) return BigInt(clean);
  if (/^0[0-7]+$/.test(clean)) return BigInt("0o" + clean.slice(1));
  if (/^[0-9]+$/.test(clean)) return BigInt(clean);
  throw new IfExprError(`invalid integer '${text}' in #if expression`);
}
