import type { ActionProfile } from "./action_profile.ts";
import type { CompiledAction } from "./actions.ts";
import { boolExpr, compile, normalizer, type DataFn, type ExprContext, type LValue } from "./expr.ts";
import { asArray, asBool, asInt, asObject, asString, invalid, optional, parseHexstr, type JsonObject } from "./json.ts";
import type { MatchParam } from "./api.ts";
import { boolSource, generate } from "./numeric.ts";
import type { PacketState } from "./state.ts";
import { MatchTable, type BoundAction, type KeyField, type TableConfig } from "./tables.ts";

/**
 * A control (ingress or egress) compiled into a graph of closures: each node
 * (table or conditional) runs and returns the index of the next node, -1 at
 * the end. `exit` stops the walk.
 */
export interface CompiledPipeline {
  readonly name: string;
  run(s: PacketState): void;
}

export interface PipelineEnv {
  readonly ctx: ExprContext;
  readonly actionsById: ReadonlyMap<number, CompiledAction>;
  readonly actionNames: ReadonlySet<string>;
  readonly now: () => bigint;
  /** Direct meter arrays by table name: whether they count bytes and where the color goes. */
  readonly directMeters: ReadonlyMap<string, { countsBytes: boolean; target: LValue | undefined }>;
  /** Builds an action profile whose members may run any of `actions`. */
  readonly makeProfile: (raw: JsonObject, path: string, actions: ReadonlyMap<string, CompiledAction>) => ActionProfile;
}

type NodeFn = (s: PacketState) => number;

const MATCH_KINDS = new Set(["exact", "lpm", "ternary", "range", "optional", "valid"]);

