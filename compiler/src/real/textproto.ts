/**
 * Reads P4Info protobuf text format (as the real p4c writes it) into the same plain-object
 * shape `emitP4Info` produces. Without the schema it cannot know which fields repeat, so it
 * takes that from the P4Info message definitions' repeated fields listed here.
 */
const repeatedFields = new Set([
  "tables",
  "actions",
  "action_profiles",
  "counters",
  "direct_counters",
  "meters",
  "direct_meters",
  "controller_packet_metadata",
  "value_sets",
  "registers",
  "digests",
  "externs",
  "instances",
  "match_fields",
  "action_refs",
  "params",
  "annotations",
  "structured_annotations",
  "table_ids",
  "direct_resource_ids",
  "arguments",
  "metadata",
  "members",
  "match",
  "entries",
  "structs",
  "headers",
  "header_unions",
  "enums",
  "serializable_enums",
  "new_types",
  "annotation_locations",
  "doc",
]);
const mapFields = new Set(["structs", "headers", "header_unions", "enums", "serializable_enums", "new_types"]);

export type TextProtoObject = { [key: string]: unknown };

export function parseP4InfoText(text: string): TextProtoObject {
  const tokens = tokenize(text);
  let pos = 0;
  const parseMessage = (closing: string | null): TextProtoObject => {
    const out: TextProtoObject = {};
    while (pos < tokens.length) {
      const tok = tokens[pos]!;
      if (closing !== null && tok === closing) {
        pos++;
        return out;
      }
      const name = tok;
      pos++;
      let value: unknown;
      if (tokens[pos] === ":") pos++;
      const next = tokens[pos]!;
      if (next === "{" || next === "<") {
        pos++;
        value = parseMessage(next === "{" ? "}" : ">");
      } else {
        pos++;
        value = scalar(next);
      }
      if (mapFields.has(name) && typeof value === "object" && value !== null && "key" in value) {
        const entry = value as { key: string; value: unknown };
        const map = (out[name] as TextProtoObject | undefined) ?? {};
        map[entry.key] = entry.value;
        out[name] = map;
      } else if (repeatedFields.has(name)) {
        const list = (out[name] as unknown[] | undefined) ?? [];
        list.push(value);
        out[name] = list;
      } else {
        out[name] = value;
      }
    }
    if (closing !== null) throw new Error("text format: missing closing brace");
    return out;
  };
  return parseMessage(null);
}

function scalar(token: string): unknown {
  if (token.startsWith('"')) return unescape(token.slice(1, -1));
  if (token === "true") return true;
  if (token === "false") return false;
  if (/^-?(0x[0-9a-fA-F]+|\d+)$/.test(token)) {
    const n = Number(token);
    return Number.isSafeInteger(n) ? n : BigInt(token);
  }
  if (/^-?\d*\.\d+([eE][-+]?\d+)?$/.test(token)) return Number(token);
  return token;
}

/** Strings keep text; bytes fields (escaped with octal) come back as Buffers when not UTF-8 text. */
function unescape(body: string): string | Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== "\\") {
      bytes.push(...Buffer.from(c, "utf8"));
      continue;
    }
    const n = body[++i]!;
    if (/[0-7]/.test(n)) {
      let digits = n;
      while (digits.length < 3 && /[0-7]/.test(body[i + 1] ?? "")) digits += body[++i];
      bytes.push(parseInt(digits, 8));
    } else if (n === "x") {
      let digits = "";
      while (digits.length < 2 && /[0-9a-fA-F]/.test(body[i + 1] ?? "")) digits += body[++i];
      bytes.push(parseInt(digits, 16));
    } else {
      const named: Record<string, number> = { n: 10, r: 13, t: 9, '"': 34, "'": 39, "\\": 92, a: 7, b: 8, f: 12, v: 11 };
      bytes.push(named[n] ?? n.charCodeAt(0));
    }
  }
  const buf = Buffer.from(bytes);
  return /\\[0-7x]/.test(body) ? buf : buf.toString("utf8");
}

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /\s+|#[^\n]*|("(?:[^"\\]|\\.)*")|([{}<>:;,\[\]])|([^\s{}<>:;,\[\]"]+)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const tok = m[1] ?? m[2] ?? m[3];
    if (tok !== undefined && tok !== ";" && tok !== ",") tokens.push(tok);
    if (re.lastIndex >= text.length) break;
  }
  return tokens;
}
