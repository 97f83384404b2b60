import { ActionProfile } from "./action_profile.ts";
import { compileAction, exprContext, type ActionEnv, type CompiledAction } from "./actions.ts";
import { headerCodecs } from "./codec.ts";
import { compileCalculation, compileChecksum, compileDeparser, type Calculation, type Checksum, type Deparser } from "./deparser.ts";
import { fieldLValue, type DataFn, type LValue } from "./expr.ts";
import { CounterCells, MeterCell, type MeterArray, type RegisterArray } from "./externs.ts";
import { BitPacker, hashAlgorithm } from "./hash.ts";
import { asArray, asInt, asObject, asString, invalid, optional, type JsonObject } from "./json.ts";
import { Layout } from "./layout.ts";
import { compileParser, type CompiledParser, type ValueSet } from "./parser.ts";
import { compilePipeline, type CompiledPipeline } from "./pipeline.ts";
import type { PacketState } from "./state.ts";
import { StdMeta } from "./stdmeta.ts";
import type { MatchTable } from "./tables.ts";
import { SwitchError } from "./api.ts";

/**
 * A loaded program: the BMv2 JSON compiled into closures plus the state the
 * control plane manages (tables, profiles, counters, registers, meters,
 * value sets). Building one either succeeds completely or throws, so a bad
 * config never replaces a running one.
 */
export interface Program {
  readonly layout: Layout;
  readonly std: StdMeta;
  /** Slots of every metadata header field (what simple_switch's reset_metadata clears). */
  readonly metadataSlots: readonly number[];
  readonly parser: CompiledParser;
  readonly ingress: CompiledPipeline;
  readonly egress: CompiledPipeline;
  readonly deparser: Deparser;
  readonly checksums: readonly Checksum[];
  readonly tables: ReadonlyMap<string, MatchTable>;
  /** Actions by JSON name (the first one, should two share a name). */
  readonly actions: ReadonlyMap<string, CompiledAction>;
  readonly profiles: ReadonlyMap<string, ActionProfile>;
  readonly counters: ReadonlyMap<string, CounterCells>;
  readonly registers: ReadonlyMap<string, RegisterArray>;
  readonly meters: ReadonlyMap<string, MeterArray>;
  readonly valueSets: ReadonlyMap<string, ValueSet>;
  /** Field lists by id: the slots they preserve across clone / resubmit / recirculate. */
  readonly fieldLists: ReadonlyMap<number, readonly number[]>;
  readonly learnLists: ReadonlyMap<number, { readonly name: string; readonly fields: readonly DataFn[] }>;
}

export interface ProgramHooks {
  readonly now: () => bigint;
  readonly log: (line: string) => void;
  readonly dropPort: number;
  readonly assertionFailed: (s: PacketState, where: string) => void;
}

const SUPPORTED_MAJOR = 2;

