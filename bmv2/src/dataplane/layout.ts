import { bigOf } from "./bits.ts";
import type { PacketState } from "./state.ts";
import { asArray, asBool, asInt, asObject, asString, invalid, optional, type JsonObject } from "./json.ts";

/**
 * Where every header and field of a program lives in the flat per-packet
 * storage. Field values sit in one bigint array (`slot` indexes it), header
 * validity in one byte array (indexed by header index). Everything the packet
 * path needs is resolved here once, at load.
 */
export interface FieldDef {
  readonly name: string;
  /** Bits; for the varbit field this is its maximum width. */
  readonly width: number;
  readonly signed: boolean;
  readonly varbit: boolean;
}

/**
 * Fields kept as JS numbers (PacketState.n) instead of bigints (PacketState.f): unsigned, fixed
 * width, at most 32 bits. Most of a packet's fields are such, and a number costs no allocation
 * to extract, compute with, compare or emit.
 */
export function isNarrow(def: FieldDef): boolean {
  return !def.varbit && !def.signed && def.width <= 32;
}

export interface HeaderType {
  readonly name: string;
  readonly fields: readonly FieldDef[];
  /** Index of the varbit field, -1 when none. */
  readonly varbitIndex: number;
  /** Sum of the fixed-width fields. */
  readonly fixedBits: number;
  readonly maxLengthBytes: number;
  readonly lengthExp: unknown;
  readonly fieldIndex: ReadonlyMap<string, number>;
}

export interface HeaderInstance {
  readonly index: number;
  readonly name: string;
  readonly type: HeaderType;
  readonly metadata: boolean;
  /** Slot of field 0; field i is at base + i. */
  readonly base: number;
  /** Other members of the header union this header belongs to (validating one invalidates them). */
  siblings: readonly number[];
}

export interface HeaderStack {
  readonly index: number;
  readonly name: string;
  readonly type: HeaderType;
  readonly headers: readonly number[];
}

export interface HeaderUnion {
  readonly index: number;
  readonly name: string;
  readonly headers: readonly number[];
  readonly memberNames: readonly string[];
}

export interface UnionStack {
  readonly index: number;
  readonly name: string;
  readonly unions: readonly number[];
}

export class Layout {
  readonly headerTypes = new Map<string, HeaderType>();
  readonly headers: HeaderInstance[] = [];
  readonly headerByName = new Map<string, HeaderInstance>();
  readonly headerById = new Map<number, HeaderInstance>();
  readonly stacks: HeaderStack[] = [];
  readonly stackByName = new Map<string, HeaderStack>();
  readonly unions: HeaderUnion[] = [];
  readonly unionByName = new Map<string, HeaderUnion>();
  readonly unionById = new Map<number, HeaderUnion>();
  readonly unionStacks: UnionStack[] = [];
  readonly unionStackByName = new Map<string, UnionStack>();
  readonly errors = new Map<string, number>();
  readonly fieldAliases = new Map<string, readonly [string, string]>();
  readonly slotCount: number;
  /** Initial field values and validity of a fresh packet (metadata valid, all zero). */
  readonly initialFields: bigint[];
  readonly initialNumbers: number[];
  /** Per slot: whether the field lives in PacketState.n (see isNarrow) rather than PacketState.f. */
  readonly narrow: boolean[];
  readonly initialValid: number[];
  /** Zero-filled arrays sized per header, stack and union stack. */
  readonly initialZeros: { readonly headers: number[]; readonly stacks: number[]; readonly unionStacks: number[] };