export function compilePipeline(
  env: PipelineEnv,
  raw: unknown,
  path: string,
  tablesOut: Map<string, MatchTable>,
  profilesOut: Map<string, ActionProfile>,
): CompiledPipeline {
  const p = asObject(raw, path);
  const name = asString(p["name"], `${path}.name`);
  const ctx = env.ctx;
  const tablesRaw = asArray(p["tables"], `${path}.tables`);
  const condsRaw = asArray(p["conditionals"] ?? [], `${path}.conditionals`);
  const callsRaw = asArray(p["action_calls"] ?? [], `${path}.action_calls`);
  const nodeIndex = new Map<string, number>();
  const allNodes: { kind: "table" | "cond" | "call"; raw: JsonObject; path: string }[] = [];
  const addNode = (kind: "table" | "cond" | "call", r: unknown, where: string): void => {
    const o = asObject(r, where);
    const n = asString(o["name"], `${where}.name`);
    if (nodeIndex.has(n)) throw invalid(where, `duplicate control node name "${n}"`);
    nodeIndex.set(n, allNodes.length);
    allNodes.push({ kind, raw: o, path: where });
  };
  tablesRaw.forEach((t, i) => addNode("table", t, `${path}.tables[${i}]`));
  condsRaw.forEach((c, i) => addNode("cond", c, `${path}.conditionals[${i}]`));
  callsRaw.forEach((c, i) => addNode("call", c, `${path}.action_calls[${i}]`));
  const next = (v: unknown, where: string): number => {
    if (v === null || v === undefined) return -1;
    const i = nodeIndex.get(asString(v, where));
    if (i === undefined) throw invalid(where, `unknown control node "${String(v)}"`);
    return i;
  };
  const action = (id: unknown, where: string): CompiledAction => {
    const a = env.actionsById.get(asInt(id, where));
    if (!a) throw invalid(where, `unknown action id ${String(id)}`);
    return a;
  };

  // Table configs first, then the action profiles (which validate calls against
  // the actions of the tables using them), then the tables themselves.
  type Spec = Omit<TableConfig, "profile"> & { readonly profileName: string | undefined };
  const specs = new Map<number, Spec>();
  allNodes.forEach((node, idx) => {
    if (node.kind !== "table") return;
    const t = node.raw;
    const where = node.path;
    const tname = asString(t["name"], `${where}.name`);
    const keys: KeyField[] = asArray(t["key"] ?? [], `${where}.key`).map((k, i) => compileKey(ctx, asObject(k, `${where}.key[${i}]`), `${where}.key[${i}]`));
    const actionNames = asArray(t["actions"], `${where}.actions`);
    const actionIds = asArray(t["action_ids"], `${where}.action_ids`);
    if (actionNames.length !== actionIds.length) throw invalid(where, "actions and action_ids differ in length");
    const actions = new Map<string, CompiledAction>();
    actionIds.forEach((id, i) => actions.set(asString(actionNames[i], `${where}.actions[${i}]`), action(id, `${where}.action_ids[${i}]`)));
    const type = asString(t["type"] ?? "simple", `${where}.type`);
    if (type !== "simple" && type !== "indirect" && type !== "indirect_ws") throw invalid(`${where}.type`, `unknown table type "${type}"`);
    let initialDefault: BoundAction | undefined;
    let constDefault = false;
    const de = optional(t, "default_entry");
    if (de !== undefined && type === "simple") {
      const d = asObject(de, `${where}.default_entry`);
      const a = action(d["action_id"], `${where}.default_entry.action_id`);
      const data = asArray(d["action_data"] ?? [], `${where}.default_entry.action_data`).map((v, i) =>
        parseHexstr(v, `${where}.default_entry.action_data[${i}]`),
      );
      if (data.length !== a.params.length) throw invalid(`${where}.default_entry`, `action "${a.name}" takes ${a.params.length} arguments, got ${data.length}`);
      initialDefault = { action: a, args: data.map((v, i) => BigInt.asUintN(a.params[i]!.width, v)) };
      constDefault = d["action_const"] === true;
    }
    const dm = env.directMeters.get(tname);
    specs.set(idx, {
      name: tname,
      keys,
      actions,
      maxSize: asInt(t["max_size"] ?? 1024, `${where}.max_size`),
      withCounters: t["with_counters"] === true,
      directMeter: dm ? { countsBytes: dm.countsBytes } : undefined,
      constDefault,
      initialDefault,
      actionKnown: (n) => env.actionNames.has(n),
      profileName: type === "simple" ? undefined : asString(t["action_profile"], `${where}.action_profile`),
    });
  });
  asArray(p["action_profiles"] ?? [], `${path}.action_profiles`).forEach((r, i) => {
    const where = `${path}.action_profiles[${i}]`;
    const o = asObject(r, where);
    const pname = asString(o["name"], `${where}.name`);
    const users = [...specs.values()].filter((sp) => sp.profileName === pname);
    const actions = new Map<string, CompiledAction>();
    for (const u of users) for (const [n, a] of u.actions) actions.set(n, a);
    profilesOut.set(pname, env.makeProfile(o, where, actions));
  });
  const tables = new Map<number, MatchTable>();
  for (const [idx, spec] of specs) {
    const profile = spec.profileName === undefined ? undefined : profilesOut.get(spec.profileName);
    if (spec.profileName !== undefined && !profile) throw invalid(`${allNodes[idx]!.path}.action_profile`, `unknown action profile "${spec.profileName}"`);
    tables.set(idx, new MatchTable({ ...spec, profile }));
  }

  /** Source of the conditions that have one, by node index: inlined into the generated control. */
  const conditionSources = new Map<number, { src: string; t: number; f: number }>();
  const nodes: NodeFn[] = allNodes.map((node, idx) => {
    const o = node.raw;
    const where = node.path;
    if (node.kind === "cond") {
      const cond = boolExpr(ctx, o["expression"], `${where}.expression`);
      const t = next(o["true_next"], `${where}.true_next`);
      const f = next(o["false_next"], `${where}.false_next`);
      const src = boolSource(cond);
      if (src !== undefined) conditionSources.set(idx, { src, t, f });
      return (s) => (cond(s) ? t : f);
    }
    if (node.kind === "call") {
      const a = action(o["action_id"], `${where}.action_id`);
      const n = next(o["next_node"], `${where}.next_node`);
      const run = a.run;
      return (s) => {
        s.args = [];
        run(s);
        return n;
      };
    }
    const table = tables.get(idx)!;
    tablesOut.set(table.name, table);
    const nt = asObject(o["next_tables"] ?? {}, `${where}.next_tables`);
    const baseNext = next(o["base_default_next"], `${where}.base_default_next`);
    const hitMiss = "__HIT__" in nt || "__MISS__" in nt;
    const hitNext = hitMiss ? next(nt["__HIT__"], `${where}.next_tables.__HIT__`) : -1;
    const missNext = hitMiss ? next(nt["__MISS__"], `${where}.next_tables.__MISS__`) : -1;
    // Next node by action id (ids are small integers), so choosing it is an array load.
    const nextByActionId: number[] = [];
    for (const [aname, a] of table.actions) {
      nextByActionId[a.id] = aname in nt ? next(nt[aname], `${where}.next_tables.${aname}`) : baseNext;
    }
    const meterTarget = env.directMeters.get(table.name)?.target;
    const now = env.now;
    constEntries(table, o, where, env);
    return (s) => {
      const entry = table.lookup(s);
      let bound: BoundAction | undefined;
      if (entry) {
        bound = table.boundOf(entry, s);
        const color = table.account(entry, s.ingressLength, now);
        if (meterTarget) meterTarget.write(s, BigInt(color));
      } else bound = table.defaultBound;
      if (bound) {
        s.args = bound.args;
        bound.action.run(s);
      }
      if (hitMiss) return entry ? hitNext : missNext;
      return bound ? (nextByActionId[bound.action.id] ?? baseNext) : baseNext;
    };
  });
  const init = next(p["init_table"], `${path}.init_table`);
  return { name, run: generatedControl(nodes, conditionSources, init) };
}

/**
 * The control graph as one generated function: a loop over a switch on the node index, with
 * conditions that have source inlined and tables called through `x`. One call per table
 * instead of one per node plus one per condition operand.
 */
