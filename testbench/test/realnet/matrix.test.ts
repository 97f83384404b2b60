/**
 * The target matrix on real hosts: every bundled scenario (short form) and the demo, with
 * servers and client agents as processes in network namespaces, on our switch model (our
 * compiler's JSON) and on the real simple_switch_grpc with p4c's JSON and with ours; the
 * several-switch scenarios run two switches side by side, every host cabled to both. Each run
 * must lose no session, keep every invariant, fire every fault and leave nothing behind.
 * A combination this machine cannot run (no root, no simple_switch_grpc or p4c, no nft, no
 * netem for a delay) is skipped with the reason.
 */
import test from "ava";
import { bundledScenario, bundledScenarioNames } from "../../src/scenario/bundled.ts";
import { effectiveLoad } from "../../src/scenario/format.ts";
import { formatResult } from "../../src/scenario/runner.ts";
import { formatSummary } from "../../src/demo/run.ts";
import { namespaceScenarioBlocked, namespaceScenarioUnavailable, runDemoOnNamespaces, runScenarioOnNamespaces } from "../../src/realnet/scenario.ts";
import type { SwitchTarget } from "../../src/realnet/system.ts";
import type { CompilerChoice } from "../../src/system/program.ts";

const SEED = 21;
const TARGETS: readonly { readonly target: SwitchTarget; readonly compiler: CompilerChoice; readonly label: string }[] = [
  { target: "model", compiler: "builtin", label: "our model, our JSON" },
  { target: "bmv2", compiler: "p4c", label: "simple_switch_grpc, p4c's JSON" },
  { target: "bmv2", compiler: "builtin", label: "simple_switch_grpc, our JSON" },
];

for (const { target, compiler, label } of TARGETS) {
  for (const name of bundledScenarioNames()) {
    const scenario = bundledScenario(name);
    const blocked = namespaceScenarioBlocked(scenario, target, compiler);
    const title = `namespaces, ${label}: scenario ${name} (short) loses no session and leaves nothing behind`;
    if (blocked) {
      test.skip(`${title} [skipped: ${blocked}]`, () => undefined);
      continue;
    }
    test.serial(title, async (t) => {
      const result = await runScenarioOnNamespaces(scenario, true, { target, compiler, seed: SEED, log: (l) => t.log(l) });
      t.log(formatResult(result));
      t.deepEqual(result.failures, []);
      t.is(result.lost, 0);
      t.true(result.answered >= effectiveLoad(scenario, true).updates, "every session finished its increments");
      t.is(result.events.length, scenario.timeline.length, "every fault fired");
      if (scenario.expect.failovers) t.true(result.failovers > 0);
      if (scenario.expect.secondaryChanges) t.true(result.secondaryChanges > 0);
      if (name === "switch-restart" || name === "controller-restart") {
        // The new switch (or controller) was programmed again from the controller's state.
        t.true((result.stats["controller.reconciles"] ?? 0) >= 1, `reconciles: ${result.stats["controller.reconciles"]}`);
      }
      if (scenario.topology.switches > 1) {
        // Every switch was programmed (a switch that comes back near the end may still be resyncing when the run stops).
        t.true((result.stats["controller.reconciles"] ?? 0) >= scenario.topology.switches, `reconciles: ${result.stats["controller.reconciles"]}`);
      }
      t.true(result.clean, `teardown left ${JSON.stringify(result.teardown)}`);
    });
  }

  const unavailable = namespaceScenarioUnavailable(target, compiler);
  const demoTitle = `namespaces, ${label}: the demo kills, restarts and drains and ends with sessions lost: 0`;
  if (unavailable) {
    test.skip(`${demoTitle} [skipped: ${unavailable}]`, () => undefined);
    continue;
  }
  test.serial(demoTitle, async (t) => {
    let output = "";
    const summary = await runDemoOnNamespaces({ target, compiler, servers: 4, durationS: 8, seed: SEED, out: { write: (s: string) => (output += s), isTTY: false } });
    const lines = formatSummary(summary);
    t.log(lines.join("\n"));
    t.is(lines[lines.length - 1], "sessions lost: 0");
    t.deepEqual(summary.violations, []);
    t.true(summary.answered > 0);
    t.true(summary.failovers > 0, "the killed primary's sessions moved");
    t.regex(output, /killed server \d+/);
    t.regex(output, /restarted server \d+/);
    t.regex(output, /draining server \d+/);
    t.true(summary.clean, `teardown left ${JSON.stringify(summary.teardown)}`);
  });
}
