import test from "ava";
import { fileURLToPath } from "node:url";
import { createSwitch } from "../../../bmv2/src/dataplane/index.ts";
import { compileFile, compileFileWith, printP4InfoText, realCompilerAvailable } from "../../src/index.ts";
import { parseP4InfoText } from "../../src/real/textproto.ts";
import { compareBmv2Json, compareP4Info } from "./compare.ts";

// The product's data plane: p4/v1model/session_lb.p4 through our compiler. Packet behaviour is
// tested in testbench/test/lb; here: it compiles, loads, and its control-plane surface is
// what a P4Runtime controller expects (p4c's ids, selector keys moved into the selectors).
const PROGRAM = fileURLToPath(new URL("../../../p4/v1model/session_lb.p4", import.meta.url));
type J = any;

const result = compileFile(PROGRAM);

test("session_lb.p4 compiles without errors and loads into our switch", (t) => {
  t.deepEqual(
    result.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.loc.file}:${d.loc.line}: ${d.message}`),
    [],
  );
  if (!result.ok) return;
  const sw = createSwitch();
  t.notThrows(() => sw.loadPipeline(JSON.parse(JSON.stringify(result.bmv2Json)) as unknown));
});

test("session_lb.p4 P4Info: ids carry p4c's type prefixes and hash the names", (t) => {
  if (!result.ok) return t.fail("does not compile");
  const info = result.p4info as J;
  const prefixes: [string, number][] = [
    ["tables", 0x02],
    ["actions", 0x01],
    ["action_profiles", 0x11],
    ["counters", 0x12],
    ["registers", 0x16],
    ["digests", 0x17],
  ];
  for (const [kind, prefix] of prefixes) {
    for (const e of info[kind] ?? []) t.is(e.preamble.id >>> 24, prefix, `${kind} ${e.preamble.name}`);
  }
  const ids = new Set<number>();
  for (const [kind] of prefixes) for (const e of info[kind] ?? []) ids.add(e.preamble.id);
  t.is(ids.size, prefixes.reduce((n, [k]) => n + (info[k]?.length ?? 0), 0), "ids are unique");
  // The text form reads back and prints to the same text.
  t.is(printP4InfoText(parseP4InfoText(result.p4infoText)), result.p4infoText);
});

test("session_lb.p4: tables with action selectors are indirect_ws and hash their selector keys", (t) => {
  if (!result.ok) return t.fail("does not compile");
  const json = result.bmv2Json as J;
  const profiles = json.pipelines.flatMap((p: J) => p.action_profiles);
  const selectorTables = json.pipelines.flatMap((p: J) => p.tables).filter((tb: J) => tb.type === "indirect_ws");
  t.true(selectorTables.length > 0);
  for (const tb of selectorTables) {
    const profile = profiles.find((p: J) => p.name === tb.action_profile);
    t.truthy(profile, `profile of ${tb.name}`);
    t.true(profile.selector.input.length > 0);
    t.false(tb.key.some((k: J) => k.match_type === "selector"));
  }
  const info = result.p4info as J;
  for (const p of info.action_profiles ?? []) t.true(p.with_selector === true && p.table_ids.length > 0);
});

const realOk = realCompilerAvailable("bmv2");
(realOk ? test : test.skip)(
  `session_lb.p4: same structure as the real p4c-bm2-ss output${realOk ? "" : " [p4c-bm2-ss not installed]"}`,
  (t) => {
    const real = compileFileWith("p4c", PROGRAM);
    if (!real.ok || !result.ok) return t.fail("one of the compilers rejected the program");
    t.deepEqual(compareBmv2Json(JSON.parse(JSON.stringify(result.bmv2Json)), real.bmv2Json), []);
    t.deepEqual(compareP4Info(result.p4info, real.p4info), []);
  },
);

(realOk ? test : test.skip)(
  `session_lb.p4: P4Info text byte-for-byte as the real p4c-bm2-ss writes it, entity order included${realOk ? "" : " [p4c-bm2-ss not installed]"}`,
  (t) => {
    const real = compileFileWith("p4c", PROGRAM);
    if (!real.ok || !result.ok) return t.fail("one of the compilers rejected the program");
    t.is(result.p4infoText, real.p4infoText);
  },
);
