import {
  port as toPort,
  type ActionCall,
  type MatchParam,
  type PortNumber,
  type SwitchModel,
  type TableInfo,
} from "../../../bmv2/src/dataplane/api.ts";
import { parseStf, type ExpectPattern, type StfCommand } from "./parse.ts";

/**
 * Runs an STF test on a switch model and judges it the way p4c's bmv2 STF
 * driver does: on every port, the packets that came out must be exactly as
 * many as that port's `expect` lines and match them in order; a port with no
 * `expect` must send nothing; a port with a data-less `expect` may send
 * anything.
 */
export interface StfResult {
  readonly passed: boolean;
  /** Why the test failed (empty when it passed). */
  readonly failures: readonly string[];
  readonly packetsSent: number;
  readonly packetsReceived: number;
}

export function runStf(stfText: string, sw: SwitchModel): StfResult {
  let commands: StfCommand[];
  try {
    commands = parseStf(stfText);
  } catch (e) {
    return { passed: false, failures: [String(e instanceof Error ? e.message : e)], packetsSent: 0, packetsReceived: 0 };
  }
  const failures: string[] = [];
  const received = new Map<number, Uint8Array[]>();
  const expected = new Map<number, { pattern: ExpectPattern | undefined; line: number }[]>();
  const stop = sw.onEgress((p, frame) => {
    const list = received.get(p) ?? [];
    list.push(frame.slice());
    received.set(p, list);
  });
  const mcNodes: { rid: number; ports: readonly number[] }[] = [];
  const mcGroups = new Map<number, { port: PortNumber; instance: number }[]>();
  let sent = 0;
  try {
    for (const c of commands) {
      try {
        switch (c.kind) {
          case "packet":
            sw.inject(toPort(c.port), c.data);
            sent++;
            break;
          case "expect": {
            const list = expected.get(c.port) ?? [];
            list.push({ pattern: c.pattern, line: c.line });
            expected.set(c.port, list);
            break;
          }
          case "add": {
            const table = resolveTable(sw, c.table);
            const info = sw.control.tableInfo(table);
            const key = buildKey(info, c.keys);
            const call = buildCall(sw, info, c.action, c.args);
            const needsPriority = info.keys.some((k) => k.matchType === "ternary" || k.matchType === "range" || k.matchType === "optional");
            sw.control.tableAdd(table, key, { kind: "action", call }, needsPriority ? (c.priority ?? 0) : undefined);
            break;
          }
          case "setdefault": {
            const table = resolveTable(sw, c.table);
            const info = sw.control.tableInfo(table);
            sw.control.tableSetDefault(table, buildCall(sw, info, c.action, c.args));
            break;
          }
          case "mirroring_add":
            sw.control.cloneSessionSet(c.session, { replicas: [{ port: toPort(c.port), instance: 0 }] });
            break;
          case "mc_mgrp_create":
            mcGroups.set(c.group, []);
            sw.control.multicastGroupSet(c.group, []);
            break;
          case "mc_node_create":
            mcNodes.push({ rid: c.rid, ports: c.ports });
            break;
          case "mc_node_associate": {
            const node = mcNodes[c.node];
            if (!node) throw new Error(`no multicast node handle ${c.node}`);
            const replicas = mcGroups.get(c.group) ?? [];
            for (const p of node.ports) replicas.push({ port: toPort(p), instance: node.rid });
            mcGroups.set(c.group, replicas);
            sw.control.multicastGroupSet(c.group, replicas);
            break;
          }
          case "wait":
            break;
          case "unsupported":
            throw new Error(`unsupported STF command "${c.text}"`);
        }
      } catch (e) {
        failures.push(`line ${c.line}: ${c.kind} failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  } finally {
    stop();
  }

  let receivedCount = 0;
  const ports = new Set([...received.keys(), ...expected.keys()]);
  for (const p of [...ports].sort((a, b) => a - b)) {
    const got = received.get(p) ?? [];
    const all = expected.get(p) ?? [];
    receivedCount += got.length;
    // As in p4c's driver, an `expect` without data lets the port send any number of packets.
    if (all.some((e) => e.pattern === undefined)) {
      if (all.some((e) => e.pattern !== undefined)) failures.push(`port ${p}: has expects both with and without packet data`);
      continue;
    }
    const want = all;
    if (got.length !== want.length) {
      failures.push(
        `port ${p}: expected ${want.length} packet(s), got ${got.length}` +
          (got.length > 0 ? `; received: ${got.map(hex).join(" | ")}` : ""),
      );
    }
    const n = Math.min(got.length, want.length);
    for (let i = 0; i < n; i++) {
      const mismatch = comparePacket(want[i]!.pattern, got[i]!);
      if (mismatch) failures.push(`port ${p} packet ${i} (expect on line ${want[i]!.line}): ${mismatch}`);
    }
  }
  return { passed: failures.length === 0, failures, packetsSent: sent, packetsReceived: receivedCount };
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

/** undefined when the packet matches; otherwise what differs. */
export function comparePacket(pattern: ExpectPattern | undefined, packet: Uint8Array): string | undefined {
  if (!pattern) return undefined;
  const got = hex(packet);
  const want = pattern.nibbles;
  if (got.length < want.length) return `packet too short: ${got.length / 2} bytes, expected ${want.length / 2}; got ${got}, expected ${pattern.text}`;
  for (let i = 0; i < want.length; i++) {
    const w = want[i];
    if (w !== undefined && parseInt(got[i]!, 16) !== w)
      return `differs at nibble ${i} (byte ${i >> 1}): expected ${pattern.text}, got ${got}`;
  }
  if (pattern.exactLength && got.length !== want.length)
    return `packet too long: ${got.length / 2} bytes, expected exactly ${want.length / 2}; got ${got}`;
  return undefined;
}

function suffixMatch(names: readonly string[], wanted: string, what: string): string {
  if (names.includes(wanted)) return wanted;
  const candidates = names.filter((n) => n.endsWith(`.${wanted}`) || n.endsWith(wanted));
  const dotted = candidates.filter((n) => n.endsWith(`.${wanted}`));
  const pick = dotted.length > 0 ? dotted : candidates;
  if (pick.length === 1) return pick[0]!;
  if (pick.length === 0) throw new Error(`unknown ${what} "${wanted}" (known: ${names.join(", ")})`);
  throw new Error(`ambiguous ${what} "${wanted}": ${pick.join(", ")}`);
}

/** Table names are resolved like p4c's driver: exact, else a unique suffix. */
function resolveTable(sw: SwitchModel, name: string): string {
  try {
    sw.control.tableInfo(name);
    return name;
  } catch {
    return suffixMatch(tableNames(sw), name, "table");
  }
}

function tableNames(sw: SwitchModel): readonly string[] {
  return sw.control.tableNames?.() ?? [];
}

function keyFieldIndex(info: TableInfo, name: string): number {
  const alias = name.replace(/\$(\d+)/g, "[$1]");
  const names = info.keys.map((k) => k.name);
  const tries = [alias, `${alias}$`, `${alias}.$valid$`, alias.endsWith(".valid") ? `${alias.slice(0, -6)}.$valid$` : undefined];
  for (const t of tries) {
    if (t === undefined) continue;
    const i = names.indexOf(t);
    if (i >= 0) return i;
  }
  const i = names.findIndex((n) => n.endsWith(`.${alias}`) || n.endsWith(`.${alias}$`) || n.endsWith(`.${alias}.$valid$`));
  if (i >= 0) return i;
  throw new Error(`table "${info.name}" has no key field "${name}" (keys: ${names.join(", ")})`);
}

function parseNumber(text: string): bigint {
  const t = text.replace(/_/g, "");
  if (/^-?\d+$/.test(t)) return BigInt(t);
  if (/^0[xX][0-9a-fA-F]+$/.test(t) || /^0[bB][01]+$/.test(t) || /^0[oO][0-7]+$/.test(t)) return BigInt(t.toLowerCase());
  if (t === "true") return 1n;
  if (t === "false") return 0n;
  throw new Error(`bad number "${text}"`);
}

const RADIX_BITS: Readonly<Record<string, number>> = { x: 4, b: 1, o: 3 };

/** "0x12**" → value with wildcards as 0 and a mask with 0 for each wildcard digit (bits per digit by radix). */
function wildcardValue(text: string): { value: bigint; mask: bigint; digits: number; stars: number } | undefined {
  const m = /^0([xXbBoO])([0-9a-fA-F*]+)$/.exec(text);
  if (!m) return undefined;
  const bits = RADIX_BITS[m[1]!.toLowerCase()]!;
  const digits = m[2]!;
  let value = 0n;
  let mask = 0n;
  const digitMask = BigInt((1 << bits) - 1);
  for (const d of digits) {
    value <<= BigInt(bits);
    mask <<= BigInt(bits);
    if (d !== "*") {
      value |= BigInt(parseInt(d, 16));
      mask |= digitMask;
    }
  }
  return { value, mask, digits: digits.length, stars: [...digits].filter((d) => d === "*").length };
}

function buildKey(info: TableInfo, given: readonly (readonly [string, string])[]): MatchParam[] {
  const key: MatchParam[] = info.keys.map((k): MatchParam => {
    switch (k.matchType) {
      case "exact":
        return { kind: "exact", value: 0n };
      case "lpm":
        return { kind: "lpm", value: 0n, prefixLength: 0 };
      case "ternary":
        return { kind: "ternary", value: 0n, mask: 0n };
      case "range":
        return { kind: "range", low: 0n, high: (1n << BigInt(k.bitwidth)) - 1n };
      case "optional":
        return { kind: "optional", value: null };
      case "valid":
        return { kind: "valid", valid: false };
    }
  });
  for (const [name, text] of given) {
    const i = keyFieldIndex(info, name);
    const k = info.keys[i]!;
    const full = (1n << BigInt(k.bitwidth)) - 1n;
    switch (k.matchType) {
      case "exact":
        key[i] = { kind: "exact", value: parseNumber(text) };
        break;
      case "valid":
        key[i] = { kind: "valid", valid: parseNumber(text) !== 0n };
        break;
      case "optional":
        key[i] = text === "*" ? { kind: "optional", value: null } : { kind: "optional", value: parseNumber(text) };
        break;
      case "ternary": {
        const parts = text.split("&&&");
        if (parts.length === 2) {
          const mask = parseNumber(parts[1]!);
          const value = wildcardValue(parts[0]!)?.value ?? parseNumber(parts[0]!);
          key[i] = { kind: "ternary", value: value & mask, mask };
          break;
        }
        const w = wildcardValue(text);
        if (w) key[i] = { kind: "ternary", value: w.value & full, mask: w.mask & full };
        else key[i] = { kind: "ternary", value: parseNumber(text), mask: full };
        break;
      }
      case "lpm": {
        const slash = text.indexOf("/");
        if (slash >= 0) {
          const prefixLength = Number(text.slice(slash + 1));
          const value = parseNumber(text.slice(0, slash));
          key[i] = { kind: "lpm", value: value & prefixMask(k.bitwidth, prefixLength), prefixLength };
          break;
        }
        const w = wildcardValue(text);
        const radixBits = w ? RADIX_BITS[text[1]!.toLowerCase()]! : 0;
        const prefixLength = w ? Math.min(k.bitwidth, (w.digits - w.stars) * radixBits) : k.bitwidth;
        const value = w ? w.value : parseNumber(text);
        key[i] = { kind: "lpm", value: value & prefixMask(k.bitwidth, prefixLength), prefixLength };
        break;
      }
      case "range": {
        const m = /^(.+?)(?:->|\.\.)(.+)$/.exec(text);
        if (m) key[i] = { kind: "range", low: parseNumber(m[1]!), high: parseNumber(m[2]!) };
        else {
          const v = parseNumber(text);
          key[i] = { kind: "range", low: v, high: v };
        }
        break;
      }
    }
  }
  return key;
}

function prefixMask(width: number, prefix: number): bigint {
  const full = (1n << BigInt(width)) - 1n;
  return full ^ ((1n << BigInt(Math.max(0, width - prefix))) - 1n);
}

function buildCall(sw: SwitchModel, info: TableInfo, action: string, args: readonly (readonly [string, string])[]): ActionCall {
  const name = suffixMatch(info.actions, action, `action of table "${info.name}"`);
  const params = sw.control.actionParams?.(name);
  if (!params) return { action: name, args: args.map(([, v]) => parseNumber(v)) };
  const values = params.map((p) => {
    const a = args.find(([n]) => n === p.name);
    if (!a) throw new Error(`action "${name}" needs parameter "${p.name}"`);
    return BigInt.asUintN(p.bitwidth, parseNumber(a[1]));
  });
  for (const [n] of args) if (!params.some((p) => p.name === n)) throw new Error(`action "${name}" has no parameter "${n}"`);
  return { action: name, args: values };
}
