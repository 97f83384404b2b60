/**
 * Protocol buffer text format (what p4c writes as `.p4info.txtpb` and what the
 * conformance traces use), driven by protobufjs reflection.
 *
 * parseTextFormat returns a message object in the conventions of proto.ts
 * (snake_case names, 64-bit integers as strings, enums as names, bytes as
 * Buffer, defaults filled in). printTextFormat writes the layout protobuf's
 * own printer uses (fields in number order, two-space indent, proto3 default
 * scalars omitted, map entries sorted by key, C escapes with octal bytes), so
 * that printing a parsed p4c file gives back the same text.
 */
import protobuf from "protobufjs";
import { TO_OBJECT_OPTIONS } from "./proto.ts";

export class TextFormatError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
    this.name = "TextFormatError";
  }
}

type Token =
  | { readonly kind: "ident"; readonly text: string; readonly line: number }
  | { readonly kind: "number"; readonly text: string; readonly line: number }
  | { readonly kind: "string"; readonly bytes: Buffer; readonly line: number }
  | { readonly kind: "punct"; readonly text: string; readonly line: number }
  | { readonly kind: "end"; readonly line: number };

const SIMPLE_ESCAPES: Record<string, number> = { n: 10, r: 13, t: 9, a: 7, b: 8, f: 12, v: 11, "\\": 92, "'": 39, '"': 34, "?": 63 };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "\n") {
      line++;
      i++;
    } else if (c === " " || c === "\t" || c === "\r") {
      i++;
    } else if (c === "#") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < text.length && /[A-Za-z0-9_.]/.test(text[i]!)) i++;
      tokens.push({ kind: "ident", text: text.slice(start, i), line });
    } else if (/[0-9+\-.]/.test(c)) {
      const start = i;
      i++;
      while (i < text.length && /[0-9A-Za-z_.+\-]/.test(text[i]!)) {
        // A sign only continues a number right after an exponent marker.
        if ((text[i] === "+" || text[i] === "-") && !/[eE]/.test(text[i - 1]!)) break;
        i++;
      }
      tokens.push({ kind: "number", text: text.slice(start, i), line });
    } else if (c === '"' || c === "'") {
      const { bytes, next } = readQuoted(text, i, line);
      // Adjacent string literals concatenate, as in C.
      const prev = tokens[tokens.length - 1];
      if (prev?.kind === "string" && prev.line === line) {
        tokens[tokens.length - 1] = { kind: "string", bytes: Buffer.concat([prev.bytes, bytes]), line };
      } else {
        tokens.push({ kind: "string", bytes, line });
      }
      i = next;
    } else if ("{}<>[]:,;/".includes(c)) {
      tokens.push({ kind: "punct", text: c, line });
      i++;
    } else {
      throw new TextFormatError(`unexpected character '${c}'`, line);
    }
  }
  tokens.push({ kind: "end", line });
  return tokens;
}

