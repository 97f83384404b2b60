import test from "ava";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { bridgePids, namespacePids, netDown } from "../../../runtime/src/netns/lifecycle.ts";
import { validateTopology } from "../../../runtime/src/netns/topology.ts";
import { HostProcess, SLB_BIN } from "../../src/realnet/processes.ts";
import { type Leftovers, leftovers, namespaceScenarioUnavailable, runNamespaceScenario } from "../../src/realnet/scenario.ts";
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

needsRoot("servers and a client in namespaces: a primary SIGKILLed under load loses no session, and nothing is left afterwards", async (t) => {
  const result = await runNamespaceScenario({ prefix: "slbrt", servers: 3, sessions: 6, durationMs: 2500, killServer: 1, bridgeBasePort: 43000, mgmtSubnet: "192.168.81", log: (l) => t.log(l) });
  t.log(`acked ${result.acked}, failovers ${result.failovers}, retries ${result.retries}, in doubt ${result.inDoubt}`);
  t.deepEqual(result.violations, []);
  t.is(result.lostSessions, 0);
  t.is(result.sessions, 6);
  t.true(result.acked > 0);
  t.true(result.passed);
  assertClean(t, result.teardown);
  assertClean(t, await leftovers("slbrt", []));
});

needsRoot("a run that fails after bring-up still tears everything down", async (t) => {
  let serverPids: readonly number[] = [];
  const err = await t.throwsAsync(
    runNamespaceScenario({
      prefix: "slbrf",
      servers: 2,
      sessions: 2,
      durationMs: 500,
      bridgeBasePort: 43500,
      mgmtSubnet: "192.168.82",
      onUp: async (running) => {
        serverPids = running.serverPids;
        throw new Error("deliberate failure after bring-up");
      },
    }),
  );
  t.is(err?.message, "deliberate failure after bring-up");
  t.is(serverPids.length, 2);
  assertClean(t, (err as Error & { teardown: Leftovers }).teardown);
  assertClean(t, await leftovers("slbrf", serverPids));
});

const bmv2Reason = namespaceScenarioUnavailable("bmv2");
(bmv2Reason === undefined ? test.skip : test)("the bmv2 target says clearly why it cannot run (simple_switch_grpc or root missing)", async (t) => {
  const reason = bmv2Reason!;
  t.regex(reason, /simple_switch_grpc is not installed|namespace scenario needs/);
  await t.throwsAsync(runNamespaceScenario({ target: "bmv2" }), { message: reason });
});

needsRoot("after the runner itself is SIGKILLed mid-run, netDown removes every namespace, link, bridge and process it left", async (t) => {
  const runner = HostProcess.start("slb net scenario", [process.execPath, SLB_BIN, "net", "scenario", "--prefix", "slbrc", "--mgmt-subnet", "192.168.83", "--duration-ms", "30000", "--servers", "2"]);
  try {
    await runner.waitForLine((l) => l.startsWith("controller has every server up"), 60_000);
    await runner.kill("SIGKILL");
    const orphans = [...bridgePids("slbrc"), ...(await namespacePids("slbrc-s1")), ...(await namespacePids("slbrc-s2")), ...(await namespacePids("slbrc-c0"))];
    t.true(orphans.length >= 5, `expected bridges and processes left by the crash, found pids ${orphans.join(",")}`);
    t.is((await leftovers("slbrc", [])).namespaces.length, 3);
    const removed = await netDown("slbrc");
    t.is(removed.namespaces, 3);
    t.true(removed.processes >= 2);
    await new Promise((r) => setTimeout(r, 300));
    assertClean(t, await leftovers("slbrc", orphans));
  } finally {
    await runner.kill("SIGKILL");
    await netDown("slbrc");
  }
});
