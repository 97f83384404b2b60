import type { HeaderDecl, HeaderUnionDecl, SrcLoc, StructDecl, Type } from "../ast/nodes.ts";
import type { IrExpr, IrFieldDef, IrHeader, IrHeaderStack, IrHeaderType, IrHeaderUnion, IrHeaderUnionStack, IrHeaderUnionType } from "../ir/program.ts";
import { padToBytes, standardMetadataType } from "../ir/v1model.ts";
import { LowerError, isSigned, representation, resolved, scalarWidth } from "./types.ts";

/**
 * Where a P4 value lives in bmv2: scalar values are fields (of a header instance or of the
 * `scalars` metadata header), headers are header instances, structs are just groups of
 * locations (bmv2 has no structs), stacks and unions are bmv2 stacks and unions.
 */
export type Loc =
  | { readonly k: "field"; readonly header: string; readonly field: string; readonly type: Type }
  /** `fields` maps each member to its field (struct members of a header are flattened into fields). */
  | { readonly k: "header"; readonly name: string; readonly decl: HeaderDecl; readonly type: Type; readonly fields: ReadonlyMap<string, Loc> }
  | { readonly k: "struct"; readonly fields: ReadonlyMap<string, Loc>; readonly type: Type }
  /** A stack of headers or (a bmv2 header union stack) of unions: `elements` are all of one kind. */
  | { readonly k: "stack"; readonly name: string; readonly elements: readonly Loc[]; readonly type: Type }
  | { readonly k: "union"; readonly name: string; readonly members: ReadonlyMap<string, Loc>; readonly type: Type };

type LayoutMember =
  | { readonly kind: "field"; readonly field: string; readonly type: Type }
  | { readonly kind: "struct"; readonly members: ReadonlyMap<string, LayoutMember>; readonly type: Type };

export type FieldLoc = Extract<Loc, { k: "field" }>;

export const SCALARS = "scalars";
export const STANDARD_METADATA = "standard_metadata";

/** Collects the header types and instances of the program while lowering allocates storage. */
export class Storage {
  private readonly headerTypes = new Map<string, IrHeaderType>();
  private readonly headers: IrHeader[] = [];
  private readonly stacks: IrHeaderStack[] = [];
  private readonly unionTypes = new Map<string, IrHeaderUnionType>();
  private readonly unions: IrHeaderUnion[] = [];
  private readonly unionStacks: IrHeaderUnionStack[] = [];
  private readonly scalarFields: IrFieldDef[] = [];
  private readonly usedInstanceNames = new Set<string>([SCALARS, STANDARD_METADATA]);
  private readonly usedScalarNames = new Set<string>();
  private readonly layouts = new Map<HeaderDecl, ReadonlyMap<string, LayoutMember>>();

  /** A unique scalar field for a value of `type`, named after `hint`. */
  scalar(hint: string, type: Type, loc: SrcLoc): FieldLoc {
    const name = unique(hint, this.usedScalarNames);
    this.scalarFields.push({ name, width: scalarWidth(type, loc), signed: isSigned(type), varbit: false });
    return { k: "field", header: SCALARS, field: name, type };
  }

  /** Storage for a whole value of `type`; "leaf" names headers of a struct by their field name alone, as p4c names `hdr.ethernet` "ethernet". */
  allocate(hint: string, type: Type, loc: SrcLoc, headerNaming: "path" | "leaf" = "path"): Loc {
    const r = representation(type);
    switch (r.kind) {
      case "header":
        return this.header(hint, r.decl, type, loc);
      case "struct": {
        // A copy of standard_metadata must be a header of bmv2's standard_metadata type:
        // primitives like mark_to_drop take the whole header.
        if (r.decl.name === "standard_metadata_t") return this.standardMetadataCopy(hint, type);
        const fields = new Map<string, Loc>();
        for (const f of r.decl.fields) {
          const ft = resolved(f.type);
          const leaf = headerNaming === "leaf" && isHeaderLike(ft);
          fields.set(f.name, this.allocate(leaf ? f.name : `${hint}.${f.name}`, ft, f.loc, "path"));
        }
        return { k: "struct", fields, type };
      }
      case "tuple": {
        // bmv2 has no tuples: like a struct whose members are named by position.
        const fields = new Map<string, Loc>(r.elements.map((et, i) => [String(i), this.allocate(`${hint}_${i}`, et, loc, "path")]));
        return { k: "struct", fields, type };
      }
      case "stack":
        return this.stack(hint, r.element, r.size, type, loc);
      case "union":
        return this.union(hint, r.decl, type, loc);
      case "varbit":
        return this.varbitHolder(hint, r.maxWidth, type);
      default:
        return this.scalar(hint, type, loc);
    }
  }

