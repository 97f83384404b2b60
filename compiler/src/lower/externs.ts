import type { Annotation, BoundArg, CallExpr, Expr, SrcLoc, Type } from "../ast/nodes.ts";
import type { IrExpr, IrGroupLimits } from "../ir/program.ts";
import type { Env } from "./env.ts";
import { boolToData, field, konst } from "./ir_build.ts";
import type { Lowerer } from "./lowerer.ts";
import type { NStmt } from "./nstmt.ts";
import type { Loc } from "./storage.ts";
import { LowerError, annotationNumber, annotationString, isBool, representation, resolved, scalarWidth, typeOf } from "./types.ts";

/**
 * One extern object: declared (`register<bit<8>>(4) r;`) or constructed in place where a
 * table property names it (`implementation = action_profile(128)`).
 */
export interface ExternInstance {
  readonly loc: SrcLoc;
  readonly name: string;
  readonly annotations: readonly Annotation[];
  readonly boundArgs: readonly BoundArg[] | undefined;
  readonly type: Type;
}

/**
 * v1model externs -> bmv2: stateful objects become register/counter/meter arrays and action
 * profiles, extern calls become the primitives simple_switch implements.
 */
export function declareExtern(lowerer: Lowerer, inst: ExternInstance, externName: string, name: string): void {
  const ctx = lowerer.ctx;
  const arg = (param: string): Expr | undefined => inst.boundArgs?.find((b) => b.param.name === param)?.value;
  const argNumber = (param: string): number => {
    const v = arg(param)?.constValue;
    return typeof v === "bigint" ? Number(v) : 0;
  };
  const argMember = (param: string): string => {
    const e = arg(param);
    return e?.kind === "MemberExpr" ? e.member : "";
  };
  const source = ctx.src.info(inst.loc, inst.name);
  const idAnnotation = annotationNumber(inst.annotations, "id");
  const typeArgs = inst.type.kind === "extern" ? inst.type.typeArgs : [];
  switch (externName) {
    case "register":
      ctx.registers.push({ kind: "register", name, controlName: name, size: argNumber("size"), bitwidth: scalarWidth(typeArgs[0]!, inst.loc), source, idAnnotation });
      return;
    case "counter":
      ctx.counters.push({ kind: "counter", name, controlName: name, size: argNumber("size"), unit: unitOf(argMember("type")), directTable: null, source, idAnnotation });
      return;
    case "direct_counter":
      ctx.directInstances.add(name);
      ctx.counters.push({ kind: "counter", name, controlName: name, size: 0, unit: unitOf(argMember("type")), directTable: null, source, idAnnotation });
      return;
    case "meter":
      ctx.meters.push({ kind: "meter", name, controlName: name, size: argNumber("size"), unit: argMember("type") === "bytes" ? "bytes" : "packets", rateCount: 2, directTable: null, resultTarget: null, source, idAnnotation });
      return;
    case "direct_meter":
      ctx.directInstances.add(name);
      ctx.meters.push({ kind: "meter", name, controlName: name, size: 0, unit: argMember("type") === "bytes" ? "bytes" : "packets", rateCount: 2, directTable: null, resultTarget: null, source, idAnnotation });
      return;
    case "action_profile":
      // Group limits mean nothing without a selector; p4c ignores them (with a warning).
      ctx.profiles.set(name, { name, controlName: name, source, maxSize: argNumber("size"), selector: null, tables: [], idAnnotation, groupLimits: { maxGroupSize: null, sizeSemantics: null } });
      return;
    case "action_selector":
      ctx.profiles.set(name, {
        name,
        controlName: name,
        source,
        maxSize: argNumber("size"),
        // The selector hashes the table's `selector` keys; the table fills the input in.
        selector: { algo: argMember("algorithm"), input: [] },
        tables: [],
        idAnnotation,
        groupLimits: groupLimits(inst.annotations),
      });
      return;
    default:
      throw new LowerError(inst.loc, `extern '${externName}' is not supported by the bmv2 back end`);
  }
}

function groupLimits(annotations: readonly Annotation[]): IrGroupLimits {
  const semantics = annotationString(annotations, "selector_size_semantics");
  return {
    maxGroupSize: annotationNumber(annotations, "max_group_size"),
    sizeSemantics:
      semantics === "sum_of_weights"
        ? { kind: "sum_of_weights" }
        : semantics === "sum_of_members"
          ? { kind: "sum_of_members", maxMemberWeight: annotationNumber(annotations, "max_member_weight") }
          : null,
  };
}

