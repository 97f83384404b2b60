/**
 * The v1model and TNA programs must offer the controller the same control plane: for every
 * control file the two share, the same tables with the same keys, the same actions with the
 * same parameter names, and the same counters. The failure registers differ on purpose
 * (CONTROL_PLANE.md "TNA program"); each program's are held to p4/contract.ts. Checked on the
 * source text, since no Tofino compiler runs here.
 */
import test from "ava";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { INGRESS_CONTROL, sessionLbNames, type Arch } from "../contract.ts";

const V1MODEL_CONTROLS = fileURLToPath(new URL("../v1model/include/control/", import.meta.url));
const TNA_CONTROLS = fileURLToPath(new URL("../tna/include/control/", import.meta.url));

interface ControlSurface {
  readonly tables: Record<string, string[]>;
  readonly actions: Record<string, string[]>;
  readonly counters: string[];
}

function surface(text: string): ControlSurface {
  const tables: Record<string, string[]> = {};
  for (const m of text.matchAll(/table (\w+) \{([\s\S]*?)\n {4}\}/g)) {
    const keyBlock = /key = \{([\s\S]*?)\}/.exec(m[2]!)?.[1] ?? "";
    tables[m[1]!] = [...keyBlock.matchAll(/([\w.]+): (\w+);/g)].map((k) => `${k[1]}:${k[2]}`);
  }
  const actions: Record<string, string[]> = {};
  for (const m of text.matchAll(/action (\w+)\(([^)]*)\)/g)) {
    actions[m[1]!] = m[2]!
      .split(",")
      .map((p) => p.trim().split(/\s+/).pop()!)
      .filter((p) => p.length > 0);
  }
  const counters = [...text.matchAll(/^\s*(?:counter|Counter)\b.*\) (\w+);$/gm)].map((m) => m[1]!).sort();
  return { tables, actions, counters };
}

const shared = readdirSync(V1MODEL_CONTROLS).filter((f) => readdirSync(TNA_CONTROLS).includes(f) && f !== "deparser.p4");

test("both programs have the same control files for the controller-facing logic, and the parser sees their tables", (t) => {
  t.deepEqual(shared.sort(), ["classify.p4", "failover.p4", "failure_detect.p4", "forwarding.p4", "session_select.p4", "stats.p4", "nat.p4"].sort());
  const v1model = shared.map((f) => surface(readFileSync(V1MODEL_CONTROLS + f, "utf8")));
  t.is(v1model.flatMap((s) => Object.keys(s.tables)).length, 7);
  t.is(v1model.flatMap((s) => s.counters).length, 6);
});

for (const file of shared) {
  test(`${file}: same tables, keys, actions, parameter names and counters in v1model and TNA`, (t) => {
    const v1model = surface(readFileSync(V1MODEL_CONTROLS + file, "utf8"));
    const tna = surface(readFileSync(TNA_CONTROLS + file, "utf8"));
    t.deepEqual(tna.tables, v1model.tables);
    t.deepEqual(tna.actions, v1model.actions);
    t.deepEqual(tna.counters, v1model.counters);
  });
}

test("the failure-detection registers in each program are the ones p4/contract.ts names", (t) => {
  const registersIn = (dir: string) =>
    [...readFileSync(dir + "failure_detect.p4", "utf8").matchAll(/^\s*(?:register<|Register<).*\) (\w+);$/gm)].map((m) => `failure_detect.${m[1]}`).sort();
  const local = (arch: Arch) =>
    Object.values(sessionLbNames(arch).registers)
      .map((name) => name.slice(INGRESS_CONTROL[arch].length + 1))
      .sort();
  t.deepEqual(registersIn(V1MODEL_CONTROLS), local("v1model"));
  t.deepEqual(registersIn(TNA_CONTROLS), local("tna"));
});
