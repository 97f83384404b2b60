/**
 * The v1model STF tests of the conformance corpus on the real bmv2 simple_switch, loaded with
 * OUR compiler's JSON: our output must behave in the reference switch as p4c's does (all of
 * these pass there with p4c's JSON). Skips with a message where simple_switch is absent.
 */
import test from "ava";
import { readFileSync } from "node:fs";
import { compileFile } from "../../../compiler/src/index.ts";
import { v1modelCases } from "../../src/conformance.ts";
import { bmv2StfUnavailable, runStfOnBmv2 } from "../../src/stf/bmv2.ts";

const cases = v1modelCases();
const unavailable = cases.length === 0 ? "conformance corpus not found (set SLB_CONFORMANCE_DIR)" : bmv2StfUnavailable();

/** Each run starts a switch and a CLI: a few at a time keep a small machine responsive. */
const MAX_PARALLEL_SWITCHES = 2;
let running = 0;
const waiting: (() => void)[] = [];
async function withSwitchSlot<T>(work: () => Promise<T>): Promise<T> {
  while (running >= MAX_PARALLEL_SWITCHES) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

if (unavailable) {
  test.skip(`STF on real bmv2 with our compiler's JSON (skipped: ${unavailable})`, () => {});
} else {
  for (const c of cases) {
    test(`real bmv2, our JSON: ${c.name}`, async (t) => {
      const compiled = compileFile(c.p4File);
      if (!compiled.ok) return t.fail(`our compiler rejects ${c.name}: ${compiled.diagnostics.map((d) => d.message).join("; ")}`);
      const result = await withSwitchSlot(() => runStfOnBmv2(readFileSync(c.stfFile, "utf8"), compiled.bmv2Json));
      t.true(result.packetsSent > 0, "the STF test injects packets");
      t.deepEqual(result.failures, []);
      t.true(result.passed);
    });
  }
}
