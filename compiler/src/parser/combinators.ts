/**
 * Small token-level parsers the typescript-parsec library does not provide: predicates on one
 * token, a filter on results, the adjacent `>` `>` shift operator, and a balanced-parentheses
 * token run (annotation bodies).
 */
import type { Parser, ParserOutput } from "typescript-parsec";
import { Tk, type P4Token } from "../lexer/tokens.ts";

function fail<T>(token: P4Token | undefined, message: string): ParserOutput<Tk, T> {
  return { successful: false, error: { kind: "Error", pos: token?.pos, message } };
}

/** One token satisfying `pred`. */
export function tokenWhere(pred: (t: P4Token) => boolean, what: string): Parser<Tk, P4Token> {
  return {
    parse(token) {
      if (token !== undefined && pred(token)) {
        return { successful: true, candidates: [{ firstToken: token, nextToken: token.next, result: token }], error: undefined };
      }
      return fail(token, `expected ${what}`);
    },
  };
}

/** Keeps only the results of `p` that satisfy `pred`; fails at the start token otherwise. */
export function where<T>(p: Parser<Tk, T>, pred: (value: T) => boolean, what: string): Parser<Tk, T> {
  return {
    parse(token) {
      const out = p.parse(token);
      if (!out.successful) return out;
      const candidates = out.candidates.filter((c) => pred(c.result));
      if (candidates.length === 0) return fail(token, `expected ${what}`);
      return { successful: true, candidates, error: out.error };
    },
  };
}

function adjacent(a: P4Token, b: P4Token): boolean {
  return a.pos.rowEnd === b.pos.rowBegin && a.pos.columnEnd === b.pos.columnBegin;
}

/** `>>`: two `>` tokens with nothing between them. */
export const shiftRight: Parser<Tk, P4Token> = {
  parse(token) {
    const second = token?.next;
    if (token?.text === ">" && second?.text === ">" && adjacent(token, second)) {
      return { successful: true, candidates: [{ firstToken: token, nextToken: second.next, result: token }], error: undefined };
    }
    return fail(token, "expected '>>'");
  },
};

/** `>>=`: a `>` immediately followed by `>=` (how the lexer splits it). */
export const shiftRightAssign: Parser<Tk, P4Token> = {
  parse(token) {
    const second = token?.next;
    if (token?.text === ">" && second?.text === ">=" && adjacent(token, second)) {
      return { successful: true, candidates: [{ firstToken: token, nextToken: second.next, result: token }], error: undefined };
    }
    return fail(token, "expected '>>='");
  },
};

/** A single `>` that is not the first half of `>>`. */
export const greaterThan: Parser<Tk, P4Token> = {
  parse(token) {
    const second = token?.next;
    if (token?.text === ">" && !(second?.text === ">" && adjacent(token, second))) {
      return { successful: true, candidates: [{ firstToken: token, nextToken: second, result: token }], error: undefined };
    }
    return fail(token, "expected '>'");
  },
};

export interface BalancedRun {
  open: P4Token;
  inner: P4Token[];
  close: P4Token;
}

/** `( ... )` with nested parentheses balanced; yields the tokens between the outer pair. */
export const balancedParens: Parser<Tk, BalancedRun> = {
  parse(token) {
    if (token?.text !== "(" || token.kind !== Tk.Punct) return fail(token, "expected '('");
    const inner: P4Token[] = [];
    let depth = 1;
    let t = token.next;
    while (t !== undefined) {
      if (t.kind === Tk.Punct && t.text === "(") depth++;
      if (t.kind === Tk.Punct && t.text === ")") {
        depth--;
        if (depth === 0) {
          return {
            successful: true,
            candidates: [{ firstToken: token, nextToken: t.next, result: { open: token, inner, close: t } }],
            error: undefined,
          };
        }
      }
      inner.push(t);
      t = t.next;
    }
    return fail(undefined, "unbalanced parentheses");
  },
};
