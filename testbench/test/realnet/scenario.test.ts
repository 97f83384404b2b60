import test from "ava";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { bridgePids, namespacePids, netDown } from "../../../runtime/src/netns/lifecycle.ts";
import { validateTopology } from "../../../runtime/src/netns/topology.ts";
import { HostProcess, SLB_BIN } from "../../src/realnet/processes.ts";
import { type Leftovers, leftovers, namespaceScenarioUnavailable, runScenarioOnNamespaces } from "../../src/realnet/scenario.ts";
import { parseScenario } from "../../src/scenario/format.ts";
import { lbNetTopology } from "../../src/realnet/topology.ts";

test("the lb3 topology file is the address plan for 3 servers and a client, and is valid", (t) => {
  const file = JSON.parse(readFileSync(fileURLToPath(new URL("../../net/lb3.json", import.meta.url)), "utf8")) as unknown;
  const planned = lbNetTopology({ prefix: "slb", servers: 3, clients: 1 });
  t.deepEqual(file, planned);
  t.deepEqual(validateTopology(planned), []);
  t.deepEqual(
    planned.hosts.map((h) => [h.name, h.switchPort, h.address]),
    [
      ["s1", 1, "10.0.1.1/32"],
      ["s2", 2, "10.0.1.2/32"],
      ["s3", 3, "10.0.1.3/32"],
      ["c0", 100, "10.0.2.1/32"],
    ],
  );
});

const unavailable = namespaceScenarioUnavailable("model");
if (unavailable) console.log(`realnet scenario tests skipped: ${unavailable}`);
const needsRoot = unavailable ? test.skip : test.serial;

function assertClean(t: { deepEqual: (a: unknown, b: unknown, m?: string) => void }, teardown: Leftovers): void {
  t.deepEqual(teardown, { namespaces: [], links: [], processes: [] }, "teardown left resources behind");
}

needsRoot("a run whose fault breaks off after bring-up still tears everything down", async (t) => {
  // Server 9 does not exist in a 3-server system: the fault throws part-way through the load.
  const scenario = parseScenario(
    JSON.stringify({
      name: "bad-fault",
      description: "a fault that cannot be done",
      topology: { servers: 3, replication: "sync" },
      load: { clients: 1, sessionsPerClient: 2, updates: 40 },
      timeline: [{ at: 0.2, do: "kill", server: 9 }],
    }),
    "bad-fault.json",
  );
  const err = await t.throwsAsync(runScenarioOnNamespaces(scenario, false, { target: "model", compiler: "builtin", seed: 1, prefix: "slbrf", mgmtSubnet: "192.168.82" }));
  t.regex(err?.message ?? "", /no server 9/);
  assertClean(t, await leftovers("slbrf", []));
});

const bmv2Reason = namespaceScenarioUnavailable("bmv2");
(bmv2Reason === undefined ? test.skip : test)("the bmv2 target says clearly why it cannot run (simple_switch_grpc or root missing)", async (t) => {
  const reason = bmv2Reason!;
  t.regex(reason, /simple_switch_grpc is not installed|namespace scenario needs/);
  const scenario = parseScenario(JSON.stringify({ name: "x", description: "x", topology: { servers: 3 }, load: { clients: 1, sessionsPerClient: 1, updates: 1 }, timeline: [] }), "x.json");
  await t.throwsAsync(runScenarioOnNamespaces(scenario, true, { target: "bmv2", compiler: "builtin", seed: 1 }), { message: reason });
});

needsRoot("after the runner itself is SIGKILLed mid-run, netDown removes every namespace, link, bridge and process it left", async (t) => {
  // The long form of primary-death (6000 updates, 4 servers, 2 client agents) is still running when it is killed.
  const runner = HostProcess.start("slb net scenario", [process.execPath, SLB_BIN, "net", "scenario", "primary-death", "--prefix", "slbrc", "--mgmt-subnet", "192.168.83"]);
  try {
    await runner.waitForLine((l) => l.startsWith("controller has programmed the switch"), 60_000);
    await runner.kill("SIGKILL");
    const hosts = ["s1", "s2", "s3", "s4", "c0", "c1"];
    const orphans = [...bridgePids("slbrc"), ...(await Promise.all(hosts.map((h) => namespacePids(`slbrc-${h}`)))).flat()];
    // The model is on packet rings, so the orphans are the four servers in their namespaces (and socat bridges only on the fallback path).
    t.true(orphans.length >= 4, `expected the servers (and any bridges) left by the crash, found pids ${orphans.join(",")}`);
    t.is((await leftovers("slbrc", [])).namespaces.length, 6);
    const removed = await netDown("slbrc");
    t.is(removed.namespaces, 6);
    t.true(removed.processes >= 4);
    await new Promise((r) => setTimeout(r, 300));
    assertClean(t, await leftovers("slbrc", orphans));
  } finally {
    await runner.kill("SIGKILL");
    await netDown("slbrc");
  }
});
