import { escapeBytes } from "../../../bmv2/src/p4runtime/textformat.ts";
import type { P4InfoObject } from "./p4info.ts";

/**
 * Protobuf text format for the P4Info object of `emitP4Info`, laid out like p4c's
 * `--p4runtime-files x.txtpb` (two-space indent, header comment naming the message).
 * It knows the few P4Info fields that are enums or maps; everything else follows from the
 * value's JavaScript type.
 *
 * Not the schema-driven printTextFormat of the switch: that one takes a string in a bytes field
 * as base64 (proto.ts conventions), while `parseP4InfoText` of real/textproto.ts gives printable
 * bytes back as text, which this prints unchanged so that parse + print round-trips. It also
 * prints every field the object holds, in the object's order, where printTextFormat drops
 * proto3 defaults and fields outside our proto and sorts map keys.
 */
const enumFields = new Set(["match_type", "scope", "unit", "idle_timeout_behavior"]);
const mapFields = new Set(["structs", "headers", "header_unions", "enums", "serializable_enums", "new_types"]);

export function printP4InfoText(p4info: P4InfoObject): string {
  const lines = ["# proto-file: p4/config/v1/p4info.proto", "# proto-message: p4.config.v1.P4Info", ""];
  printMessage(p4info, 0, lines);
  return lines.join("\n") + "\n";
}

function printMessage(message: { [key: string]: unknown }, depth: number, lines: string[]): void {
  for (const [key, value] of Object.entries(message)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      for (const item of value) printField(key, item, depth, lines);
    } else if (mapFields.has(key) && isPlainObject(value)) {
      for (const [mapKey, mapValue] of Object.entries(value)) {
        printField(key, { key: mapKey, value: mapValue }, depth, lines);
      }
    } else {
      printField(key, value, depth, lines);
    }
  }
}

function printField(key: string, value: unknown, depth: number, lines: string[]): void {
  const indent = "  ".repeat(depth);
  if (value instanceof Uint8Array) {
    lines.push(`${indent}${key}: "${escapeBytes(value)}"`);
  } else if (isPlainObject(value)) {
    lines.push(`${indent}${key} {`);
    printMessage(value, depth + 1, lines);
    lines.push(`${indent}}`);
  } else if (typeof value === "string") {
    lines.push(enumFields.has(key) ? `${indent}${key}: ${value}` : `${indent}${key}: "${escapeBytes(Buffer.from(value, "utf8"))}"`);
  } else if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") {
    lines.push(`${indent}${key}: ${String(value)}`);
  } else {
    throw new Error(`cannot print P4Info field ${key} of type ${typeof value}`);
  }
}

function isPlainObject(value: unknown): value is { [key: string]: unknown } {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}
