/**
 * Every bundled scenario, in its short form, on the embedded system (our compiler's JSON on our
 * switch model over UDP wires, the controller over P4Runtime, servers and clients on userspace
 * host stacks): no acknowledged update lost, versions monotonic per client, failover never to
 * the secondary while others live, and what the scenario expects (failovers, new secondaries).
 */
import test from "ava";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseScenario } from "../../src/scenario/format.ts";
import { formatResult, runScenario } from "../../src/scenario/runner.ts";
import { renderTimelineSvg } from "../../src/plot/svg.ts";
import { startEmbeddedSystem } from "../../src/system/orchestrator.ts";

const dir = fileURLToPath(new URL("../../scenarios/", import.meta.url));
const SEED = 11;

for (const file of readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
  const scenario = parseScenario(readFileSync(dir + file, "utf8"), file);
  test.serial(`scenario ${scenario.name} (short) keeps its invariants`, async (t) => {
    const result = await runScenario(scenario, { short: true, seed: SEED, startSystem: startEmbeddedSystem });
    t.log(formatResult(result));
    t.deepEqual(result.failures, []);
    t.is(result.lost, 0);
    t.is(result.violations.length, 0);
    t.true(result.answered >= effectiveUpdates(scenario), "every session finished its increments");
    t.is(result.events.length, scenario.timeline.length, "every fault fired");
    if (scenario.expect.failovers) t.true(result.failovers > 0);
    if (scenario.expect.secondaryChanges) t.true(result.secondaryChanges > 0);
    if (scenario.name === "switch-restart") {
      // The controller found an empty switch after the restart and programmed it again.
      t.true((result.stats["controller.reconciles"] ?? 0) >= 2, `reconciles: ${result.stats["controller.reconciles"]}`);
    }
    if (scenario.name === "primary-death") {
      // The run's timeline plots as SVG with the fault events on it.
      const svg = renderTimelineSvg(result.timeline);
      t.regex(svg, /kill server \d+/);
      t.true(result.timeline.samples.length >= 2);
    }
  });
}

function effectiveUpdates(s: ReturnType<typeof parseScenario>): number {
  return s.short.updates ?? s.load.updates;
}