/** Whether `static_assert(cond, ...)` holds; its condition may itself be a static_assert. */
export function staticAssertHolds(call: CallExpr): boolean {
  const cond = call.boundArgs?.[0]?.value;
  if (!cond) return false;
  if (typeof cond.constValue === "boolean") return cond.constValue;
  if (cond.kind === "CallExpr" && cond.target?.kind === "externFunction" && cond.target.decl.name === "static_assert") return staticAssertHolds(cond);
  throw new LowerError(cond.loc, "static_assert needs a condition known at compile time");
}

function unitOf(member: string): "packets" | "bytes" | "packets_and_bytes" {
  return member === "bytes" ? "bytes" : member === "packets_and_bytes" ? "packets_and_bytes" : "packets";
}

export function externCall(lowerer: Lowerer, call: CallExpr, env: Env, out: NStmt[]): void {
  const target = call.target!;
  const args = (call.boundArgs ?? []).map((b) => b.value);
  const arg = (i: number): Expr => {
    const a = args[i];
    if (!a) throw new LowerError(call.loc, "missing argument");
    return a;
  };
  const value = (i: number): IrExpr => {
    const e = arg(i);
    const v = lowerer.rv(e, env, out);
    return isBool(typeOf(e)) ? boolToData(v) : v;
  };
  const dest = (i: number): IrExpr => {
    const loc = lowerer.lv(arg(i), env, out);
    if (loc.k !== "field") throw new LowerError(arg(i).loc, "this argument must be a scalar l-value");
    return field(loc.header, loc.field);
  };
  const prim = (name: string, primArgs: IrExpr[]) => out.push(lowerer.prim(name, primArgs, call.loc));

  if (target.kind === "parserApply") {
    if (lowerer.mode !== "parser") throw new LowerError(call.loc, "a parser can only be applied inside a parser");
    const instance = target.instance;
    const b = instance.kind === "PathExpr" && instance.ref ? env.lookup(instance.ref) : undefined;
    if (!b || b.b !== "parser") throw new LowerError(call.loc, "cannot find the parser instance applied here");
    const inner = lowerer.bindParams(b.decl.params, call.boundArgs ?? [], env, out, call, null, b.path);
    lowerer.bindCtorParams(b.decl, b.inst, inner, env);
    out.push({ k: "callParser", decl: b.decl, env: inner, prefix: b.path.split(".").pop()! });
    return;
  }
  if (target.kind === "externFunction") {
    switch (target.decl.name) {
      case "mark_to_drop":
        prim("mark_to_drop", args.length > 0 ? [headerOf(lowerer.lv(arg(0), env, out), call)] : []);
        return;
      case "hash": {
        const calc = calculation(lowerer, algoName(arg(1)), dataFields(lowerer, arg(3), env, out), call);
        prim("modify_field_with_hash_based_offset", [dest(0), value(2), { kind: "calculation", name: calc }, value(4)]);
        return;
      }
      case "random":
        prim("modify_field_rng_uniform", [dest(0), value(1), value(2)]);
        return;
      case "digest": {
        const list = learnList(lowerer, arg(1), env, out);
        prim("generate_digest", [value(0), konst(BigInt(list), null)]);
        return;
      }
      case "clone":
      case "clone3":
      case "clone_preserving_field_list": {
        const kind = (arg(0) as Expr & { member?: string }).member === "E2E" ? "clone_egress_pkt_to_egress" : "clone_ingress_pkt_to_egress";
        const list = args.length > 2 ? preservedFieldList(lowerer, arg(2), env, out) : 0;
        prim(kind, [value(1), konst(BigInt(list), null)]);
        return;
      }
      case "resubmit":
      case "resubmit_preserving_field_list":
      case "recirculate":
      case "recirculate_preserving_field_list": {
        const list = args.length > 0 ? preservedFieldList(lowerer, arg(0), env, out) : fieldList(lowerer, "empty", []);
        prim(target.decl.name.startsWith("resubmit") ? "resubmit" : "recirculate", [konst(BigInt(list), null)]);
        return;
      }
      case "truncate":
        prim("truncate", [value(0)]);
        return;
      case "assert":
      case "assume":
        prim(target.decl.name, [lowerer.rv(arg(0), env, out)]);
        return;
      case "log_msg": {
        const text = arg(0);
        const message: IrExpr = { kind: "string", value: text.kind === "StringLiteral" ? text.value : "" };
        const data = args[1] ? dataFields(lowerer, args[1], env, out) : [];
        prim("log_msg", [message, { kind: "parametersVector", values: data }]);
        return;
      }
      case "verify_checksum":
      case "update_checksum":
      case "verify_checksum_with_payload":
      case "update_checksum_with_payload":
        checksum(lowerer, target.decl.name, call, env, out);
        return;
      case "verify": {
        if (lowerer.mode !== "parser") throw new LowerError(call.loc, "verify() is only allowed in parsers");
        prim("verify", [lowerer.rv(arg(0), env, out), value(1)]);
        return;
      }
      case "static_assert":
        // Checked while compiling; nothing is left for the switch to do.
        if (!staticAssertHolds(call)) throw new LowerError(call.loc, `static assertion failed${args[1]?.kind === "StringLiteral" ? `: ${args[1].value}` : ""}`);
        return;
      default:
        throw new LowerError(call.loc, `extern function '${target.decl.name}' is not supported by the bmv2 back end`);
    }
  }
  if (target.kind !== "externMethod") throw new LowerError(call.loc, "unexpected call");
  const method = target.method.name;
  const externName = target.extern.name;
  if (externName === "packet_in") {
    switch (method) {
      case "extract": {
        const loc = lowerer.lv(extractTarget(arg(0)), env, out);
        const targetExpr = extractExpr(loc, arg(0), call);
        if (args.length > 1) prim("extract_VL", [targetExpr, value(1)]);
        else prim("extract", [targetExpr]);
        return;
      }
      case "advance":
        prim("advance", [value(0)]);
        return;
      case "lookahead": {
        // The value is dropped, but a packet too short for it still fails the parser.
        const t = call.inferredTypeArgs?.[0] ?? typeOf(call);
        const width = totalWidth(t, call);
        const temp = lowerer.ctx.storage.scalar("tmp", { kind: "bit", width }, call.loc);
        prim("assign", [field(temp.header, temp.field), { kind: "lookahead", offset: 0, width }]);
        return;
      }
      default:
        throw new LowerError(call.loc, `packet_in.${method} is not supported as a statement`);
    }
  }
  if (externName === "packet_out" && method === "emit") {
    emitOrder(lowerer.lv(arg(0), env, out), (h) => prim("emit", [{ kind: "header", name: h }]));
    return;
  }
  const instance = target.instance;
  const bound = instance.kind === "PathExpr" && instance.ref ? env.lookup(instance.ref) : undefined;
  if (!bound || bound.b !== "extern") throw new LowerError(call.loc, "cannot find the extern instance used here");
  const name = bound.name;
  switch (`${externName}.${method}`) {
    case "register.read":
      prim("register_read", [dest(0), { kind: "registerArray", name }, value(1)]);
      return;
    case "register.write":
      prim("register_write", [{ kind: "registerArray", name }, value(0), value(1)]);
      return;
    case "counter.count":
      prim("count", [{ kind: "counterArray", name }, value(0)]);
      return;
    case "direct_counter.count":
      return;
    case "meter.execute_meter":
      prim("execute_meter", [{ kind: "meterArray", name }, value(0), dest(1)]);
      return;
    case "direct_meter.read": {
      const meter = lowerer.ctx.meters.find((m) => m.name === name);
      if (meter) meter.resultTarget = dest(0);
      return;
    }
    default:
      throw new LowerError(call.loc, `${externName}.${method}() is not supported by the bmv2 back end`);
  }
}

