import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { namespaceScenarioUnavailable, runNamespaceScenario } from "../../../../testbench/src/realnet/scenario.ts";
import { type Command, UsageError, optionInt, optionString, parseArgs } from "../command.ts";
import { type Scenario, ScenarioError, parseScenario } from "../../../../testbench/src/scenario/format.ts";
import { freshSeed } from "../../../../testbench/src/scenario/prng.ts";
import { randomScenario } from "../../../../testbench/src/scenario/random.ts";
import { formatResult, runScenario } from "../../../../testbench/src/scenario/runner.ts";
import { renderTimelineSvg } from "../../../../testbench/src/plot/svg.ts";
import { startEmbeddedSystem } from "../../../../testbench/src/system/orchestrator.ts";
import { packageRoot } from "../../../../bmv2/src/package_root.ts";

const SCENARIO_DIR = join(packageRoot(import.meta.url), "testbench/scenarios");

function loadScenarios(positional: readonly string[], all: boolean): Scenario[] {
  const files = all ? readdirSync(SCENARIO_DIR).filter((f) => f.endsWith(".json")).sort().map((f) => join(SCENARIO_DIR, f)) : [...positional];
  return files.map((file) => {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      // A bare name ("primary-death") means the bundled scenario of that name.
      text = readFileSync(join(SCENARIO_DIR, `${basename(file, ".json")}.json`), "utf8");
    }
    return parseScenario(text, file);
  });
}

export const scenarioCommand: Command = {
  help: [
    "usage: slb scenario <file|name>... [--seed N] [--short] [--plot out.svg] [--net namespaces [--target model|bmv2]]",
    "       slb scenario --all [--short]",
    "       slb scenario --random [--seed N] [--updates 10000] [--servers N] [--faults N]",
    "",
    "Starts the embedded system (our compiler's JSON on our switch model over UDP wires, the",
    "controller over P4Runtime, session servers behind the switch), drives client sessions with",
    "'incr' updates, fires the scenario's faults (kill, pause, restart, drain, packet loss or",
    "delay on switch ports, server partitions, controller and switch restarts) and checks:",
    "  - no acknowledged session update is lost (final counter == acknowledged increments),",
    "  - no answer carries a lower session version than the client already saw,",
    "  - failover never goes to the secondary while another server is alive.",
    "Exits 1 when an invariant fails. The last line is `sessions lost: N`.",
    "",
    "Scenario files live in testbench/scenarios/ (JSON; see testbench/src/scenario/format.ts).",
    "A bare name runs the bundled file of that name. --random generates single-fault scenarios",
    "from the seed (printed, so `--random --seed N` replays the run).",
    "",
    "options:",
    "  --seed N       seed for the run (client session ids, loss decisions, random scenario)",
    "  --short        the scenario's short form (fewer updates; what CI runs)",
    "  --plot FILE    write an SVG timeline (requests/s, servers up, failovers, events)",
    "  --all          every bundled scenario",
    "  --net namespaces  run on real hosts: servers and clients as processes in network",
    "                 namespaces, the switch on veths (root). Supports scenarios whose faults are",
    "                 server kills (the first kill is injected; a role such as primary:0 kills",
    "                 server 1, which is primary of part of the sessions)",
    "  --target model|bmv2  with --net namespaces: our switch model or real simple_switch_grpc",
    "  --random       a generated scenario; --updates (default 10000), --servers, --faults",
    "",
    "example: slb scenario primary-death --short --plot primary-death.svg",
  ].join("\n"),
  async run(args) {
    const parsed = parseArgs(args, { values: ["seed", "plot", "updates", "servers", "faults", "net", "target"], flags: ["short", "random", "all"] });
    const seed = optionInt(parsed, "seed", freshSeed());
    const short = parsed.options.has("short");
    const plot = optionString(parsed, "plot", "");
    let scenarios: Scenario[];
    if (parsed.options.has("random")) {
      const servers = parsed.options.has("servers") ? optionInt(parsed, "servers", 4) : undefined;
      const faults = parsed.options.has("faults") ? optionInt(parsed, "faults", 3) : undefined;
      scenarios = [randomScenario({ seed, updates: optionInt(parsed, "updates", 10_000), ...(servers ? { servers } : {}), ...(faults ? { faults } : {}) })];
    } else {
      if (parsed.positional.length === 0 && !parsed.options.has("all")) throw new UsageError("name a scenario file, or give --all or --random");
      try {
        scenarios = loadScenarios(parsed.positional, parsed.options.has("all"));
      } catch (err) {
        if (err instanceof ScenarioError || (err as NodeJS.ErrnoException).code === "ENOENT") {
          console.error(`slb scenario: ${(err as Error).message}`);
          return 2;
        }
        throw err;
      }
    }
    console.log(`seed ${seed} (replay with --seed ${seed})`);
    const net = optionString(parsed, "net", "embedded");
    if (net !== "embedded" && net !== "namespaces") throw new UsageError(`--net must be embedded or namespaces, got '${net}'`);
    if (net === "namespaces") {
      const target = optionString(parsed, "target", "model");
      if (target !== "model" && target !== "bmv2") throw new UsageError(`--target must be model or bmv2, got '${target}'`);
      return runOnNamespaces(scenarios, target, short, seed);
    }
    let totalLost = 0;
    let failed = 0;
    for (const scenario of scenarios) {
      console.log(`== ${scenario.name}: ${scenario.description}`);
      const result = await runScenario(scenario, { short, seed, startSystem: startEmbeddedSystem, log: (line) => console.log(`  ${line}`) });
      const text = formatResult(result).split("\n");
      // The per-scenario "sessions lost" line is folded into the overall one at the end.
      console.log(text.slice(0, -1).join("\n"));
      totalLost += result.lost;
      if (result.failures.length > 0) failed++;
      if (plot !== "") {
        const file = scenarios.length === 1 ? plot : plot.replace(/(\.svg)?$/, `-${scenario.name}.svg`);
        writeFileSync(file, renderTimelineSvg(result.timeline));
        console.log(`  timeline written to ${file}`);
      }
    }
    if (scenarios.length > 1) console.log(`${scenarios.length - failed}/${scenarios.length} scenarios passed`);
    console.log(`sessions lost: ${totalLost}`);
    return failed === 0 ? 0 : 1;
  },
};

