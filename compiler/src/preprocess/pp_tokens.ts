/**
 * Preprocessing tokens of one logical line: enough structure for macro expansion and `#if`
 * arithmetic, with each token's 1-based column so expansions can be mapped back.
 */
export type PpTokenKind = "ident" | "number" | "string" | "char" | "punct" | "space";

export interface PpToken {
  kind: PpTokenKind;
  text: string;
  col: number;
}

const PUNCTUATORS = [
  "&&&", "|+|", "|-|", "<<=", ">>=", "...",
  "##", "&&", "||", "==", "!=", "<=", ">=", "<<", ">>", "++", "--", "..", "->", "+=", "-=",
];

export function tokenizeLine(line: string): PpToken[] {
  const out: PpToken[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    const col = i + 1;
    const rest = line.slice(i);
    let m: RegExpMatchArray | null;
    if ((m = rest.match(/^\s+/))) {
      out.push({ kind: "space", text: m[0], col });
    } else if ((m = rest.match(/^[A-Za-z_][A-Za-z0-9_]*/))) {
      out.push({ kind: "ident", text: m[0], col });
    } else if ((m = rest.match(/^[0-9][A-Za-z0-9_]*/))) {
      out.push({ kind: "number", text: m[0], col });
    } else if (c === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') j += line[j] === "\\" ? 2 : 1;
      out.push({ kind: "string", text: line.slice(i, Math.min(j + 1, line.length)), col });
      i = Math.min(j + 1, line.length);
      continue;
    } else if (c === "'") {
      let j = i + 1;
      while (j < line.length && line[j] !== "'") j += line[j] === "\\" ? 2 : 1;
      out.push({ kind: "char", text: line.slice(i, Math.min(j + 1, line.length)), col });
      i = Math.min(j + 1, line.length);
      continue;
    } else {
      const p = PUNCTUATORS.find((p) => rest.startsWith(p));
      out.push({ kind: "punct", text: p ?? c, col });
    }
    i += out[out.length - 1]!.text.length;
  }
  return out;
}
