import test from "ava";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ScenarioError, describeAction, effectiveLoad, parseScenario } from "../../src/scenario/format.ts";
import { Prng } from "../../src/scenario/prng.ts";
import { randomScenario } from "../../src/scenario/random.ts";

const dir = fileURLToPath(new URL("../../scenarios/", import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith(".json"));

test("every bundled scenario parses, has a short form and a timeline", (t) => {
  t.true(files.length >= 8);
  for (const file of files) {
    const s = parseScenario(readFileSync(dir + file, "utf8"), file);
    t.is(`${s.name}.json`, file, "file name matches the scenario name");
    t.true(s.timeline.length > 0, `${file} has faults`);
    t.true(effectiveLoad(s, true).updates < s.load.updates, `${file} short form is shorter`);
  }
});

test("the bundled scenarios cover the required faults", (t) => {
  const actions = files.flatMap((f) => parseScenario(readFileSync(dir + f, "utf8"), f).timeline.map((e) => e.action));
  const kinds = new Set(actions.map((a) => a.do));
  for (const k of ["kill", "restart", "pause", "resume", "drain", "loss", "delay", "partition", "controller-kill", "controller-start", "switch-restart"]) {
    t.true(kinds.has(k as never), `some scenario does ${k}`);
  }
  t.true(actions.some((a) => a.do === "kill" && a.server.kind === "role" && a.server.role === "secondary"));
  t.true(actions.some((a) => a.do === "loss" && a.port.kind === "all" && a.rate === 0.05));
});

test("parse errors name the field", (t) => {
  const base = { name: "x", load: { updates: 10 }, timeline: [] as unknown[] };
  const bad = (patch: object): string => t.throws(() => parseScenario(JSON.stringify({ ...base, ...patch })), { instanceOf: ScenarioError })!.message;
  t.regex(bad({ name: "" }), /name/);
  t.regex(bad({ load: { updates: -1 } }), /load.updates/);
  t.regex(bad({ topology: { servers: 1 } }), /at least 2/);
  t.regex(bad({ topology: { replication: "maybe" } }), /replication/);
  t.regex(bad({ timeline: [{ at: 0.5, do: "explode" }] }), /unknown action/);
  t.regex(bad({ timeline: [{ do: "kill", server: 1 }] }), /needs "at"/);
  t.regex(bad({ timeline: [{ at: 0.5, do: "kill", server: "tertiary:1" }] }), /server id/);
  t.regex(bad({ timeline: [{ at: 0.5, do: "loss", port: "all", rate: 2 }] }), /rate/);
  t.regex(bad({ timeline: [{ at: 0.6, do: "kill", server: 1 }, { at: 0.5, do: "restart", server: 1 }] }), /backwards/);
  t.regex(bad({ timeline: [{ at: 0.5, afterFailover: true, do: "kill", server: 1 }] }), /not "at" and "afterFailover"/);
  t.throws(() => parseScenario("{ not json"), { instanceOf: ScenarioError });
});

test("comments and defaults", (t) => {
  const s = parseScenario(`// a comment\n{"name":"c","load":{"updates":5},"timeline":[{"afterMs":10,"do":"controller-kill"}]}`);
  t.is(s.topology.servers, 4);
  t.is(s.topology.replication, "sync");
  t.is(s.load.clients, 2);
  t.deepEqual(s.timeline[0]!.trigger, { kind: "after", ms: 10 });
  const f = parseScenario(`{"name":"f","load":{"updates":5},"timeline":[{"at":0.1,"do":"kill","server":1},{"afterFailover":true,"do":"kill","server":2}]}`);
  t.deepEqual(f.timeline[1]!.trigger, { kind: "failedOver" });
  t.is(describeAction(s.timeline[0]!.action), "controller-kill");
});

test("the PRNG is deterministic per seed and spreads over its range", (t) => {
  const a = new Prng(42);
  const b = new Prng(42);
  const seqA = Array.from({ length: 50 }, () => a.int(1, 6));
  t.deepEqual(seqA, Array.from({ length: 50 }, () => b.int(1, 6)));
  t.deepEqual([...new Set(seqA)].sort(), [1, 2, 3, 4, 5, 6]);
  t.notDeepEqual(seqA, Array.from({ length: 50 }, () => new Prng(43).int(1, 6)));
});

test("random scenarios replay from their seed and keep faults single", (t) => {
  for (let seed = 1; seed <= 50; seed++) {
    const s = randomScenario({ seed, updates: 10_000 });
    t.deepEqual(randomScenario({ seed, updates: 10_000 }), s, `seed ${seed} replays`);
    t.is(s.seed, seed);
    t.is(s.topology.replication, "sync");
    // A fault with an end is always followed directly by its end: one fault at a time.
    const ends: Record<string, string> = { kill: "restart", pause: "resume", loss: "heal", delay: "heal", partition: "unpartition", "controller-kill": "controller-start" };
    for (let i = 0; i < s.timeline.length; i++) {
      const action = s.timeline[i]!.action;
      const end = ends[action.do];
      if (end === undefined) continue;
      t.is(s.timeline[i + 1]?.action.do, end as never, `seed ${seed}: ${action.do} is undone next`);
      t.is(s.timeline[i + 1]?.trigger.kind, "after");
      i++;
    }
    // What the generator emits is a valid scenario file.
    const roundTrip = parseScenario(JSON.stringify({ name: s.name, topology: s.topology, load: s.load, timeline: [] }));
    t.is(roundTrip.topology.servers, s.topology.servers);
  }
  t.notDeepEqual(randomScenario({ seed: 1, updates: 100 }).timeline, randomScenario({ seed: 2, updates: 100 }).timeline);
});
