import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { namespaceScenarioBlocked, runScenarioOnNamespaces } from "../../../../testbench/src/realnet/scenario.ts";
import { resolveCompiler } from "../../../../testbench/src/realnet/system.ts";
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
    "usage: slb scenario <file|name>... [--seed N] [--short] [--plot out.svg]",
    "                    [--net namespaces [--target model|bmv2] [--compiler builtin|p4c|auto]]",
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
    "  --net namespaces  run on real hosts: servers and client agents as processes in network",
    "                 namespaces on kernel UDP, the switch on veths (root). Every fault is real:",
    "                 SIGKILL, SIGSTOP/SIGCONT, a new server process, drain, loss and partitions",
    "                 in the hosts' nftables (nft), delay with tc netem, the controller stopped",
    "                 and started, the switch process killed and started empty",
    "  --target model|bmv2  with --net namespaces: our switch model or real simple_switch_grpc",
    "  --compiler builtin|p4c|auto  with --net namespaces: our compiler's JSON (default), p4c's,",
    "                 or auto: p4c's where p4c-bm2-ss is installed, ours elsewhere",
    "  --random       a generated scenario; --updates (default 10000), --servers, --faults",
    "",
    "example: slb scenario primary-death --short --plot primary-death.svg",
  ].join("\n"),
  async run(args) {
    const parsed = parseArgs(args, { values: ["seed", "plot", "updates", "servers", "faults", "net", "target", "compiler"], flags: ["short", "random", "all"] });
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
      const compilerText = optionString(parsed, "compiler", "builtin");
      if (!["builtin", "p4c", "auto"].includes(compilerText)) throw new UsageError(`--compiler must be builtin, p4c or auto, got '${compilerText}'`);
      const compiler = resolveCompiler(compilerText);
      return runOnNamespaces(scenarios, { target, compiler, short, seed, plot });
    }
    let totalLost = 0;
    let failed = 0;
    for (const scenario of scenarios) {
      console.log(`== ${scenario.name}: ${scenario.description}`);
      let result: Awaited<ReturnType<typeof runScenario>>;
      try {
        result = await runScenario(scenario, { short, seed, startSystem: startEmbeddedSystem, log: (line) => console.log(`  ${line}`) });
      } catch (err) {
        console.log(`scenario ${scenario.name}: FAIL\n  ${(err as Error).message}`);
        failed++;
        continue;
      }
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

async function runOnNamespaces(
  scenarios: readonly Scenario[],
  run: { readonly target: "model" | "bmv2"; readonly compiler: "builtin" | "p4c"; readonly short: boolean; readonly seed: number; readonly plot: string },
): Promise<number> {
  // A scenario this machine cannot run (a fault tool missing) is named and skipped; the rest still run.
  const skipped = scenarios.flatMap((scenario) => {
    const blocked = namespaceScenarioBlocked(scenario, run.target, run.compiler);
    return blocked ? [{ scenario, blocked }] : [];
  });
  for (const s of skipped) console.error(`slb scenario --net namespaces: skipped ${s.scenario.name}: ${s.blocked}`);
  if (skipped.length === scenarios.length) return 2;
  let totalLost = 0;
  let failed = 0;
  for (const scenario of scenarios.filter((sc) => !skipped.some((s) => s.scenario === sc))) {
    console.log(`== ${scenario.name} on namespaces (${run.target}, ${run.compiler === "p4c" ? "p4c's JSON" : "our compiler's JSON"}): ${scenario.description}`);
    try {
      const result = await runScenarioOnNamespaces(scenario, run.short, { target: run.target, compiler: run.compiler, seed: run.seed, log: (line) => console.log(`  ${line}`) });
      console.log(formatResult(result).split("\n").slice(0, -1).join("\n"));
      totalLost += result.lost;
      if (result.failures.length > 0) failed++;
      if (run.plot !== "") {
        const file = scenarios.length === 1 ? run.plot : run.plot.replace(/(\.svg)?$/, `-${scenario.name}.svg`);
        writeFileSync(file, renderTimelineSvg(result.timeline));
        console.log(`  timeline written to ${file}`);
      }
    } catch (err) {
      // The system did not come up (or the run broke off): a failed scenario, reported, not a stack trace.
      console.log(`scenario ${scenario.name}: FAIL\n  ${(err as Error).message}`);
      failed++;
    }
  }
  const ran = scenarios.length - skipped.length;
  if (scenarios.length > 1) console.log(`${ran - failed}/${ran} scenarios passed${skipped.length > 0 ? `, ${skipped.length} skipped (${skipped.map((s) => s.scenario.name).join(", ")})` : ""}`);
  console.log(`sessions lost: ${totalLost}`);
  return failed > 0 ? 1 : skipped.length > 0 ? 2 : 0;
}
