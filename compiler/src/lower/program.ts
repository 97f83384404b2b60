import { basename } from "node:path";
import type { CheckedProgram, ControlDecl, Expr, Param, ParserDecl, Type } from "../ast/nodes.ts";
import type { IrControllerHeader, IrDeparser, IrExpr, IrPipeline, IrProgram } from "../ir/program.ts";
import { coreErrors, v1modelFieldAliases } from "../ir/v1model.ts";
import { LowerContext } from "./context.ts";
import { Env } from "./env.ts";
import { GraphBuilder } from "./graph.ts";
import { Lowerer } from "./lowerer.ts";
import type { NStmt } from "./nstmt.ts";
import { lowerParser } from "./parser.ts";
import type { Loc } from "./storage.ts";
import { LowerError, annotationNumber, annotationString, representation, resolved, scalarWidth, typeOf } from "./types.ts";

/** The six blocks of a V1Switch package, in its parameter order. */
interface V1SwitchBlocks {
  readonly parser: ParserDecl;
  readonly verifyChecksum: ControlDecl;
  readonly ingress: ControlDecl;
  readonly egress: ControlDecl;
  readonly computeChecksum: ControlDecl;
  readonly deparser: ControlDecl;
}

/** Checked v1model program -> IR. Throws LowerError (with a source position) on what it cannot lower. */
export function lowerProgram(checked: CheckedProgram, programFile: string): IrProgram {
  const ctx = new LowerContext(checked);
  const blocks = v1switchBlocks(checked);
  const lowerer = new Lowerer(ctx, "control");

  const globalEnv = new Env(null, "");
  for (const d of checked.program.decls) {
    if (d.kind === "Instantiation" && d !== checked.main) lowerer.instantiate(d, globalEnv);
  }

  const [, hdrParam, metaParam, smParam] = blocks.parser.params;
  if (!hdrParam || !metaParam || !smParam) throw new LowerError(blocks.parser.loc, "the v1model parser needs (packet_in, out H, inout M, inout standard_metadata_t)");
  const headers = ctx.storage.allocate("hdr", resolved(hdrParam.type), hdrParam.loc, "leaf");
  const userMeta = ctx.storage.allocate("userMetadata", resolved(metaParam.type), metaParam.loc);
  const standardMeta = ctx.storage.standardMetadata(resolved(smParam.type));
  collectPreservedFields(resolved(metaParam.type), userMeta, ctx.preservedFields);
  const storageFor = (t: Type): Loc | null => {
    const r = representation(t);
    if (r.kind === "struct" && r.decl.name === "standard_metadata_t") return standardMeta;
    if (sameType(t, resolved(hdrParam.type))) return headers;
    if (sameType(t, resolved(metaParam.type))) return userMeta;
    return null;
  };
  const blockEnv = (decl: ParserDecl | ControlDecl): Env => {
    const env = globalEnv.child(annotationString(decl.annotations, "name") ?? decl.name);
    bindBlockParams(decl.params, env, storageFor);
    return env;
  };

  const parser = lowerParser(lowerer.withMode("parser"), blocks.parser, blockEnv(blocks.parser));
  for (const checksumControl of [blocks.verifyChecksum, blocks.computeChecksum]) {
    const sink: NStmt[] = [];
    lowerer.controlBody(checksumControl, blockEnv(checksumControl), sink);
  }
  const pipelines: IrPipeline[] = (["ingress", "egress"] as const).map((which) => {
    const decl = blocks[which];
    ctx.pipelineIndex = which === "ingress" ? 1 : 2;
    const body: NStmt[] = [];
    lowerer.controlBody(decl, blockEnv(decl), body);
    const graph = new GraphBuilder(ctx);
    let initTable: string | null;
    try {
      initTable = graph.pipeline(body);
    } catch (err) {
      if (err instanceof LowerError) throw err;
      throw new LowerError(decl.loc, (err as Error).message);
    }
    const tableNames = new Set(graph.tables.map((t) => t.name));
    const ordered = graph.ordered();
    return {
      name: which,
      source: ctx.src.info(decl.loc, decl.name),
      initTable,
      tables: ordered.tables,
      actionProfiles: [...ctx.profiles.values()].filter((p) => p.tables.some((t) => tableNames.has(t))),
      conditionals: ordered.conditionals,
    };
  });
  ctx.pipelineIndex = 3;
  const deparser = lowerDeparser(lowerer, blocks.deparser, blockEnv(blocks.deparser));

  const userErrors = checked.errors.map((e) => e.name);
  return {
    programName: basename(programFile),
    arch: "v1model",
    headerTypes: ctx.storage.headerTypeList(),
    headers: ctx.storage.headerList(),
    headerStacks: ctx.storage.stackList(),
    headerUnionTypes: ctx.storage.unionTypeList(),
    headerUnions: ctx.storage.unionList(),
    headerUnionStacks: ctx.storage.unionStackList(),
    fieldLists: ctx.fieldLists,
    errors: (userErrors.length > 0 ? userErrors : coreErrors).map((name, i) => [name, i] as const),
    enums: [],
    parsers: [parser],
    parseVsets: ctx.parseVsets,
    deparsers: [deparser],
    meterArrays: ctx.meters.filter((m) => m.directTable !== null || !ctx.directInstances.has(m.name)),
    counterArrays: ctx.counters.filter((c) => c.directTable !== null || !ctx.directInstances.has(c.name)),
    registerArrays: ctx.registers,
    calculations: ctx.calculations,
    learnLists: ctx.learnLists,
    actions: ctx.orderedActions(),
    pipelines,
    checksums: ctx.checksums,
    externInstances: [],
    fieldAliases: v1modelFieldAliases,
    controllerHeaders: controllerHeaders(checked),
    typeInfo: {
      serializableEnums: [...ctx.controlPlaneEnums.values()],
      errors: ctx.controlPlaneErrors ? checked.errors.map((e) => e.name) : null,
      newTypes: [...ctx.newTypes.values()],
    },
  };
}

