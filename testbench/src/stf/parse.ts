/**
 * The STF test format of p4c's bmv2 tests, parsed into commands. One command
 * a line; `#` starts a comment. Packet data is hex with optional spaces;
 * expected data may hold `*` (any nibble) and a trailing `$` (exact length).
 */
export type StfCommand =
  | { readonly kind: "packet"; readonly line: number; readonly port: number; readonly data: Uint8Array }
  | { readonly kind: "expect"; readonly line: number; readonly port: number; readonly pattern: ExpectPattern | undefined }
  | { readonly kind: "add"; readonly line: number; readonly table: string; readonly priority: number | undefined; readonly keys: readonly (readonly [string, string])[]; readonly action: string; readonly args: readonly (readonly [string, string])[] }
  | { readonly kind: "setdefault"; readonly line: number; readonly table: string; readonly action: string; readonly args: readonly (readonly [string, string])[] }
  | { readonly kind: "mirroring_add"; readonly line: number; readonly session: number; readonly port: number }
  | { readonly kind: "mc_mgrp_create"; readonly line: number; readonly group: number }
  | { readonly kind: "mc_node_create"; readonly line: number; readonly rid: number; readonly ports: readonly number[] }
  | { readonly kind: "mc_node_associate"; readonly line: number; readonly group: number; readonly node: number }
  | { readonly kind: "wait"; readonly line: number }
  | { readonly kind: "unsupported"; readonly line: number; readonly text: string };

/** An expected packet: nibbles (undefined = wildcard) and whether the length must match exactly. */
export interface ExpectPattern {
  readonly nibbles: readonly (number | undefined)[];
  readonly exactLength: boolean;
  readonly text: string;
}

export class StfSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`STF line ${line}: ${message}`);
    this.name = "StfSyntaxError";
  }
}

function parsePort(word: string | undefined, line: number): number {
  if (word === undefined || !/^\d+$/.test(word)) throw new StfSyntaxError(line, `expected a port number, got "${word ?? ""}"`);
  return Number(word);
}

function hexBytes(text: string, line: number): Uint8Array {
  const hex = text.replace(/\s+/g, "");
  if (!/^[0-9a-fA-F]*$/.test(hex)) throw new StfSyntaxError(line, `bad packet data "${text}"`);
  if (hex.length % 2 !== 0) throw new StfSyntaxError(line, "packet data has an odd number of hex digits");
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function expectPattern(text: string, line: number): ExpectPattern | undefined {
  let t = text.replace(/\s+/g, "");
  if (t === "") return undefined;
  let exactLength = false;
  if (t.endsWith("$")) {
    exactLength = true;
    t = t.slice(0, -1);
  }
  if (!/^[0-9a-fA-F*]*$/.test(t)) throw new StfSyntaxError(line, `bad expected data "${text}"`);
  return { nibbles: [...t].map((c) => (c === "*" ? undefined : parseInt(c, 16))), exactLength, text: t };
}

/** Splits "name(a:1, b:2)" into the name and its (param, value) pairs. */
function actionCall(text: string, line: number): { action: string; args: (readonly [string, string])[] } {
  const m = /^([^()\s]+)\s*\((.*)\)\s*$/.exec(text.trim());
  if (!m) throw new StfSyntaxError(line, `expected action(args), got "${text}"`);
  const args = m[2]!
    .split(",")
    .map((a) => a.trim())
    .filter((a) => a !== "")
    .map((a) => {
      const i = a.indexOf(":");
      if (i < 0) return ["", a] as const;
      return [a.slice(0, i).trim(), a.slice(i + 1).trim()] as const;
    });
  return { action: m[1]!, args };
}

export function parseStf(text: string): StfCommand[] {
  const out: StfCommand[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const hash = raw.indexOf("#");
    const content = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    if (content === "") return;
    const [cmd, ...rest] = content.split(/\s+/);
    const restText = content.slice(cmd!.length).trim();
    switch (cmd!.toLowerCase()) {
      case "packet": {
        const port = parsePort(rest[0], line);
        out.push({ kind: "packet", line, port, data: hexBytes(restText.slice(rest[0]!.length), line) });
        return;
      }
      case "expect": {
        const port = parsePort(rest[0], line);
        out.push({ kind: "expect", line, port, pattern: expectPattern(restText.slice(rest[0]!.length), line) });
        return;
      }
      case "add": {
        const table = rest[0];
        if (!table) throw new StfSyntaxError(line, "add needs a table name");
        let body = restText.slice(table.length).trim();
        let priority: number | undefined;
        const pm = /^(\d+)\s+/.exec(body);
        if (pm) {
          priority = Number(pm[1]);
          body = body.slice(pm[0].length);
        }
        const open = body.indexOf("(");
        if (open < 0) throw new StfSyntaxError(line, "add needs an action call");
        const keyPart = body.slice(0, open).trim().split(/\s+/);
        const actionName = keyPart.pop() ?? "";
        const close = body.lastIndexOf(")");
        const call = actionCall(actionName + body.slice(open, close + 1), line);
        const keys = keyPart
          .filter((k) => k !== "")
          .map((k) => {
            const i = k.indexOf(":");
            if (i < 0) throw new StfSyntaxError(line, `expected key:value, got "${k}"`);
            return [k.slice(0, i), k.slice(i + 1)] as const;
          });
        out.push({ kind: "add", line, table, priority, keys, action: call.action, args: call.args });
        return;
      }
      case "setdefault": {
        const table = rest[0];
        if (!table) throw new StfSyntaxError(line, "setdefault needs a table name");
        const call = actionCall(restText.slice(table.length), line);
        out.push({ kind: "setdefault", line, table, action: call.action, args: call.args });
        return;
      }
      case "mirroring_add":
        out.push({ kind: "mirroring_add", line, session: parsePort(rest[0], line), port: parsePort(rest[1], line) });
        return;
      case "mc_mgrp_create":
        out.push({ kind: "mc_mgrp_create", line, group: parsePort(rest[0], line) });
        return;
      case "mc_node_create":
        out.push({ kind: "mc_node_create", line, rid: parsePort(rest[0], line), ports: rest.slice(1).map((p) => parsePort(p, line)) });
        return;
      case "mc_node_associate":
        out.push({ kind: "mc_node_associate", line, group: parsePort(rest[0], line), node: parsePort(rest[1], line) });
        return;
      case "wait":
        out.push({ kind: "wait", line });
        return;
      default:
        out.push({ kind: "unsupported", line, text: content });
    }
  });
  return out;
}