export function loadProgram(json: unknown, hooks: ProgramHooks): Program {
  const root = asObject(json, "<root>");
  const meta = optional(root, "__meta__");
  if (meta !== undefined) {
    const version = asArray(asObject(meta, "__meta__")["version"], "__meta__.version");
    if (asInt(version[0], "__meta__.version[0]") !== SUPPORTED_MAJOR)
      throw invalid("__meta__.version", `unsupported BMv2 JSON major version ${String(version[0])} (expected ${SUPPORTED_MAJOR})`);
  }
  const layout = new Layout(root);
  const std = new StdMeta(layout);
  if (std.slots.ingress_port < 0 || std.slots.egress_spec < 0)
    throw invalid("headers", 'the program has no "standard_metadata" header with ingress_port and egress_spec');

  const registers = new Map<string, RegisterArray>();
  asArray(root["register_arrays"] ?? [], "register_arrays").forEach((r, i) => {
    const p = `register_arrays[${i}]`;
    const o = asObject(r, p);
    const size = asInt(o["size"], `${p}.size`);
    registers.set(asString(o["name"], `${p}.name`), {
      name: asString(o["name"], `${p}.name`),
      width: asInt(o["bitwidth"], `${p}.bitwidth`),
      cells: new Array<bigint>(size).fill(0n),
    });
  });
  const counters = new Map<string, CounterCells>();
  asArray(root["counter_arrays"] ?? [], "counter_arrays").forEach((r, i) => {
    const p = `counter_arrays[${i}]`;
    const o = asObject(r, p);
    if (o["is_direct"] === true) return;
    counters.set(asString(o["name"], `${p}.name`), new CounterCells(asInt(o["size"], `${p}.size`)));
  });
  const meters = new Map<string, MeterArray>();
  const directMeterRaw: { table: string; countsBytes: boolean; target: unknown; path: string }[] = [];
  asArray(root["meter_arrays"] ?? [], "meter_arrays").forEach((r, i) => {
    const p = `meter_arrays[${i}]`;
    const o = asObject(r, p);
    const name = asString(o["name"], `${p}.name`);
    const countsBytes = o["type"] === "bytes";
    if (o["is_direct"] === true) {
      directMeterRaw.push({ table: asString(o["binding"], `${p}.binding`), countsBytes, target: optional(o, "result_target"), path: p });
      return;
    }
    const size = asInt(o["size"], `${p}.size`);
    meters.set(name, { name, countsBytes, cells: Array.from({ length: size }, () => new MeterCell()) });
  });
  const valueSets = new Map<string, ValueSet>();
  asArray(root["parse_vsets"] ?? [], "parse_vsets").forEach((r, i) => {
    const p = `parse_vsets[${i}]`;
    const o = asObject(r, p);
    const name = asString(o["name"], `${p}.name`);
    valueSets.set(name, {
      name,
      width: asInt(o["compressed_bitwidth"], `${p}.compressed_bitwidth`),
      maxSize: o["max_size"] === undefined ? 1 << 30 : asInt(o["max_size"], `${p}.max_size`),
      entries: [],
    });
  });
  const fieldLists = new Map<number, number[]>();
  const baseCtx = { layout, runtimeWidths: [] as number[] };
  asArray(root["field_lists"] ?? [], "field_lists").forEach((r, i) => {
    const p = `field_lists[${i}]`;
    const o = asObject(r, p);
    const slots = asArray(o["elements"], `${p}.elements`).map((e, j) => {
      const eo = asObject(e, `${p}.elements[${j}]`);
      const f = layout.field(asArray(eo["value"], `${p}.elements[${j}].value`) as [string, string], `${p}.elements[${j}]`);
      return f.header.base + f.index;
    });
    fieldLists.set(asInt(o["id"], `${p}.id`), slots);
  });
  const learnLists = new Map<number, { name: string; fields: DataFn[] }>();
  asArray(root["learn_lists"] ?? [], "learn_lists").forEach((r, i) => {
    const p = `learn_lists[${i}]`;
    const o = asObject(r, p);
    const fields = asArray(o["elements"], `${p}.elements`).map((e, j) => fieldLValue(baseCtx, asObject(e, `${p}.elements[${j}]`)["value"], `${p}.elements[${j}].value`).read);
    learnLists.set(asInt(o["id"], `${p}.id`), { name: asString(o["name"], `${p}.name`), fields });
  });

  const codecs = headerCodecs(layout);
  const deparsers = asArray(root["deparsers"], "deparsers");
  if (deparsers.length === 0) throw invalid("deparsers", "no deparser");
  const deparser = compileDeparser(deparsers[0], "deparsers[0]", baseCtx, codecs);
  const calcs = new Map<string, Calculation>();
  asArray(root["calculations"] ?? [], "calculations").forEach((r, i) => {
    const c = compileCalculation(r, `calculations[${i}]`, baseCtx, deparser);
    calcs.set(c.name, c);
  });
  const checksums = asArray(root["checksums"] ?? [], "checksums").map((r, i) => compileChecksum(r, `checksums[${i}]`, baseCtx, calcs));

  const env: ActionEnv = {
    layout,
    std,
    dropPort: hooks.dropPort,
    registers,
    counters,
    meters,
    calculation: (name, path) => {
      const c = calcs.get(name);
      if (!c) throw invalid(path, `unknown calculation "${name}"`);
      return (s) => c.hash(s);
    },
    learnLists: new Set(learnLists.keys()),
    now: hooks.now,
    log: hooks.log,
    assertionFailed: hooks.assertionFailed,
    requestDigest: (s, list) => {
      s.digestList = list;
    },
  };
  const actionsById = new Map<number, CompiledAction>();
  asArray(root["actions"], "actions").forEach((r, i) => {
    const a = compileAction(env, r, `actions[${i}]`);
    if (actionsById.has(a.id)) throw invalid(`actions[${i}].id`, `duplicate action id ${a.id}`);
    actionsById.set(a.id, a);
  });
  const actionNames = new Set([...actionsById.values()].map((a) => a.name));
  const actions = new Map<string, CompiledAction>();
  for (const a of actionsById.values()) if (!actions.has(a.name)) actions.set(a.name, a);

  const parsers = asArray(root["parsers"], "parsers");
  if (parsers.length === 0) throw invalid("parsers", "no parser");
  const parser = compileParser(env, parsers[0], "parsers[0]", codecs, valueSets);

  const pipelineCtx = exprContext(env, []);
  const directMeters = new Map<string, { countsBytes: boolean; target: LValue | undefined }>();
  for (const d of directMeterRaw)
    directMeters.set(d.table, {
      countsBytes: d.countsBytes,
      target: d.target === undefined ? undefined : fieldLValue(baseCtx, d.target, `${d.path}.result_target`),
    });
  const tables = new Map<string, MatchTable>();
  const profiles = new Map<string, ActionProfile>();
  const pipelineEnv = {
    ctx: pipelineCtx,
    actionsById,
    actionNames,
    now: hooks.now,
    directMeters,
    makeProfile: (raw: JsonObject, path: string, actions: ReadonlyMap<string, CompiledAction>) => {
      const name = asString(raw["name"], `${path}.name`);
      const selectorRaw = optional(raw, "selector");
      let selectorHash: ((s: PacketState) => bigint) | undefined;
      if (selectorRaw !== undefined) {
        const sel = asObject(selectorRaw, `${path}.selector`);
        const algo = hashAlgorithm(asString(sel["algo"], `${path}.selector.algo`), `${path}.selector.algo`);
        const inputs = asArray(sel["input"], `${path}.selector.input`).map((f, i) =>
          fieldLValue(baseCtx, asObject(f, `${path}.selector.input[${i}]`)["value"], `${path}.selector.input[${i}].value`),
        );
        selectorHash = (s) => {
          const packer = new BitPacker();
          for (const lv of inputs) packer.push(lv.width, lv.read(s));
          return algo(packer.bytes());
        };
      }
      const where = `action profile "${name}"`;
      return new ActionProfile(
        name,
        asInt(raw["max_size"] ?? 1024, `${path}.max_size`),
        (call) => {
          const a = actions.get(call.action);
          if (!a)
            throw new SwitchError(
              actionNames.has(call.action) ? "INVALID_ARGUMENT" : "NOT_FOUND",
              `${where}: action "${call.action}" is not an action of its tables`,
            );
          return { action: a, args: a.checkArgs(call.args, where) };
        },
        selectorHash,
      );
    },
  };
  const pipelines = asArray(root["pipelines"], "pipelines");
  const findPipeline = (name: string, fallback: number): unknown => {
    const byName = pipelines.find((p) => asObject(p, "pipelines[]")["name"] === name);
    const p = byName ?? pipelines[fallback];
    if (p === undefined) throw invalid("pipelines", `missing the ${name} pipeline`);
    return p;
  };
  const ingress = compilePipeline(pipelineEnv, findPipeline("ingress", 0), "pipelines[ingress]", tables, profiles);
  const egress = compilePipeline(pipelineEnv, findPipeline("egress", 1), "pipelines[egress]", tables, profiles);

  const metadataSlots = layout.headers.filter((h) => h.metadata).flatMap((h) => h.type.fields.map((_, i) => h.base + i));
  return { layout, std, metadataSlots, parser, ingress, egress, deparser, checksums, tables, actions, profiles, counters, registers, meters, valueSets, fieldLists, learnLists };
}