function readQuoted(text: string, start: number, line: number): { bytes: Buffer; next: number } {
  const quote = text[start]!;
  const out: number[] = [];
  let i = start + 1;
  while (true) {
    if (i >= text.length || text[i] === "\n") throw new TextFormatError("unterminated string", line);
    const c = text[i]!;
    if (c === quote) return { bytes: Buffer.from(out), next: i + 1 };
    if (c !== "\\") {
      const cp = text.codePointAt(i)!;
      out.push(...Buffer.from(String.fromCodePoint(cp), "utf8"));
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const e = text[i + 1];
    if (e === undefined) throw new TextFormatError("unterminated escape", line);
    if (e in SIMPLE_ESCAPES) {
      out.push(SIMPLE_ESCAPES[e]!);
      i += 2;
    } else if (/[0-7]/.test(e)) {
      let j = i + 1;
      let v = 0;
      while (j < i + 4 && /[0-7]/.test(text[j] ?? "")) v = v * 8 + Number(text[j++]);
      out.push(v & 0xff);
      i = j;
    } else if (e === "x" || e === "X") {
      let j = i + 2;
      let v = 0;
      while (j < i + 4 && /[0-9a-fA-F]/.test(text[j] ?? "")) v = v * 16 + parseInt(text[j++]!, 16);
      if (j === i + 2) throw new TextFormatError("\\x without hex digits", line);
      out.push(v);
      i = j;
    } else {
      throw new TextFormatError(`unknown escape \\${e}`, line);
    }
  }
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.pos]!;
  }
  private next(): Token {
    return this.tokens[this.pos++]!;
  }
  private isPunct(text: string): boolean {
    const t = this.peek();
    return t.kind === "punct" && t.text === text;
  }
  private expectPunct(text: string): void {
    const t = this.next();
    if (t.kind !== "punct" || t.text !== text) throw new TextFormatError(`expected '${text}'`, t.line);
  }

  /** Parses fields until `close` (or the end of input for the top level) into a fromObject-ready object. */
  message(type: protobuf.Type, close: string | undefined): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    while (true) {
      const t = this.peek();
      if (close === undefined ? t.kind === "end" : t.kind === "punct" && t.text === close) {
        this.next();
        return out;
      }
      if (t.kind !== "ident") throw new TextFormatError("expected a field name", t.line);
      this.next();
      const field = type.fields[t.text];
      if (!field) throw new TextFormatError(`${type.fullName} has no field '${t.text}'`, t.line);
      field.resolve();
      this.field(field, out);
      if (this.isPunct(",") || this.isPunct(";")) this.next();
    }
  }

  private field(field: protobuf.Field, out: Record<string, unknown>): void {
    const isMessage = field.resolvedType instanceof protobuf.Type;
    if (this.isPunct(":")) this.next();
    else if (!isMessage) throw new TextFormatError(`expected ':' after '${field.name}'`, this.peek().line);
    const readOne = (): unknown => this.value(field);
    if (this.isPunct("[")) {
      this.next();
      const items: unknown[] = [];
      while (!this.isPunct("]")) {
        items.push(readOne());
        if (this.isPunct(",")) this.next();
      }
      this.next();
      for (const item of items) this.store(field, out, item);
      return;
    }
    this.store(field, out, readOne());
  }

  private store(field: protobuf.Field, out: Record<string, unknown>, value: unknown): void {
    if (field instanceof protobuf.MapField) {
      const entry = value as { key?: unknown; value?: unknown };
      const map = (out[field.name] ??= {}) as Record<string, unknown>;
      map[String(entry.key ?? defaultMapKey(field.keyType))] = entry.value ?? (field.resolvedType ? {} : undefined);
    } else if (field.repeated) {
      ((out[field.name] ??= []) as unknown[]).push(value);
    } else {
      out[field.name] = value;
    }
  }

  private value(field: protobuf.Field): unknown {
    if (field instanceof protobuf.MapField) {
      const open = this.next();
      if (open.kind !== "punct" || (open.text !== "{" && open.text !== "<")) throw new TextFormatError("expected '{'", open.line);
      return this.mapEntry(field, open.text === "{" ? "}" : ">");
    }
    const rt = field.resolvedType;
    if (rt instanceof protobuf.Type) {
      const open = this.next();
      if (open.kind !== "punct" || (open.text !== "{" && open.text !== "<")) throw new TextFormatError("expected '{'", open.line);
      return this.message(rt, open.text === "{" ? "}" : ">");
    }
    if (rt instanceof protobuf.Enum) return this.enumValue(rt);
    return this.scalar(field.type);
  }

  private mapEntry(field: protobuf.MapField, close: string): { key?: unknown; value?: unknown } {
    const entry: { key?: unknown; value?: unknown } = {};
    while (!this.isPunct(close)) {
      const t = this.next();
      if (t.kind !== "ident" || (t.text !== "key" && t.text !== "value")) throw new TextFormatError("expected 'key' or 'value'", t.line);
      if (t.text === "key") {
        this.expectPunct(":");
        entry.key = this.scalar(field.keyType);
      } else if (field.resolvedType instanceof protobuf.Type) {
        if (this.isPunct(":")) this.next();
        const open = this.next();
        if (open.kind !== "punct" || (open.text !== "{" && open.text !== "<")) throw new TextFormatError("expected '{'", open.line);
        entry.value = this.message(field.resolvedType, open.text === "{" ? "}" : ">");
      } else if (field.resolvedType instanceof protobuf.Enum) {
        this.expectPunct(":");
        entry.value = this.enumValue(field.resolvedType);
      } else {
        this.expectPunct(":");
        entry.value = this.scalar(field.type);
      }
      if (this.isPunct(",") || this.isPunct(";")) this.next();
    }
    this.next();
    return entry;
  }

  private enumValue(e: protobuf.Enum): string | number {
    const t = this.next();
    if (t.kind === "ident") {
      if (!(t.text in e.values)) throw new TextFormatError(`${e.fullName} has no value '${t.text}'`, t.line);
      return t.text;
    }
    if (t.kind === "number") return Number(t.text);
    throw new TextFormatError(`expected a ${e.fullName} value`, t.line);
  }

  private scalar(type: string): unknown {
    const t = this.next();
    switch (type) {
      case "string":
        if (t.kind !== "string") throw new TextFormatError("expected a string", t.line);
        return t.bytes.toString("utf8");
      case "bytes":
        if (t.kind !== "string") throw new TextFormatError("expected a string", t.line);
        return t.bytes;
      case "bool":
        if (t.kind === "ident" && ["true", "True", "t"].includes(t.text)) return true;
        if (t.kind === "ident" && ["false", "False", "f"].includes(t.text)) return false;
        if (t.kind === "number" && (t.text === "1" || t.text === "0")) return t.text === "1";
        throw new TextFormatError("expected a bool", t.line);
      case "double":
      case "float":
        if (t.kind === "ident" && /^-?(inf|infinity|nan)$/i.test(t.text)) return Number(t.text.replace(/inf(inity)?/i, "Infinity").replace(/nan/i, "NaN"));
        if (t.kind !== "number") throw new TextFormatError("expected a number", t.line);
        return Number(t.text.replace(/[fF]$/, ""));
      default:
        if (t.kind !== "number") throw new TextFormatError("expected an integer", t.line);
        return integerText(t.text, t.line);
    }
  }
}