  /** bmv2 keeps varbit values only in headers: a varbit variable gets a one-field header of its own. */
  private varbitHolder(hint: string, maxWidth: number, type: Type): Loc {
    const typeName = `varbit_${maxWidth}_t`;
    if (!this.headerTypes.has(typeName)) this.headerTypes.set(typeName, { name: typeName, fields: [{ name: "field", width: maxWidth, signed: false, varbit: true }] });
    const name = unique(hint, this.usedInstanceNames);
    this.headers.push({ name, headerType: typeName, metadata: false });
    return { k: "field", header: name, field: "field", type };
  }

  /** standard_metadata is fixed by the target: one instance with bmv2's own layout. */
  standardMetadata(type: Type): Loc {
    const r = representation(type);
    if (r.kind !== "struct") throw new Error("internal: standard_metadata_t is not a struct");
    const fields = new Map<string, Loc>();
    for (const f of r.decl.fields) fields.set(f.name, { k: "field", header: STANDARD_METADATA, field: f.name, type: resolved(f.type) });
    return { k: "struct", fields, type };
  }

  private standardMetadataCopy(hint: string, type: Type): Loc {
    const r = representation(type);
    if (r.kind !== "struct") throw new Error("internal: standard_metadata_t is not a struct");
    const name = unique(hint, this.usedInstanceNames);
    this.headers.push({ name, headerType: "standard_metadata", metadata: true });
    const fields = new Map<string, Loc>();
    for (const f of r.decl.fields) fields.set(f.name, { k: "field", header: name, field: f.name, type: resolved(f.type) });
    return { k: "struct", fields, type };
  }

  private header(hint: string, decl: HeaderDecl, type: Type, loc: SrcLoc, fixedName?: string): Loc {
    const layout = this.headerType(decl, loc);
    const name = fixedName ?? unique(hint, this.usedInstanceNames);
    this.headers.push({ name, headerType: decl.name, metadata: false });
    const locate = (member: LayoutMember): Loc =>
      member.kind === "field"
        ? { k: "field", header: name, field: member.field, type: member.type }
        : { k: "struct", fields: new Map([...member.members].map(([n, m]) => [n, locate(m)])), type: member.type };
    return { k: "header", name, decl, type, fields: new Map([...layout].map(([n, m]) => [n, locate(m)])) };
  }

  private stack(hint: string, element: Type, size: number, type: Type, loc: SrcLoc): Loc {
    const name = unique(hint, this.usedInstanceNames);
    const er = representation(element);
    if (er.kind === "header") {
      const elements = Array.from({ length: size }, (_, i) => {
        const elementName = `${name}[${i}]`;
        this.usedInstanceNames.add(elementName);
        return this.header(elementName, er.decl, element, loc, elementName);
      });
      this.stacks.push({ name, headerType: er.decl.name, headers: elements.map((e) => (e as { name: string }).name) });
      return { k: "stack", name, elements, type };
    }
    if (er.kind === "union") {
      // Element i is the union `name[i]`, its members `name[i].m`, as p4c names them.
      const elements = Array.from({ length: size }, (_, i) => {
        const elementName = `${name}[${i}]`;
        this.usedInstanceNames.add(elementName);
        return this.union(elementName, er.decl, element, loc, elementName);
      });
      this.unionStacks.push({ name, unionType: er.decl.name, unions: elements.map((e) => (e as { name: string }).name) });
      return { k: "stack", name, elements, type };
    }
    throw new LowerError(loc, `stacks of ${er.kind} are not supported by the bmv2 back end`);
  }

