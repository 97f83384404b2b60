import test from "ava";
import { sh } from "../../src/netns/shell.ts";
import { nftBinary } from "../../src/netns/faults.ts";
import { missingPrerequisites, netDown, netUp } from "../../src/netns/lifecycle.ts";
import { multihomeNftScript, routeMetric, setSwitchLinks } from "../../src/netns/multihome.ts";
import { type NetTopology, switchInterfaceName, switchInterfacePattern, validateTopology } from "../../src/netns/topology.ts";

const gateway = { ip: "10.78.0.254", mac: "02:78:00:00:00:fe" };

test("a host's first hops rank the preferred switch first, then the others in turn", (t) => {
  t.deepEqual([0, 1, 2].map((sw) => routeMetric(sw, 1, 3)), [12, 10, 11]);
  t.deepEqual([0, 1].map((sw) => routeMetric(sw, 0, 2)), [10, 11]);
});

test("every switch link stamps its own conntrack mark and answers take the flow's mark", (t) => {
  const script = multihomeNftScript(2);
  t.regex(script, /iifname "eth0" ct mark set 1/);
  t.regex(script, /iifname "eth1" ct mark set 2/);
  t.regex(script, /type route hook output/);
  t.regex(script, /meta mark set ct mark/);
});

test("each switch's veths have their own names, all found by the teardown pattern", (t) => {
  const topo: NetTopology = { prefix: "mh", switches: 2, hosts: [{ name: "a", switchPort: 7, address: "10.78.0.1/32", mac: "02:78:00:00:00:01" }] };
  const names = [0, 1].map((sw) => switchInterfaceName(topo, topo.hosts[0]!, sw));
  t.deepEqual(names, ["mhp7", "mhq7"]);
  t.true(names.every((n) => switchInterfacePattern("mh").test(n)));
  t.false(switchInterfacePattern("mh").test("mhx7"));
});

test("a topology with too many switches or a preferred switch it lacks is refused", (t) => {
  const problems = validateTopology({ prefix: "mh", switches: 5, hosts: [{ name: "a", switchPort: 1, address: "10.78.0.1/32", mac: "02:78:00:00:00:01", preferredSwitch: 7 }] });
  t.true(problems.some((p) => p.includes("switches must be 1..4")));
  t.true(problems.some((p) => p.includes("preferredSwitch")));
});

const missing = [...missingPrerequisites(false), ...(nftBinary() ? [] : ["nft"])];
const needsRoot = missing.length === 0 ? test.serial : test.skip;
if (missing.length > 0) console.log(`multihome kernel tests skipped: missing ${missing.join(", ")}`);

needsRoot("the kernel sends new traffic by the preferred switch, a flow's answers by its mark, and leaves a switch whose links lost carrier", async (t) => {
  const prefix = `mh${process.pid % 100_000}`;
  const topo: NetTopology = {
    prefix,
    switches: 2,
    hosts: [{ name: "a", switchPort: 1, address: "10.78.0.1/32", mac: "02:78:00:00:00:01", gateway, preferredSwitch: 1 }],
  };
  const ns = `${prefix}-a`;
  const via = async (mark?: number): Promise<string> => {
    const out = await sh(["ip", "-n", ns, "route", "get", "10.78.9.9", ...(mark ? ["mark", String(mark)] : [])]);
    return /dev (\S+)/.exec(out)?.[1] ?? out;
  };
  // The kernel's link watch passes a carrier change on to the routes within about a second.
  const settled = async (mark?: number, expected?: string): Promise<string> => {
    const deadline = performance.now() + 3000;
    let dev = await via(mark);
    while (dev !== expected && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      dev = await via(mark);
    }
    return dev;
  };
  try {
    await netUp(topo);
    t.is(await via(), "eth1", "new traffic takes the preferred switch");
    t.is(await via(1), "eth0", "a flow last heard on switch 0 is answered through it");
    t.is(await via(2), "eth1");
    await setSwitchLinks([switchInterfaceName(topo, topo.hosts[0]!, 1)], false);
    t.is(await settled(undefined, "eth0"), "eth0", "the preferred switch's links are down: the next one takes new traffic");
    t.is(await via(2), "eth0", "and the flows that were on it");
    await setSwitchLinks([switchInterfaceName(topo, topo.hosts[0]!, 1)], true);
    t.is(await settled(undefined, "eth1"), "eth1", "back when its links come up");
  } finally {
    await netDown(prefix);
  }
});