/** Walks the user metadata struct for `@field_list(n, ...)` annotations. */
function collectPreservedFields(t: Type, loc: Loc, out: Map<number, IrExpr[]>): void {
  const r = representation(t);
  if (r.kind !== "struct" || loc.k !== "struct") return;
  for (const f of r.decl.fields) {
    const member = loc.fields.get(f.name);
    if (!member) continue;
    if (member.k === "struct") collectPreservedFields(resolved(f.type), member, out);
    if (member.k !== "field") continue;
    for (const a of f.annotations.filter((x) => x.name === "field_list")) {
      const indices = (a.args ?? []).map((e) => e.constValue).filter((v): v is bigint => typeof v === "bigint");
      const fromTokens = indices.length > 0 ? indices.map(Number) : a.tokens.map((tk) => Number(tk.text)).filter((n) => Number.isInteger(n));
      for (const index of fromTokens) out.set(index, [...(out.get(index) ?? []), { kind: "field", header: member.header, field: member.field }]);
    }
  }
}

/** Headers marked @controller_header("packet_in"/"packet_out") describe packet I/O metadata in P4Info. */
function controllerHeaders(checked: CheckedProgram): IrControllerHeader[] {
  return checked.program.decls.flatMap((d) => {
    if (d.kind !== "HeaderDecl") return [];
    const name = annotationString(d.annotations, "controller_header");
    if (name === null) return [];
    return [
      {
        name,
        headerType: d.name,
        fields: d.fields.map((f) => ({ name: f.name, bitwidth: scalarWidth(resolved(f.type), f.loc), idAnnotation: annotationNumber(f.annotations, "id") })),
      },
    ];
  });
}

function v1switchBlocks(checked: CheckedProgram): V1SwitchBlocks {
  const main = checked.main;
  const args = (main.boundArgs ?? []).map((b) => b.value);
  const declOf = (e: Expr | undefined): ParserDecl | ControlDecl => {
    if (!e) throw new LowerError(main.loc, "V1Switch needs six blocks");
    const t = representation(typeOf(e));
    if ((t.kind === "parser" && t.decl.kind === "ParserDecl") || (t.kind === "control" && t.decl.kind === "ControlDecl")) return t.decl;
    if (e.kind === "CallExpr" && e.callee.kind === "PathExpr" && e.callee.ref) {
      const d = e.callee.ref;
      if (d.kind === "ParserDecl" || d.kind === "ControlDecl") return d;
    }
    if (e.kind === "PathExpr" && e.ref?.kind === "Instantiation") {
      const it = representation(resolved(e.ref.type));
      if ((it.kind === "parser" && it.decl.kind === "ParserDecl") || (it.kind === "control" && it.decl.kind === "ControlDecl")) return it.decl;
    }
    throw new LowerError(e.loc, "cannot tell which parser or control this package argument is");
  };
  const decls = args.map(declOf);
  const control = (i: number): ControlDecl => {
    const d = decls[i];
    if (!d || d.kind !== "ControlDecl") throw new LowerError(main.loc, `argument ${i + 1} of V1Switch must be a control`);
    return d;
  };
  const parser = decls[0];
  if (!parser || parser.kind !== "ParserDecl") throw new LowerError(main.loc, "the first argument of V1Switch must be a parser");
  return { parser, verifyChecksum: control(1), ingress: control(2), egress: control(3), computeChecksum: control(4), deparser: control(5) };
}

function sameType(a: Type, b: Type): boolean {
  const ra = representation(a);
  const rb = representation(b);
  if (ra.kind === "struct" && rb.kind === "struct") return ra.decl === rb.decl;
  if (ra.kind === "header" && rb.kind === "header") return ra.decl === rb.decl;
  return false;
}

function bindBlockParams(params: readonly Param[], env: Env, storageFor: (t: Type) => Loc | null): void {
  for (const p of params) {
    const t = resolved(p.type);
    const r = representation(t);
    if (r.kind === "extern") continue;
    const loc = storageFor(t);
    if (!loc) throw new LowerError(p.loc, `parameter '${p.name}' does not match the headers, metadata or standard_metadata of the package`);
    env.bind(p, { b: "loc", loc });
  }
}

function lowerDeparser(lowerer: Lowerer, decl: ControlDecl, env: Env): IrDeparser {
  const body: NStmt[] = [];
  lowerer.withMode("deparser").controlBody(decl, env, body);
  const order: string[] = [];
  const primitives: IrDeparser["primitives"][number][] = [];
  const walk = (stmts: readonly NStmt[]): void => {
    for (const s of stmts) {
      if (s.k === "scope") walk(s.body);
      else if (s.k === "if") {
        walk(s.then);
        walk(s.else);
      } else if (s.k === "prim") {
        const target = s.prim.args[0];
        if (s.prim.op === "emit" && target?.kind === "header") {
          if (!order.includes(target.name)) order.push(target.name);
        } else {
          primitives.push(s.prim);
        }
      }
    }
  };
  walk(body);
  return { name: "deparser", source: lowerer.ctx.src.info(decl.loc, "deparser"), order, primitives };
}