  private union(hint: string, decl: HeaderUnionDecl, type: Type, loc: SrcLoc, fixedName?: string): Loc {
    const name = fixedName ?? unique(hint, this.usedInstanceNames);
    const members = new Map<string, Loc>();
    const memberTypes: { name: string; headerType: string }[] = [];
    for (const f of decl.fields) {
      const ft = representation(resolved(f.type));
      if (ft.kind !== "header") throw new LowerError(f.loc, "a header union member must be a header");
      const memberName = `${name}.${f.name}`;
      this.usedInstanceNames.add(memberName);
      members.set(f.name, this.header(memberName, ft.decl, resolved(f.type), loc, memberName));
      memberTypes.push({ name: f.name, headerType: ft.decl.name });
    }
    if (!this.unionTypes.has(decl.name)) this.unionTypes.set(decl.name, { name: decl.name, members: memberTypes });
    this.unions.push({ name, unionType: decl.name, headers: [...members.values()].map((m) => (m as { name: string }).name) });
    return { k: "union", name, members, type };
  }

  /**
   * The bmv2 header type of a P4 header: struct-typed members are flattened into fields named
   * like p4c's (`_row_e0`: member path and position), since bmv2 headers hold only bit fields.
   */
  private headerType(decl: HeaderDecl, loc: SrcLoc): ReadonlyMap<string, LayoutMember> {
    const known = this.layouts.get(decl);
    if (known) return known;
    const fields: IrFieldDef[] = [];
    const member = (path: string[], t: Type, nested: boolean): LayoutMember => {
      const r = representation(t);
      if (r.kind === "struct") {
        const members = new Map<string, LayoutMember>();
        for (const f of r.decl.fields) members.set(f.name, member([...path, f.name], resolved(f.type), true));
        return { kind: "struct", members, type: t };
      }
      const name = nested ? `_${path.join("_")}${fields.length}` : path[0]!;
      if (r.kind === "varbit") fields.push({ name, width: r.maxWidth, signed: false, varbit: true });
      else fields.push({ name, width: scalarWidth(t, loc), signed: isSigned(t), varbit: false });
      return { kind: "field", field: name, type: t };
    };
    const layout = new Map<string, LayoutMember>();
    for (const f of decl.fields) layout.set(f.name, member([f.name], resolved(f.type), false));
    this.layouts.set(decl, layout);
    this.headerTypes.set(decl.name, { name: decl.name, fields });
    return layout;
  }

  /** Member names and widths of a struct of scalars (a digest's type, for P4Info). */
  structMembers(decl: StructDecl): { name: string; width: number }[] {
    return decl.fields.map((f) => ({ name: f.name, width: scalarWidth(resolved(f.type), f.loc) }));
  }

  headerTypeList(): IrHeaderType[] {
    return [
      { name: "scalars_0", fields: padToBytes(this.scalarFields, "_padding_0") },
      standardMetadataType(),
      ...this.headerTypes.values(),
    ];
  }

  headerList(): IrHeader[] {
    return [
      { name: SCALARS, headerType: "scalars_0", metadata: true },
      { name: STANDARD_METADATA, headerType: "standard_metadata", metadata: true },
      ...this.headers,
    ];
  }

  stackList(): IrHeaderStack[] {
    return this.stacks;
  }

  unionTypeList(): IrHeaderUnionType[] {
    return [...this.unionTypes.values()];
  }

  unionList(): IrHeaderUnion[] {
    return this.unions;
  }

  unionStackList(): IrHeaderUnionStack[] {
    return this.unionStacks;
  }
}

/** A whole stack as an operand: bmv2 tells header stacks and header union stacks apart. */
export function stackOperand(stack: Loc & { k: "stack" }): IrExpr {
  return stack.elements[0]?.k === "union" ? { kind: "headerUnionStack", name: stack.name } : { kind: "headerStack", name: stack.name };
}

function isHeaderLike(t: Type): boolean {
  const r = representation(t);
  return r.kind === "header" || r.kind === "stack" || r.kind === "union" || r.kind === "struct";
}

export function unique(hint: string, used: Set<string>): string {
  let name = hint;
  for (let i = 0; used.has(name); i++) name = `${hint}_${i}`;
  used.add(name);
  return name;
}
