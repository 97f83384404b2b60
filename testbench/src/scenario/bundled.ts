/** The scenario files shipped in testbench/scenarios/, by name. */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../../bmv2/src/package_root.ts";
import { type Scenario, ScenarioError, parseScenario } from "./format.ts";

export const SCENARIO_DIR = join(packageRoot(import.meta.url), "testbench/scenarios");

export function bundledScenarioNames(): string[] {
  return readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -".json".length))
    .sort();
}

export function bundledScenario(name: string): Scenario {
  const file = join(SCENARIO_DIR, `${name}.json`);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new ScenarioError(`no bundled scenario '${name}' (bundled: ${bundledScenarioNames().join(", ")})`);
  }
  return parseScenario(text, file);
}
