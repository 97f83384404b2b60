/**
 * p4/CONTROL_PLANE.md is what the controller engineer programs against: every table, key,
 * action, parameter width, selector, register, counter and digest it names must be in the
 * P4Info our compiler produces for the v1model program, and everything in that P4Info must be
 * documented. p4/contract.ts (the same names for TypeScript) is held to the P4Info too, and the
 * drop reasons and events of both to p4/shared/defines.p4.
 */
import test from "ava";
import { readFileSync } from "node:fs";
import { compileV1model, CONTROL_PLANE_DOC, DEFINES } from "./programs.ts";
import {
  DEFAULT_FAILURE_TIMEOUT_US,
  DROP_REASON_COUNT,
  DropReason,
  EVENT_COUNT,
  KeyField,
  LbEvent,
  SERVER_DOWN_DIGEST,
  SERVER_DOWN_DIGEST_FIELDS,
  SERVER_INDEX_COUNT,
  SESSION_PORT,
  sessionLbNames,
} from "../contract.ts";

interface P4InfoEntity {
  readonly preamble: { readonly name: string; readonly id: number };
}
interface P4InfoLike {
  readonly tables: (P4InfoEntity & {
    readonly match_fields?: { readonly name: string; readonly bitwidth: number; readonly match_type: string }[];
    readonly action_refs: { readonly id: number }[];
    readonly size?: number | string;
    readonly implementation_id?: number;
  })[];
  readonly actions: (P4InfoEntity & { readonly params?: { readonly name: string; readonly bitwidth: number }[] })[];
  readonly action_profiles?: (P4InfoEntity & { readonly with_selector?: boolean; readonly size?: number | string })[];
  readonly counters?: (P4InfoEntity & { readonly size?: number | string; readonly spec?: { readonly unit?: string } })[];
  readonly registers?: (P4InfoEntity & { readonly size?: number | string; readonly type_spec?: { readonly bitstring?: { readonly bit?: { readonly bitwidth: number } } } })[];
  readonly digests?: (P4InfoEntity & { readonly type_spec?: { readonly struct?: { readonly name: string } } })[];
  readonly value_sets?: (P4InfoEntity & { readonly size?: number | string; readonly match?: { readonly bitwidth: number; readonly match_type?: string }[] })[];
  readonly type_info?: { readonly structs?: Record<string, { readonly members: { readonly name: string; readonly type_spec: { readonly bitstring?: { readonly bit?: { readonly bitwidth: number } } } }[] }> };
}

const doc = readFileSync(CONTROL_PLANE_DOC, "utf8");
const docLines = doc.split("\n");

function section(title: string): string[] {
  const start = docLines.findIndex((l) => l.startsWith("## ") && l.includes(title));
  const end = docLines.findIndex((l, i) => i > start && l.startsWith("## "));
  return docLines.slice(start, end === -1 ? undefined : end);
}

interface DocTable {
  readonly name: string;
  readonly keys: { name: string; kind: string; width: number }[];
  readonly actions: { name: string; params: { name: string; width: number }[] }[];
  readonly size: number;
  readonly selectorInput: string | undefined;
}

function docTables(): DocTable[] {
  return section("Tables")
    .map((line) => /^\| `(SessionLbIngress\.[\w.]+)` \| (.*?) \| (.*?) \| (.*?) \| (\d+) \|$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({
      name: m[1]!,
      keys: [...m[2]!.matchAll(/`([\w.]+)`: (exact|lpm|ternary|range|optional) (\d+)/g)].map((k) => ({ name: k[1]!, kind: k[2]!, width: Number(k[3]) })),
      selectorInput: /selector input `([\w.]+)`/.exec(m[2]!)?.[1],
      actions: [...m[3]!.matchAll(/`(SessionLbIngress\.[\w.]+)\(([^)]*)\)`/g)].map((a) => ({
        name: a[1]!,
        params: a[2]!
          .split(",")
          .map((p) => p.trim())
          .filter((p) => p.length > 0)
          .map((p) => ({ name: p.split(":")[0]!, width: Number(p.split(":")[1]) })),
      })),
      size: Number(m[5]),
    }));
}

function docRows(sectionTitle: string, pattern: RegExp): RegExpExecArray[] {
  return section(sectionTitle)
    .map((line) => pattern.exec(line))
    .filter((m): m is RegExpExecArray => m !== null);
}

const compiled = await compileV1model();
const contractTest = compiled.ok ? test : test.skip;
const suffix = compiled.ok ? "" : ` [needs our compiler: ${compiled.reason.slice(0, 300)}]`;
const p4info = (compiled.ok ? compiled.value.p4info : { tables: [], actions: [] }) as P4InfoLike;