function defaultMapKey(keyType: string): unknown {
  return keyType === "string" ? "" : keyType === "bool" ? false : 0;
}

/** Decimal text of an integer literal (decimal, 0x hex or 0 octal), exact for 64-bit values. */
function integerText(text: string, line: number): string {
  const negative = text.startsWith("-");
  const body = negative || text.startsWith("+") ? text.slice(1) : text;
  let value: bigint;
  if (/^0[xX][0-9a-fA-F]+$/.test(body)) value = BigInt(body);
  else if (/^0[0-7]+$/.test(body)) value = BigInt("0o" + body.slice(1));
  else if (/^[0-9]+$/.test(body)) value = BigInt(body);
  else throw new TextFormatError(`bad integer '${text}'`, line);
  return (negative ? -value : value).toString();
}

/** Parses text format into a message object of `type` (conventions of proto.ts). */
export function parseTextFormat<T = Record<string, unknown>>(type: protobuf.Type, text: string): T {
  const raw = new Parser(tokenize(text)).message(type, undefined);
  return type.toObject(type.fromObject(raw), TO_OBJECT_OPTIONS) as T;
}

/** C-style escaping as protobuf's text printer does it: named escapes, octal for the rest. */
export function escapeBytes(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) {
    if (b === 0x0a) out += "\\n";
    else if (b === 0x0d) out += "\\r";
    else if (b === 0x09) out += "\\t";
    else if (b === 0x22) out += '\\"';
    else if (b === 0x27) out += "\\'";
    else if (b === 0x5c) out += "\\\\";
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += "\\" + b.toString(8).padStart(3, "0");
  }
  return out;
}

