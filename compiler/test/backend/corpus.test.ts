/**
 * The v1model programs of p4c's corpus that real p4c-bm2-ss accepts: our compiler must compile
 * them (except the known gaps, each with its cause), and where p4c is installed our P4Info
 * must name the same tables, actions and ids and our JSON the same tables, keys and parser;
 * where simple_switch is installed, every JSON we produce must load into it.
 */
import test from "ava";
import { join } from "node:path";
import { conformanceDir, p4cCorpusCases } from "../../../testbench/src/conformance.ts";
import { bmv2StfUnavailable, runStfOnBmv2 } from "../../../testbench/src/stf/bmv2.ts";
import { compileFile, compileWithRealP4c, realCompilerAvailable, type CompileResult } from "../../src/index.ts";
import { compareBmv2Json, compareP4Info } from "./compare.ts";
import { knownBackEndRejects, knownFrontEndRejects, knownStructureGaps } from "./corpus_baseline.ts";

const base = conformanceDir();
const corpus = base ? join(base, "p4c-corpus") : undefined;
const accepted = p4cCorpusCases()
  .filter((c) => c.kind === "v1model" && c.verdict === "accept")
  .map((c) => c.name);

if (accepted.length === 0) {
  test.skip("p4c-corpus v1model programs compile (skipped: p4c-corpus not found; set SLB_CONFORMANCE_DIR)", () => {});
} else {
  const results = new Map<string, CompileResult>();
  const compiled = (name: string): CompileResult => {
    let r = results.get(name);
    if (!r) results.set(name, (r = compileFile(join(corpus!, "v1model", `${name}.p4`))));
    return r;
  };

  test("p4c-corpus: every v1model program p4c accepts compiles, but the known gaps", (t) => {
    const unexpected: string[] = [];
    let ok = 0;
    for (const name of accepted) {
      const r = compiled(name);
      const known = knownBackEndRejects.get(name) ?? knownFrontEndRejects.get(name);
      if (r.ok) {
        ok++;
        if (known) t.log(`${name} compiles now: remove it from the known rejects (${known})`);
      } else if (!known) {
        unexpected.push(`${name}: ${r.diagnostics.find((d) => d.severity === "error")?.message ?? "rejected"}`);
      }
    }
    t.log(`accepted ${ok}/${accepted.length} (known back-end gaps ${knownBackEndRejects.size}, front-end ${knownFrontEndRejects.size})`);
    t.deepEqual(unexpected, []);
  });

  if (!realCompilerAvailable("bmv2")) {
    test.skip("p4c-corpus: our P4Info and tables agree with real p4c's (skipped: p4c-bm2-ss not installed)", () => {});
  } else {
    test("p4c-corpus: our P4Info and tables agree with real p4c's on a sample", (t) => {
      // Every fourth program keeps the run short; the sample changes only with the corpus.
      const sample = accepted.filter((_, i) => i % 4 === 0).filter((name) => compiled(name).ok);
      const differing: string[] = [];
      for (const name of sample) {
        const ours = compiled(name);
        const real = compileWithRealP4c(join(corpus!, "v1model", `${name}.p4`));
        if (!ours.ok || !real.ok) continue;
        const p4info = compareP4Info(ours.p4info, real.p4info);
        const tables = compareBmv2Json(JSON.parse(JSON.stringify(ours.bmv2Json)), real.bmv2Json).filter((d) => d.startsWith("table") || d.startsWith("header"));
        const gap = knownStructureGaps.get(name);
        if (p4info.length + tables.length === 0) {
          if (gap) t.log(`${name} now has p4c's structure: remove it from knownStructureGaps (${gap})`);
        } else if (!gap) {
          differing.push(`${name}: ${[...p4info, ...tables].slice(0, 2).join("; ")}`);
        }
      }
      t.log(`sample of ${sample.length}: ${sample.length - differing.length} agree with p4c`);
      for (const d of differing) t.log(d);
      t.true(sample.length > 0);
      t.deepEqual(differing, []);
    });
  }

  const noSwitch = bmv2StfUnavailable();
  if (noSwitch) {
    test.skip(`p4c-corpus: our JSON loads into real simple_switch (skipped: ${noSwitch})`, () => {});
  } else {
    // One switch at a time: each start is a process of its own.
    let queue: Promise<unknown> = Promise.resolve();
    for (const name of accepted) {
      test(`p4c-corpus: our JSON for ${name} loads into real simple_switch`, async (t) => {
        const ours = compiled(name);
        if (!ours.ok) {
          t.log(`not compiled (known gap: ${knownBackEndRejects.get(name) ?? knownFrontEndRejects.get(name) ?? "unknown"})`);
          t.true(knownBackEndRejects.has(name) || knownFrontEndRejects.has(name));
          return;
        }
        // An STF test without commands: the switch must start with the JSON and stop cleanly.
        const run = queue.then(() => runStfOnBmv2("", ours.bmv2Json, { quietMs: 50 }));
        queue = run.catch(() => undefined);
        const result = await run;
        t.deepEqual(result.failures, []);
      });
    }
  }
}