contractTest(`every documented table exists with its keys, actions, parameter widths and size${suffix}`, (t) => {
  const tables = docTables();
  t.true(tables.length >= 7, `parsed only ${tables.length} tables from the doc`);
  for (const table of tables) {
    const found = p4info.tables.find((x) => x.preamble.name === table.name);
    if (!found) {
      t.fail(`table ${table.name} is documented but not in the P4Info`);
      continue;
    }
    // P4Runtime keys are the non-selector match fields; a selector's input is not part of an entry's key.
    const keys = (found.match_fields ?? []).filter((f) => f.match_type !== "SELECTOR");
    t.deepEqual(
      keys.map((f) => ({ name: f.name, kind: f.match_type.toLowerCase(), width: f.bitwidth })),
      table.keys,
      `keys of ${table.name}`,
    );
    t.is(Number(found.size), table.size, `size of ${table.name}`);
    t.is(found.implementation_id !== undefined && found.implementation_id !== 0, table.selectorInput !== undefined, `selector of ${table.name}`);
    const actionNames = found.action_refs.map((r) => p4info.actions.find((a) => a.preamble.id === r.id)?.preamble.name);
    for (const action of table.actions) {
      t.true(actionNames.includes(action.name), `${table.name} lists ${action.name}`);
      const info = p4info.actions.find((a) => a.preamble.name === action.name);
      t.deepEqual(
        (info?.params ?? []).map((p) => ({ name: p.name, width: p.bitwidth })),
        action.params,
        `parameters of ${action.name}`,
      );
    }
  }
});

contractTest(`every table and action in the P4Info is documented${suffix}`, (t) => {
  const documented = docTables();
  t.deepEqual(
    p4info.tables.map((x) => x.preamble.name).filter((name) => !documented.some((d) => d.name === name)),
    [],
  );
  const documentedActions = new Set(documented.flatMap((d) => d.actions.map((a) => a.name)));
  t.deepEqual(
    p4info.actions.map((a) => a.preamble.name).filter((name) => name !== "NoAction" && !documentedActions.has(name)),
    [],
  );
});

contractTest(`action selectors, registers, counters, the value set and the digest match the doc${suffix}`, (t) => {
  const profiles = docRows("Tables", /^\| `(SessionLbIngress\.[\w.]+)` \| `(\w+)` \| crc16 .* \| (\d+) \|$/);
  t.deepEqual(
    profiles.map((m) => m[1]).sort(),
    (p4info.action_profiles ?? []).map((p) => p.preamble.name).sort(),
  );
  for (const m of profiles) {
    const info = p4info.action_profiles?.find((p) => p.preamble.name === m[1]);
    t.true(info?.with_selector, `${m[1]} has a selector`);
    t.is(Number(info?.size), Number(m[3]), `size of ${m[1]}`);
  }

  const registers = docRows("Data-plane failure detection", /^\| `(SessionLbIngress\.[\w.]+)` \| (\d+) \|/);
  t.deepEqual(registers.map((m) => m[1]).sort(), (p4info.registers ?? []).map((r) => r.preamble.name).sort());
  for (const m of registers) {
    const info = p4info.registers?.find((r) => r.preamble.name === m[1]);
    t.is(info?.type_spec?.bitstring?.bit?.bitwidth, Number(m[2]), `width of ${m[1]}`);
    t.is(Number(info?.size), 65536, `size of ${m[1]}`);
  }

  const counters = docRows("Counters", /^\| `(SessionLbIngress\.[\w.]+)` \| (\d+) \|/);
  t.deepEqual(counters.map((m) => m[1]).sort(), (p4info.counters ?? []).map((c) => c.preamble.name).sort());
  for (const m of counters) {
    const info = p4info.counters?.find((c) => c.preamble.name === m[1]);
    t.is(Number(info?.size), Number(m[2]), `size of ${m[1]}`);
    t.is(info?.spec?.unit, "BOTH", `${m[1]} counts packets and bytes`);
  }

  const valueSets = docRows("The session port", /^\| `(\w+\.\w+)` \| (\d+) bits, exact \| (\d+) \|$/);
  t.deepEqual(valueSets.map((m) => m[1]), (p4info.value_sets ?? []).map((v) => v.preamble.name));
  for (const m of valueSets) {
    const info = p4info.value_sets?.find((v) => v.preamble.name === m[1]);
    t.deepEqual(info?.match?.map((f) => f.bitwidth), [Number(m[2])], `match of ${m[1]}`);
    t.is(Number(info?.size), Number(m[3]), `size of ${m[1]}`);
  }

  const digests = docRows("Data-plane failure detection", /^\| `(\w+_digest_t)` \| (.*) \|$/);
  t.deepEqual(digests.map((m) => m[1]), (p4info.digests ?? []).map((d) => d.preamble.name));
  for (const m of digests) {
    const fields = [...m[2]!.matchAll(/`(\w+)`: (\d+)/g)].map((f) => ({ name: f[1]!, width: Number(f[2]) }));
    const struct = p4info.type_info?.structs?.[m[1]!];
    t.deepEqual(
      struct?.members.map((x) => ({ name: x.name, width: x.type_spec.bitstring?.bit?.bitwidth })),
      fields,
      `fields of ${m[1]}`,
    );
  }
});

