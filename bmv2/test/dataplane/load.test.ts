import test from "ava";
import { readFileSync } from "node:fs";
import { port, SwitchError } from "../../src/dataplane/api.ts";
import { createSwitch } from "../../src/dataplane/index.ts";
import { v1modelCases } from "../../../testbench/src/conformance.ts";
import { fixtureProgram, frame } from "./fixture.ts";

type Json = Record<string, unknown>;

function mutated(edit: (p: Json) => void): Json {
  const p = structuredClone(fixtureProgram());
  edit(p);
  return p;
}

const BAD_CONFIGS: [string, unknown, RegExp][] = [
  ["not an object", 42, /<root>: expected an object/],
  ["unparsable string", "{oops", /does not parse/],
  ["future major version", mutated((p) => (p["__meta__"] = { version: [3, 0] })), /major version 3/],
  ["unknown header type", mutated((p) => ((p["headers"] as Json[])[2]!["header_type"] = "nope")), /headers\[2\]: unknown header type "nope"/],
  [
    "field of an unknown header in an action",
    mutated((p) => {
      const a = (p["actions"] as Json[])[0]!;
      a["primitives"] = [{ op: "assign", parameters: [{ type: "field", value: ["ghost", "x"] }, { type: "hexstr", value: "0x1" }] }];
    }),
    /actions\[0\]\.primitives\[0\]\.parameters\[0\]\.value: unknown header "ghost"/,
  ],
  [
    "unsupported primitive",
    mutated((p) => ((p["actions"] as Json[])[0]!["primitives"] = [{ op: "teleport", parameters: [] }])),
    /unsupported primitive "teleport"/,
  ],
  [
    "unsupported operator",
    mutated((p) => {
      const conds = ((p["pipelines"] as Json[])[0]!["conditionals"] as Json[])[0]!;
      conds["expression"] = { type: "expression", value: { op: "**", left: { type: "hexstr", value: "0x1" }, right: { type: "hexstr", value: "0x1" } } };
    }),
    /unsupported expression operator "\*\*"/,
  ],
  ["bad hexstring", mutated((p) => (((p["pipelines"] as Json[])[0]!["conditionals"] as Json[])[0]!["expression"] = { type: "hexstr", value: "12" })), /bad hexstring "12"/],
  [
    "dangling next node",
    mutated((p) => (((p["pipelines"] as Json[])[0]!["conditionals"] as Json[])[0]!["true_next"] = "nowhere")),
    /unknown control node "nowhere"/,
  ],
  [
    "unknown parse state",
    mutated((p) => (((p["parsers"] as Json[])[0]!["parse_states"] as Json[])[0]!["transitions"] = [{ type: "default", value: null, mask: null, next_state: "void" }])),
    /unknown parse state "void"/,
  ],
  ["missing standard metadata", mutated((p) => (p["headers"] = (p["headers"] as Json[]).filter((h) => h["name"] !== "standard_metadata"))), /standard_metadata/],
  [
    "default entry with the wrong argument count",
    mutated((p) => {
      const t = ((p["pipelines"] as Json[])[0]!["tables"] as Json[])[0]!;
      t["default_entry"] = { action_id: 0, action_const: false, action_data: [], action_entry_const: false };
    }),
    /takes 1 arguments, got 0/,
  ],
];

for (const [what, config, message] of BAD_CONFIGS) {
  test(`a bad config is rejected with INVALID_ARGUMENT and the old pipeline keeps running: ${what}`, (t) => {
    const sw = createSwitch();
    sw.loadPipeline(fixtureProgram());
    sw.control.tableAdd("ingress.t_exact", [{ kind: "exact", value: 1n }], { kind: "action", call: { action: "ingress.fwd", args: [2n] } });
    const err = t.throws(() => sw.loadPipeline(config), { instanceOf: SwitchError });
    t.is(err?.code, "INVALID_ARGUMENT");
    t.regex(err!.message, message);
    const out: number[] = [];
    sw.onEgress((p) => out.push(p));
    sw.inject(port(0), frame(1, 1, 0));
    t.deepEqual(out, [2]);
    t.is(sw.control.tableEntries("ingress.t_exact").length, 1);
  });
}

test("a new pipeline (here as JSON bytes) replaces the old one with fresh table state", (t) => {
  const sw = createSwitch();
  sw.loadPipeline(fixtureProgram());
  sw.control.tableAdd("ingress.t_exact", [{ kind: "exact", value: 1n }], { kind: "action", call: { action: "ingress.fwd", args: [2n] } });
  sw.loadPipeline(Buffer.from(JSON.stringify(fixtureProgram())));
  t.true(sw.loaded);
  t.is(sw.control.tableEntries("ingress.t_exact").length, 0);
});

const corpus = v1modelCases();
test("random frames into every corpus program never throw nor hit an internal error", (t) => {
  if (corpus.length === 0) {
    t.log("conformance corpus not found; only the fixture program is fuzzed");
  }
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const programs: unknown[] = [fixtureProgram(), ...corpus.map((c) => JSON.parse(readFileSync(c.jsonFile, "utf8")) as unknown)];
  for (const program of programs) {
    const sw = createSwitch();
    sw.loadPipeline(program);
    for (let i = 0; i < 40; i++) {
      const f = Uint8Array.from({ length: rnd(70) }, () => rnd(256));
      t.notThrows(() => sw.inject(port(rnd(8)), f));
    }
    t.is(sw.stats()["internal_errors"], 0);
    t.is(sw.stats()["packets_in"], 40);
  }
});

test("randomly corrupted configs either load or fail with INVALID_ARGUMENT, never anything else", (t) => {
  const base = corpus.length > 0 ? (JSON.parse(readFileSync(corpus.find((c) => c.name === "v1model-special-ops-bmv2")?.jsonFile ?? corpus[0]!.jsonFile, "utf8")) as Json) : fixtureProgram();
  const garbage: unknown[] = [null, 42, -1, "x", [], {}, true, [null], { type: "field", value: 3 }];
  let seed = 99;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const sw = createSwitch();
  sw.loadPipeline(fixtureProgram());
  let rejected = 0;
  for (let i = 0; i < 150; i++) {
    const config = structuredClone(base);
    // Walk down a random path and replace what is there.
    let node: unknown = config;
    for (let depth = 0; depth < 8; depth++) {
      const keys = node !== null && typeof node === "object" ? Object.keys(node) : [];
      if (keys.length === 0) break;
      const k = keys[rnd(keys.length)]!;
      const child = (node as Record<string, unknown>)[k];
      if (depth > 1 && rnd(3) === 0) {
        (node as Record<string, unknown>)[k] = garbage[rnd(garbage.length)];
        break;
      }
      node = child;
    }
    try {
      sw.loadPipeline(config);
      sw.loadPipeline(fixtureProgram());
    } catch (e) {
      t.true(e instanceof SwitchError && e.code === "INVALID_ARGUMENT", String(e));
      rejected++;
    }
    const out: number[] = [];
    const stop = sw.onEgress((p) => out.push(p));
    sw.control.tableSetDefault("ingress.t_exact", { action: "ingress.fwd", args: [3n] });
    sw.inject(port(0), frame(1, 1, 0));
    stop();
    t.deepEqual(out, [3], "the fixture pipeline still runs");
  }
  t.true(rejected > 0);
});