  constructor(json: JsonObject) {
    asArray(json["header_types"], "header_types").forEach((raw, i) => {
      const path = `header_types[${i}]`;
      const t = asObject(raw, path);
      const name = asString(t["name"], `${path}.name`);
      const fields: FieldDef[] = asArray(t["fields"], `${path}.fields`).map((rf, j) => {
        const f = asArray(rf, `${path}.fields[${j}]`);
        const fname = asString(f[0], `${path}.fields[${j}][0]`);
        const varbit = f[1] === "*";
        const width = varbit ? 0 : asInt(f[1], `${path}.fields[${j}][1]`);
        if (!varbit && width < 0) throw invalid(`${path}.fields[${j}]`, "negative width");
        // p4c writes the signedness flag as a boolean, but as 0 for bool-typed fields.
        const flag = f[2];
        const signed = f.length > 2 && typeof flag === "number" ? flag !== 0 : f.length > 2 ? asBool(flag, `${path}.fields[${j}][2]`) : false;
        return { name: fname, width, signed, varbit };
      });
      const varbitIndex = fields.findIndex((f) => f.varbit);
      const maxLengthBytes = varbitIndex >= 0 ? asInt(t["max_length"], `${path}.max_length`) : 0;
      const fixedBits = fields.reduce((acc, f) => acc + f.width, 0);
      if (varbitIndex >= 0) {
        const maxVarbit = maxLengthBytes * 8 - fixedBits;
        if (maxVarbit < 0) throw invalid(path, "max_length smaller than the fixed fields");
        fields[varbitIndex] = { ...fields[varbitIndex]!, width: maxVarbit };
      }
      this.headerTypes.set(name, {
        name,
        fields,
        varbitIndex,
        fixedBits,
        maxLengthBytes,
        lengthExp: optional(t, "length_exp"),
        fieldIndex: new Map(fields.map((f, j) => [f.name, j])),
      });
    });

    let slot = 0;
    asArray(json["headers"], "headers").forEach((raw, i) => {
      const path = `headers[${i}]`;
      const h = asObject(raw, path);
      const name = asString(h["name"], `${path}.name`);
      const typeName = asString(h["header_type"], `${path}.header_type`);
      const type = this.headerTypes.get(typeName);
      if (!type) throw invalid(path, `unknown header type "${typeName}"`);
      if (this.headerByName.has(name)) throw invalid(path, `duplicate header "${name}"`);
      const inst: HeaderInstance = {
        index: i,
        name,
        type,
        metadata: asBool(h["metadata"], `${path}.metadata`),
        base: slot,
        siblings: [],
      };
      slot += type.fields.length;
      this.headers.push(inst);
      this.headerByName.set(name, inst);
      this.headerById.set(asInt(h["id"], `${path}.id`), inst);
    });
    this.slotCount = slot;

    asArray(json["header_stacks"] ?? [], "header_stacks").forEach((raw, i) => {
      const path = `header_stacks[${i}]`;
      const s = asObject(raw, path);
      const name = asString(s["name"], `${path}.name`);
      const headers = this.headerIds(s["header_ids"], `${path}.header_ids`);
      const typeName = asString(s["header_type"], `${path}.header_type`);
      const type = this.headerTypes.get(typeName);
      if (!type) throw invalid(path, `unknown header type "${typeName}"`);
      const stack = { index: i, name, type, headers };
      this.stacks.push(stack);
      this.stackByName.set(name, stack);
    });

    const unionTypes = new Map<string, string[]>();
    asArray(json["header_union_types"] ?? [], "header_union_types").forEach((raw, i) => {
      const t = asObject(raw, `header_union_types[${i}]`);
      const members = asArray(t["headers"], `header_union_types[${i}].headers`).map((m, j) =>
        asString(asArray(m, `header_union_types[${i}].headers[${j}]`)[0], `header_union_types[${i}].headers[${j}][0]`),
      );
      unionTypes.set(asString(t["name"], `header_union_types[${i}].name`), members);
    });
    asArray(json["header_unions"] ?? [], "header_unions").forEach((raw, i) => {
      const path = `header_unions[${i}]`;
      const u = asObject(raw, path);
      const name = asString(u["name"], `${path}.name`);
      const headers = this.headerIds(u["header_ids"], `${path}.header_ids`);
      const memberNames = unionTypes.get(asString(u["union_type"], `${path}.union_type`)) ?? [];
      const union = { index: i, name, headers, memberNames };
      this.unions.push(union);
      this.unionByName.set(name, union);
      this.unionById.set(asInt(u["id"], `${path}.id`), union);
      for (const h of headers) this.headers[h]!.siblings = headers.filter((o) => o !== h);
    });
    asArray(json["header_union_stacks"] ?? [], "header_union_stacks").forEach((raw, i) => {
      const path = `header_union_stacks[${i}]`;
      const u = asObject(raw, path);
      const name = asString(u["name"], `${path}.name`);
      const unions = asArray(u["header_union_ids"], `${path}.header_union_ids`).map((id, j) => {
        const un = this.unionById.get(asInt(id, `${path}.header_union_ids[${j}]`));
        if (!un) throw invalid(`${path}.header_union_ids[${j}]`, `unknown header union id ${String(id)}`);
        return un.index;
      });
      const stack = { index: i, name, unions };
      this.unionStacks.push(stack);
      this.unionStackByName.set(name, stack);
    });

    asArray(json["errors"] ?? [], "errors").forEach((raw, i) => {
      const e = asArray(raw, `errors[${i}]`);
      this.errors.set(asString(e[0], `errors[${i}][0]`), asInt(e[1], `errors[${i}][1]`));
    });
    asArray(json["field_aliases"] ?? [], "field_aliases").forEach((raw, i) => {
      const a = asArray(raw, `field_aliases[${i}]`);
      const target = asArray(a[1], `field_aliases[${i}][1]`);
      this.fieldAliases.set(asString(a[0], `field_aliases[${i}][0]`), [
        asString(target[0], `field_aliases[${i}][1][0]`),
        asString(target[1], `field_aliases[${i}][1][1]`),
      ]);
    });

    this.initialFields = new Array<bigint>(this.slotCount).fill(0n);
    this.initialNumbers = new Array<number>(this.slotCount).fill(0);
    this.narrow = new Array<boolean>(this.slotCount).fill(false);
    for (const h of this.headers) h.type.fields.forEach((def, i) => (this.narrow[h.base + i] = isNarrow(def)));
    this.initialValid = this.headers.map((h) => (h.metadata ? 1 : 0));
    this.initialZeros = {
      headers: new Array<number>(this.headers.length).fill(0),
      stacks: new Array<number>(this.stacks.length).fill(0),
      unionStacks: new Array<number>(this.unionStacks.length).fill(0),
    };
  }