test("drop reasons and events in the doc are the numbers in defines.p4", (t) => {
  const defines = readFileSync(DEFINES, "utf8");
  const numbered = (prefix: string) =>
    [...defines.matchAll(new RegExp(`#define ${prefix}_(\\w+) 8w(\\d+)`, "g"))]
      .filter((m) => m[1] !== "NONE")
      .map((m) => `${Number(m[2])} ${m[1]}`);
  const documentedDrops = docRows("Counters", /^\| (\d+) \| (\w+) \|/).map((m) => `${m[1]} ${m[2]}`);
  t.deepEqual(documentedDrops, numbered("DROP"));
  const eventsLine = docLines.find((l) => l.startsWith("Events (`EVENT_*`)")) ?? "";
  t.deepEqual([...eventsLine.matchAll(/(\d+) (\w+)/g)].map((m) => `${m[1]} ${m[2]}`), numbered("EVENT"));
});

contractTest(`p4/contract.ts names exactly the P4Info's tables, actions, selectors, registers, counters, value set and digest${suffix}`, (t) => {
  const names = sessionLbNames("v1model");
  const byKind = (kind: keyof P4InfoLike) => ((p4info[kind] ?? []) as P4InfoEntity[]).map((e) => e.preamble.name).sort();
  t.deepEqual(Object.values(names.tables).sort(), byKind("tables"));
  t.deepEqual(Object.values(names.actions).sort(), byKind("actions").filter((n) => n !== "NoAction"));
  t.deepEqual(Object.values(names.selectors).sort(), byKind("action_profiles"));
  t.deepEqual(Object.values(names.registers).sort(), byKind("registers"));
  t.deepEqual(Object.values(names.counters).sort(), byKind("counters"));
  t.deepEqual([SERVER_DOWN_DIGEST], byKind("digests"));
  t.deepEqual(Object.values(names.valueSets).sort(), byKind("value_sets"));
  t.deepEqual(p4info.type_info?.structs?.[SERVER_DOWN_DIGEST]?.members.map((m) => m.name), [...SERVER_DOWN_DIGEST_FIELDS]);
  const keyNames = new Set(p4info.tables.flatMap((x) => (x.match_fields ?? []).map((f) => f.name)));
  for (const key of Object.values(KeyField)) t.true(keyNames.has(key), `${key} is a key field`);
  for (const counter of [names.counters.serverRequests, names.counters.serverResponses, names.counters.serverFailovers, names.counters.serverMarkedDown]) {
    t.is(Number(p4info.counters?.find((c) => c.preamble.name === counter)?.size), SERVER_INDEX_COUNT);
  }
  t.is(Number(p4info.counters?.find((c) => c.preamble.name === names.counters.dropReasons)?.size), DROP_REASON_COUNT);
  t.is(Number(p4info.counters?.find((c) => c.preamble.name === names.counters.events)?.size), EVENT_COUNT);
});

test("p4/contract.ts numbers are the ones in defines.p4", (t) => {
  const defines = readFileSync(DEFINES, "utf8");
  const define = (name: string) => new RegExp(`#define ${name} (?:\\d+w)?(\\d+)\\b`).exec(defines)?.[1];
  const numbered = (prefix: string) =>
    Object.fromEntries(
      [...defines.matchAll(new RegExp(`#define ${prefix}_(\\w+) 8w(\\d+)`, "g"))].filter((m) => m[1] !== "NONE").map((m) => [m[1]!, Number(m[2])]),
    );
  const upperSnake = (camel: string) => camel.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
  t.deepEqual(Object.fromEntries(Object.entries(DropReason).map(([k, v]) => [upperSnake(k), v])), numbered("DROP"));
  t.deepEqual(Object.fromEntries(Object.entries(LbEvent).map(([k, v]) => [upperSnake(k), v])), numbered("EVENT"));
  t.is(Number(define("SLB_SESSION_PORT")), SESSION_PORT);
  t.is(BigInt(define("DEFAULT_FAILURE_TIMEOUT_US") ?? -1), DEFAULT_FAILURE_TIMEOUT_US);
  t.is(Number(define("SERVER_INDEX_COUNT")), SERVER_INDEX_COUNT);
  t.is(Number(define("DROP_REASON_COUNT")), DROP_REASON_COUNT);
  t.is(Number(define("EVENT_COUNT")), EVENT_COUNT);
});
