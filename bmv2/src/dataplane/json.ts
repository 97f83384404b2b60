import { SwitchError } from "./api.ts";

/**
 * Checked access to the untyped BMv2 JSON. Every accessor names the path it
 * looked at, so a bad config is rejected with a message that points at the
 * offending element instead of failing later on the packet path.
 */
export type JsonObject = { readonly [key: string]: unknown };

export function invalid(path: string, what: string): SwitchError {
  return new SwitchError("INVALID_ARGUMENT", `invalid BMv2 JSON at ${path}: ${what}`);
}

export function asObject(v: unknown, path: string): JsonObject {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw invalid(path, "expected an object");
  return v as JsonObject;
}

export function asArray(v: unknown, path: string): readonly unknown[] {
  if (!Array.isArray(v)) throw invalid(path, "expected an array");
  return v;
}

export function asString(v: unknown, path: string): string {
  if (typeof v !== "string") throw invalid(path, "expected a string");
  return v;
}

export function asInt(v: unknown, path: string): number {
  if (typeof v !== "number" || !Number.isInteger(v)) throw invalid(path, "expected an integer");
  return v;
}

export function asBool(v: unknown, path: string): boolean {
  if (typeof v !== "boolean") throw invalid(path, "expected a boolean");
  return v;
}

/** A member that may be absent or null (the JSON uses both for "none"). */
export function optional(o: JsonObject, key: string): unknown {
  const v = o[key];
  return v === null ? undefined : v;
}

/** BMv2 hexstrings: big-endian hex, optionally negative ("-0x1f"). */
export function parseHexstr(v: unknown, path: string): bigint {
  const s = asString(v, path);
  const m = /^(-?)0x([0-9a-fA-F]+)$/.exec(s);
  if (!m) throw invalid(path, `bad hexstring "${s}"`);
  const magnitude = BigInt(`0x${m[2]}`);
  return m[1] === "-" ? -magnitude : magnitude;
}

/** Number of hex digits of a hexstring, used to learn byte-padded key widths. */
export function hexDigits(s: string): number {
  return s.replace(/^-?0x/, "").length;
}
