/**
 * A seeded random run: over 10,000 session updates with random single faults (one at a time,
 * each undone before the next) on the embedded system with synchronous replication. Nothing
 * acknowledged may be lost. The seed is fixed so a failure replays with
 * `slb scenario --random --seed 16 --faults 4 --updates 10000`.
 */
import test from "ava";
import { formatResult, runScenario } from "../../src/scenario/runner.ts";
import { randomScenario } from "../../src/scenario/random.ts";
import { startEmbeddedSystem } from "../../src/system/orchestrator.ts";

const SEED = 16;

test("10,000 updates under random single faults lose nothing with sync replication", async (t) => {
  const scenario = randomScenario({ seed: SEED, updates: 10_000, faults: 4 });
  t.is(scenario.topology.replication, "sync");
  t.true(scenario.timeline.some((e) => e.action.do === "kill"), "the seed's timeline kills a server");
  const result = await runScenario(scenario, { short: false, seed: SEED, startSystem: startEmbeddedSystem });
  t.log(formatResult(result));
  t.true(result.answered >= 10_000);
  t.is(result.lost, 0);
  t.deepEqual(result.failures, []);
  t.is(result.events.length, scenario.timeline.length);
});