function totalWidth(t: import("../ast/nodes.ts").Type, call: CallExpr): number {
  const r = representation(t);
  if (r.kind === "struct" || r.kind === "header") return r.decl.fields.reduce((n, f) => n + totalWidth(resolved(f.type), call), 0);
  return scalarWidth(r, call.loc);
}

/** `extract(hdr.stack.next)` extracts into the stack. */
function extractTarget(e: Expr): Expr {
  return e.kind === "MemberExpr" && e.member === "next" ? e.target : e;
}

function extractExpr(loc: Loc, e: Expr, call: CallExpr): IrExpr {
  if (loc.k === "header") return { kind: "header", name: loc.name };
  if (loc.k === "stack" && e.kind === "MemberExpr" && e.member === "next") return { kind: "headerStack", name: loc.name };
  throw new LowerError(call.loc, "extract needs a header or a stack's next element");
}

/** Deparser emit order: a struct emits its members in order, a stack all its elements. */
export function emitOrder(loc: Loc, emitHeader: (name: string) => void): void {
  switch (loc.k) {
    case "header":
      emitHeader(loc.name);
      return;
    case "struct":
      for (const f of loc.fields.values()) emitOrder(f, emitHeader);
      return;
    case "stack":
      for (const e of loc.elements) emitOrder(e, emitHeader);
      return;
    case "union":
      for (const m of loc.members.values()) emitOrder(m, emitHeader);
      return;
    case "field":
      return;
  }
}

function headerOf(loc: Loc, call: CallExpr): IrExpr {
  // standard_metadata and its copies are struct locations whose fields all live in one header.
  if (loc.k === "struct") {
    const first = [...loc.fields.values()][0];
    if (first?.k === "field") return { kind: "header", name: first.header };
  }
  if (loc.k === "header") return { kind: "header", name: loc.name };
  throw new LowerError(call.loc, "mark_to_drop needs standard_metadata");
}