/** What the namespace runner can inject today: one server kill part-way through the load. */
function namespaceKill(scenario: Scenario): { readonly server: number; readonly fraction: number } | string {
  const unsupported = scenario.timeline.filter((e) => e.action.do !== "kill" && e.action.do !== "restart");
  if (unsupported.length > 0) return `uses '${unsupported[0]!.action.do}', which the namespace runner does not inject (it injects server kills)`;
  const kill = scenario.timeline.find((e) => e.action.do === "kill");
  if (!kill || kill.action.do !== "kill") return "has no server kill";
  const ref = kill.action.server;
  return { server: ref.kind === "id" ? ref.id : 1, fraction: kill.trigger.kind === "progress" ? kill.trigger.fraction : 0.4 };
}

async function runOnNamespaces(scenarios: readonly Scenario[], target: "model" | "bmv2", short: boolean, seed: number): Promise<number> {
  const unavailable = namespaceScenarioUnavailable(target);
  if (unavailable) {
    console.error(`slb scenario --net namespaces: ${unavailable}`);
    return 2;
  }
  let totalLost = 0;
  let failed = 0;
  for (const scenario of scenarios) {
    const kill = namespaceKill(scenario);
    if (typeof kill === "string") {
      console.error(`slb scenario --net namespaces: ${scenario.name} ${kill}`);
      return 2;
    }
    const durationMs = short ? 4000 : 15000;
    console.log(`== ${scenario.name} on namespaces (${target}): kill server ${kill.server} at ${Math.round(kill.fraction * 100)}% of ${durationMs} ms`);
    const result = await runNamespaceScenario({
      target,
      seed,
      servers: Math.max(3, scenario.topology.servers),
      durationMs,
      killAtMs: Math.round(kill.fraction * durationMs),
      killServer: kill.server,
      log: (line) => console.log(`  ${line}`),
    });
    console.log(`  ${result.acked} increments acknowledged, ${result.failovers} failovers, ${result.lostSessions} sessions lost`);
    for (const v of result.violations) console.log(`  violation: ${v}`);
    totalLost += result.lostSessions;
    if (!result.passed) failed++;
  }
  console.log(`sessions lost: ${totalLost}`);
  return failed === 0 ? 0 : 1;
}