function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === "string") return Buffer.from(value, "base64");
  if (Array.isArray(value)) return Uint8Array.from(value as number[]);
  return new Uint8Array();
}

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** Whether proto3 would leave this scalar off the wire (and so out of the text). */
function isDefaultScalar(field: protobuf.Field, value: unknown): boolean {
  if (field.resolvedType instanceof protobuf.Enum) return value === 0 || value === Object.keys(field.resolvedType.values)[0] || field.resolvedType.values[String(value)] === 0;
  switch (field.type) {
    case "string":
      return value === "";
    case "bytes":
      return toBytes(value).length === 0;
    case "bool":
      return value === false;
    default:
      return String(value) === "0" || String(value) === "-0";
  }
}

function scalarText(field: protobuf.Field, value: unknown): string {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Enum) {
    if (typeof value === "number") return rt.valuesById[value] ?? String(value);
    return String(value);
  }
  return scalarOfType(field.type, value);
}

function scalarOfType(type: string, value: unknown): string {
  switch (type) {
    case "string":
      return `"${escapeBytes(Buffer.from(String(value), "utf8"))}"`;
    case "bytes":
      return `"${escapeBytes(toBytes(value))}"`;
    case "bool":
      return value ? "true" : "false";
    default:
      return String(value);
  }
}

function printMessage(type: protobuf.Type, obj: Record<string, unknown>, indent: string, lines: string[]): void {
  const fields = [...type.fieldsArray].sort((a, b) => a.id - b.id);
  for (const field of fields) {
    field.resolve();
    const value = obj[field.name];
    if (!isPresent(value)) continue;
    const tracksPresence = field.partOf !== null || field.resolvedType instanceof protobuf.Type;
    if (field instanceof protobuf.MapField) {
      const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => compareMapKeys(field.keyType, a, b));
      for (const [key, v] of entries) {
        lines.push(`${indent}${field.name} {`);
        lines.push(`${indent}  key: ${scalarOfType(field.keyType, field.keyType === "bool" ? key === "true" : key)}`);
        if (field.resolvedType instanceof protobuf.Type) {
          lines.push(`${indent}  value {`);
          printMessage(field.resolvedType, (v ?? {}) as Record<string, unknown>, indent + "    ", lines);
          lines.push(`${indent}  }`);
        } else {
          lines.push(`${indent}  value: ${scalarText(field, v)}`);
        }
        lines.push(`${indent}}`);
      }
    } else if (field.repeated) {
      for (const item of value as unknown[]) printOne(field, item, indent, lines);
    } else if (tracksPresence || !isDefaultScalar(field, value)) {
      printOne(field, value, indent, lines);
    }
  }
}

function compareMapKeys(keyType: string, a: string, b: string): number {
  if (keyType === "string") return a < b ? -1 : a > b ? 1 : 0;
  const x = BigInt(a === "true" ? 1 : a === "false" ? 0 : a);
  const y = BigInt(b === "true" ? 1 : b === "false" ? 0 : b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function printOne(field: protobuf.Field, value: unknown, indent: string, lines: string[]): void {
  if (field.resolvedType instanceof protobuf.Type) {
    lines.push(`${indent}${field.name} {`);
    printMessage(field.resolvedType, value as Record<string, unknown>, indent + "  ", lines);
    lines.push(`${indent}}`);
  } else {
    lines.push(`${indent}${field.name}: ${scalarText(field, value)}`);
  }
}

/** Prints a message object (or protobufjs message) of `type` in text format, ending with a newline when non-empty. */
export function printTextFormat(type: protobuf.Type, message: object): string {
  const obj = message instanceof protobuf.Message ? type.toObject(message, TO_OBJECT_OPTIONS) : (message as Record<string, unknown>);
  const lines: string[] = [];
  printMessage(type, obj, "", lines);
  return lines.length === 0 ? "" : lines.join("\n") + "\n";
}