  private headerIds(v: unknown, path: string): number[] {
    return asArray(v, path).map((id, j) => {
      const h = this.headerById.get(asInt(id, `${path}[${j}]`));
      if (!h) throw invalid(`${path}[${j}]`, `unknown header id ${String(id)}`);
      return h.index;
    });
  }

  header(name: string, path: string): HeaderInstance {
    const h = this.headerByName.get(name);
    if (!h) throw invalid(path, `unknown header "${name}"`);
    return h;
  }

  stack(name: string, path: string): HeaderStack {
    const s = this.stackByName.get(name);
    if (!s) throw invalid(path, `unknown header stack "${name}"`);
    return s;
  }

  union(name: string, path: string): HeaderUnion {
    const u = this.unionByName.get(name);
    if (!u) throw invalid(path, `unknown header union "${name}"`);
    return u;
  }

  unionStack(name: string, path: string): UnionStack {
    const u = this.unionStackByName.get(name);
    if (!u) throw invalid(path, `unknown header union stack "${name}"`);
    return u;
  }

  /** A field's value whichever array holds it. */
  read(s: PacketState, slot: number): bigint {
    return this.narrow[slot] ? bigOf(s.n[slot]!) : s.f[slot]!;
  }

  /** Stores a value already reduced to the field's width. */
  write(s: PacketState, slot: number, v: bigint): void {
    if (this.narrow[slot]) s.n[slot] = Number(v);
    else s.f[slot] = v;
  }

  /** Resolves a [header, field] reference (following field aliases) to header and field index. */
  field(ref: readonly [string, string], path: string): { header: HeaderInstance; index: number; def: FieldDef } {
    const alias = this.fieldAliases.get(`${ref[0]}.${ref[1]}`);
    const [hname, fname] = alias ?? ref;
    const header = this.header(hname, path);
    const index = header.type.fieldIndex.get(fname);
    if (index === undefined) throw invalid(path, `header "${hname}" has no field "${fname}"`);
    return { header, index, def: header.type.fields[index]! };
  }
}
