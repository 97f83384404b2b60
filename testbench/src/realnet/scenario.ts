/**
 * Scenarios and the demo on real hosts: the scenario runner (../scenario/runner.ts) and the
 * demo (../demo/run.ts) over a NamespaceSystem, so every fault of a scenario file is injected
 * into real processes, veths and switches, and the same invariants are checked. Everything is
 * torn down when the run ends, also on failure, and the teardown is verified.
 */
import type { Scenario } from "../scenario/format.ts";
import { type ScenarioResult, runScenario } from "../scenario/runner.ts";
import { type DemoSummary, runDemo } from "../demo/run.ts";
import type { CompilerChoice } from "../system/program.ts";
import { type Leftovers, isClean } from "./leftovers.ts";
import { type NamespaceSystem, type NamespaceSystemOptions, type SwitchTarget, namespaceSystemUnavailable, scenarioFaultsUnavailable, startNamespaceSystem } from "./system.ts";

export { type Leftovers, leftovers } from "./leftovers.ts";
export type { SwitchTarget } from "./system.ts";

export interface NamespaceRunOptions {
  readonly target: SwitchTarget;
  readonly compiler: CompilerChoice;
  readonly seed: number;
  readonly prefix?: string;
  readonly mgmtSubnet?: string;
  readonly log?: (line: string) => void;
}

/** Why namespace runs cannot happen here (root, tools, real switch or compiler), or undefined. */
export function namespaceScenarioUnavailable(target: SwitchTarget = "model", compiler: CompilerChoice = "builtin", switches = 1): string | undefined {
  return namespaceSystemUnavailable(target, compiler, switches);
}

/** Why this scenario cannot run on namespaces here, or undefined. */
export function namespaceScenarioBlocked(scenario: Scenario, target: SwitchTarget, compiler: CompilerChoice): string | undefined {
  const unavailable = namespaceSystemUnavailable(target, compiler, scenario.topology.switches);
  if (unavailable) return unavailable;
  const missing = scenarioFaultsUnavailable(scenario);
  return missing.length > 0 ? `${scenario.name} cannot run here: ${missing.join("; ")}` : undefined;
}

/** A run's outcome with what its teardown left (a clean run leaves nothing). */
export type Teardown = { readonly teardown: Leftovers | undefined; readonly clean: boolean };

function systemStarter(options: NamespaceRunOptions, keep: (s: NamespaceSystem) => void, clients = 2) {
  return async (servers: number, replication: "sync" | "async", switches = 1): Promise<NamespaceSystem> => {
    const systemOptions: NamespaceSystemOptions = {
      target: options.target,
      compiler: options.compiler,
      servers,
      replication,
      seed: options.seed,
      clients,
      switches,
      ...(options.prefix ? { prefix: options.prefix } : {}),
      ...(options.mgmtSubnet ? { mgmtSubnet: options.mgmtSubnet } : {}),
      ...(options.log ? { log: options.log } : {}),
    };
    const system = await startNamespaceSystem(systemOptions);
    keep(system);
    return system;
  };
}

/** Runs one scenario on namespace hosts. Throws only when the system could not be brought up. */
export async function runScenarioOnNamespaces(scenario: Scenario, short: boolean, options: NamespaceRunOptions): Promise<ScenarioResult & Teardown> {
  let system: NamespaceSystem | undefined;
  const start = systemStarter(options, (s) => (system = s), scenario.load.clients);
  const result = await runScenario(scenario, {
    short,
    seed: options.seed,
    startSystem: (o) => start(o.servers, o.replication, o.switches),
    ...(options.log ? { log: options.log } : {}),
  });
  const teardown = (system as NamespaceSystem | undefined)?.teardown();
  const clean = teardown !== undefined && isClean(teardown);
  const failures = clean ? result.failures : [...result.failures, `teardown left ${JSON.stringify(teardown)}`];
  return { ...result, failures, teardown, clean };
}

export interface NamespaceDemoOptions extends NamespaceRunOptions {
  readonly servers: number;
  /** LB switches side by side (default 1); from 2 on the demo also fails switches. */
  readonly switches?: number;
  readonly durationS: number;
  readonly out: { write(text: string): unknown; readonly isTTY?: boolean };
}

/** The demo's story on namespace hosts. */
export async function runDemoOnNamespaces(options: NamespaceDemoOptions): Promise<DemoSummary & Teardown> {
  let system: NamespaceSystem | undefined;
  const start = systemStarter(options, (s) => (system = s));
  const switches = options.switches ?? 1;
  const summary = await runDemo({ servers: options.servers, durationS: options.durationS, switches, startSystem: (n) => start(n, "sync", switches), out: options.out });
  const teardown = (system as NamespaceSystem | undefined)?.teardown();
  return { ...summary, teardown, clean: teardown !== undefined && isClean(teardown) };
}