function algoName(e: Expr): string {
  return e.kind === "MemberExpr" ? e.member : "crc32";
}

/** The fields of a hash/digest/log data argument: a list, a struct, or one value. */
function dataFields(lowerer: Lowerer, e: Expr, env: Env, out: NStmt[]): IrExpr[] {
  if (e.kind === "ListExpr") return e.elements.flatMap((x) => dataFields(lowerer, x, env, out));
  if (e.kind === "StructInitExpr") return e.fields.flatMap((f) => dataFields(lowerer, f.value, env, out));
  const t = representation(typeOf(e));
  if (t.kind === "struct" || t.kind === "header") return locFields(lowerer.lv(e, env, out));
  const v = lowerer.rv(e, env, out);
  return [isBool(typeOf(e)) ? boolToData(v) : v];
}

function locFields(loc: Loc): IrExpr[] {
  switch (loc.k) {
    case "field":
      return [field(loc.header, loc.field)];
    case "header":
      return [...loc.fields.values()].flatMap(locFields);
    case "struct":
      return [...loc.fields.values()].flatMap(locFields);
    default:
      return [];
  }
}

function calculation(lowerer: Lowerer, algo: string, input: IrExpr[], call: CallExpr): string {
  const ctx = lowerer.ctx;
  const name = ctx.uniqueName("calc");
  ctx.calculations.push({ name, source: ctx.src.info(call.loc), algo, input });
  return name;
}

function fieldList(lowerer: Lowerer, hint: string, elements: IrExpr[]): number {
  const ctx = lowerer.ctx;
  ctx.fieldLists.push({ name: ctx.uniqueName(hint), elements });
  return ctx.fieldLists.length;
}

/**
 * The metadata a resubmit/recirculate/clone keeps: the user metadata fields annotated
 * `@field_list(index)` (v1model's `*_preserving_field_list`), or the fields of a data argument
 * (the older `resubmit(data)` form).
 */
function preservedFieldList(lowerer: Lowerer, arg: Expr, env: Env, out: NStmt[]): number {
  const index = arg.constValue;
  if (typeof index === "bigint") {
    const fields = lowerer.ctx.preservedFields.get(Number(index)) ?? [];
    return fieldList(lowerer, fields.length > 0 ? `field_list${index}` : "empty", [...fields]);
  }
  return fieldList(lowerer, "field_list", dataFields(lowerer, arg, env, out));
}

function learnList(lowerer: Lowerer, data: Expr, env: Env, out: NStmt[]): number {
  const ctx = lowerer.ctx;
  const t = representation(typeOf(data));
  const structName = t.kind === "struct" ? t.decl.name : ctx.uniqueName("digest");
  const members = t.kind === "struct" ? ctx.storage.structMembers(t.decl) : [];
  const elements = dataFields(lowerer, data, env, out).map((e) => {
    if (e.kind === "field") return e;
    // bmv2 learn lists hold fields only: computed values go through a scalar.
    const temp = ctx.storage.scalar("digest_tmp", { kind: "bit", width: 32 }, data.loc);
    const f = field(temp.header, temp.field);
    out.push(lowerer.prim("assign", [f, e], data.loc));
    return f;
  });
  const existing = ctx.learnLists.findIndex((l) => l.controlName === structName);
  if (existing >= 0) return existing + 1;
  ctx.learnLists.push({ name: structName, controlName: structName, elements, members });
  return ctx.learnLists.length;
}

function checksum(lowerer: Lowerer, kind: string, call: CallExpr, env: Env, out: NStmt[]): void {
  const ctx = lowerer.ctx;
  const args = (call.boundArgs ?? []).map((b) => b.value);
  const [condExpr, dataExpr, targetExpr, algoExpr] = args;
  if (!condExpr || !dataExpr || !targetExpr || !algoExpr) throw new LowerError(call.loc, `${kind} needs four arguments`);
  const input = dataFields(lowerer, dataExpr, env, out);
  if (kind.endsWith("_with_payload")) input.push({ kind: "payload" });
  const calc = calculation(lowerer, algoName(algoExpr), input, call);
  const targetLoc = lowerer.lv(targetExpr, env, out);
  if (targetLoc.k !== "field") throw new LowerError(targetExpr.loc, "the checksum must be a field");
  const verify = kind.startsWith("verify");
  const cond = condExpr.constValue === true ? null : lowerer.rv(condExpr, env, out);
  ctx.checksums.push({
    name: ctx.uniqueName("cksum"),
    source: ctx.src.info(call.loc),
    target: field(targetLoc.header, targetLoc.field),
    type: "generic",
    calculation: calc,
    verify,
    update: !verify,
    ifCond: cond,
  });
}