function generatedControl(nodes: readonly NodeFn[], conditions: ReadonlyMap<number, { src: string; t: number; f: number }>, init: number): (s: PacketState) => void {
  const cases = nodes.map((_, i) => {
    const c = conditions.get(i);
    return c ? `case ${i}: node = ${c.src} ? ${c.t} : ${c.f}; break;` : `case ${i}: node = x[${i}](s); break;`;
  });
  return generate<void>(`let node = ${init};\nwhile (node >= 0 && !s.exit) {\nswitch (node) {\n${cases.join("\n")}\ndefault: return;\n}\n}`, nodes);
}

function compileKey(ctx: ExprContext, k: JsonObject, where: string): KeyField {
  const matchType = asString(k["match_type"], `${where}.match_type`);
  if (!MATCH_KINDS.has(matchType)) throw invalid(`${where}.match_type`, `unknown match type "${matchType}"`);
  const target = k["target"];
  const mask = optional(k, "mask");
  let read: DataFn;
  let readNumber: ((s: PacketState) => number) | undefined;
  let width: number;
  let defaultName: string;
  if (matchType === "valid" && typeof target === "string") {
    const h = ctx.layout.header(target, `${where}.target`).index;
    read = (s) => (s.valid[h] ? 1n : 0n);
    readNumber = (s) => (s.valid[h] ? 1 : 0);
    width = 1;
    defaultName = `${target}.$valid$`;
  } else {
    const c = compile(ctx, { type: "field", value: target }, `${where}.target`);
    if (c.k !== "lv") throw invalid(`${where}.target`, "expected a field");
    const lv = c.lv;
    width = lv.width;
    const unsigned = lv.signed ? normalizer(width, false) : undefined;
    read = unsigned ? (s) => unsigned(lv.read(s)) : lv.read;
    readNumber = lv.readNumber;
    defaultName = asArray(target, `${where}.target`).join(".");
  }
  if (mask !== undefined) {
    const m = parseHexstr(mask, `${where}.mask`);
    const inner = read;
    read = (s) => inner(s) & m;
    const innerNumber = readNumber;
    // The value fits 32 bits, so only the mask's low 32 bits matter.
    const low = Number(BigInt.asUintN(32, m));
    readNumber = innerNumber ? (s) => (innerNumber(s) & low) >>> 0 : undefined;
  }
  const name = typeof k["name"] === "string" ? k["name"] : defaultName;
  return { name, matchType: matchType as MatchParam["kind"], width, read, ...(readNumber ? { readNumber } : {}) };
}

/** Installs the program's `entries` (const entries); the table becomes immutable. */
function constEntries(table: MatchTable, o: JsonObject, where: string, env: PipelineEnv): void {
  const entries = optional(o, "entries");
  if (entries === undefined) return;
  asArray(entries, `${where}.entries`).forEach((r, i) => {
    const ep = `${where}.entries[${i}]`;
    const e = asObject(r, ep);
    const key: MatchParam[] = asArray(e["match_key"], `${ep}.match_key`).map((mr, j) => {
      const mp = `${ep}.match_key[${j}]`;
      const m = asObject(mr, mp);
      const kind = asString(m["match_type"], `${mp}.match_type`);
      const width = table.keys[j]?.width ?? 0;
      const u = (v: unknown, p: string): bigint => BigInt.asUintN(width, parseHexstr(v, p));
      switch (kind) {
        case "exact":
          return { kind, value: u(m["key"], `${mp}.key`) };
        case "lpm":
          return { kind, value: u(m["key"], `${mp}.key`), prefixLength: asInt(m["prefix_length"], `${mp}.prefix_length`) };
        case "ternary": {
          const mask = u(m["mask"], `${mp}.mask`);
          return { kind, value: u(m["key"], `${mp}.key`) & mask, mask };
        }
        case "optional":
          return { kind, value: u(m["key"], `${mp}.key`) };
        case "range":
          return { kind, low: u(m["start"], `${mp}.start`), high: u(m["end"], `${mp}.end`) };
        case "valid":
          return { kind, valid: asBool(m["key"], `${mp}.key`) };
        default:
          throw invalid(`${mp}.match_type`, `unknown match type "${kind}"`);
      }
    });
    const ae = asObject(e["action_entry"], `${ep}.action_entry`);
    const a = env.actionsById.get(asInt(ae["action_id"], `${ep}.action_entry.action_id`));
    if (!a) throw invalid(`${ep}.action_entry.action_id`, "unknown action id");
    const args = asArray(ae["action_data"] ?? [], `${ep}.action_entry.action_data`).map((v, j) =>
      BigInt.asUintN(a.params[j]?.width ?? 0, parseHexstr(v, `${ep}.action_entry.action_data[${j}]`)),
    );
    // bmv2 priorities: a lower number wins; ours: a higher number wins.
    const bmv2Priority = e["priority"] === undefined ? i : asInt(e["priority"], `${ep}.priority`);
    try {
      table.add(key, { kind: "action", call: { action: a.name, args } }, 0x7fffffff - bmv2Priority, true);
    } catch (err) {
      throw invalid(ep, err instanceof Error ? err.message : String(err));
    }
  });
  table.immutable = true;
}
