import type { ActionCall, ControlPlane, MatchParam, TableInfo } from "../../../bmv2/src/dataplane/api.ts";

/**
 * STF `add`/`setdefault` arguments resolved against a program's tables the way p4c's driver
 * resolves them: table and action names by exact name or unique suffix, key fields by name
 * (`$N` for stack indices, `.valid` for validity), numbers in any radix, `*` digits as
 * wildcards, missing keys as match-anything.
 */
export type ProgramSchema = Pick<ControlPlane, "tableInfo" | "tableNames" | "actionParams">;

/** Whether entries of this table need a priority (bmv2 orders overlapping entries by it). */
export function needsPriority(info: TableInfo): boolean {
  return info.keys.some((k) => k.matchType === "ternary" || k.matchType === "range" || k.matchType === "optional");
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
export function resolveTable(schema: ProgramSchema, name: string): string {
  try {
    schema.tableInfo(name);
    return name;
  } catch {
    return suffixMatch(schema.tableNames?.() ?? [], name, "table");
  }
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

export function parseNumber(text: string): bigint {
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

export function buildKey(info: TableInfo, given: readonly (readonly [string, string])[]): MatchParam[] {
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

export function buildCall(schema: ProgramSchema, info: TableInfo, action: string, args: readonly (readonly [string, string])[]): ActionCall {
  const name = suffixMatch(info.actions, action, `action of table "${info.name}"`);
  const params = schema.actionParams?.(name);
  if (!params) return { action: name, args: args.map(([, v]) => parseNumber(v)) };
  const values = params.map((p) => {
    const a = args.find(([n]) => n === p.name);
    if (!a) throw new Error(`action "${name}" needs parameter "${p.name}"`);
    return BigInt.asUintN(p.bitwidth, parseNumber(a[1]));
  });
  for (const [n] of args) if (!params.some((p) => p.name === n)) throw new Error(`action "${name}" has no parameter "${n}"`);
  return { action: name, args: values };
}
