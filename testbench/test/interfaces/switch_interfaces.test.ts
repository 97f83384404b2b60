/**
 * The switch model on Linux interfaces (`--interface`, as simple_switch's `-i`): a client and two
 * servers in network namespaces, their veths attached straight to the model's ports, LB traffic
 * between them. Once on the packet rings, once on the socat fallback.
 */
import test from "ava";
import { type AttachPath } from "../../../bmv2/src/ports/attach.ts";
import { loadPacketRings } from "../../../bmv2/src/ports/packet_rings.ts";
import { port } from "../../../bmv2/src/dataplane/index.ts";
import { startSwitch } from "../../../bmv2/src/switch_main.ts";
import { execArgv, missingPrerequisites, netDown, netUp } from "../../../runtime/src/netns/lifecycle.ts";
import { switchInterfaceName } from "../../../runtime/src/netns/topology.ts";
import { programLb } from "../../src/bench/lb_fixture.ts";
import { VIP, serverAddress } from "../../src/system/addressing.ts";
import { compileLbProgram } from "../../src/system/program.ts";
import { HostProcess, SLB_BIN } from "../../src/realnet/processes.ts";
import { lbNetTopology } from "../../src/realnet/topology.ts";
import { serverId } from "../../../runtime/src/wire/session_header.ts";

const missing = missingPrerequisites(true);
const rings = loadPacketRings();
const noNamespaces = missing.length > 0 ? `needs ${missing.join(", ")}` : undefined;
const noRings = noNamespaces ?? (rings.ok ? undefined : rings.reason);
if (noNamespaces) console.log(`interface switch tests skipped: ${noNamespaces}`);
else if (noRings) console.log(`packet-ring interface test skipped: ${noRings}`);

async function lbBetweenNamespaces(t: import("ava").ExecutionContext, path: AttachPath, tag: string): Promise<void> {
  const plan = { prefix: `if${tag}${process.pid % 10000}`, servers: 2, clients: 1, mgmtSubnet: "none" };
  const topo = lbNetTopology(plan);
  const program = await compileLbProgram();
  const processes: HostProcess[] = [];
  await netUp(topo);
  const sw = await startSwitch({
    grpcAddress: "127.0.0.1:0",
    ports: 0,
    interfaces: topo.hosts.map((h) => ({ port: port(h.switchPort), ifname: switchInterfaceName(topo, h) })),
    ...(path === "socat bridges" ? { forceSocatInterfaces: true } : {}),
    log: (line) => t.log(`switch: ${line}`),
  });
  try {
    t.is(sw.interfaces?.path, path);
    sw.model.loadPipeline(JSON.parse(program.bmv2Json));
    programLb(sw.model);
    const members = [1, 2].map((i) => `${i}=${serverAddress(serverId(i)).ip}:7700:7701`).join(",");
    for (const i of [1, 2]) {
      const host = topo.hosts.find((h) => h.name === `s${i}`)!;
      const server = HostProcess.start(`server ${i}`, execArgv(topo, host.name, [process.execPath, SLB_BIN, "server", "--id", String(i), "--insecure", "--bind", serverAddress(serverId(i)).ip, "--members", members, "--version-check-ms", "0"]));
      processes.push(server);
      await server.waitForLine(() => true, 30_000);
    }
    const lines: string[] = [];
    const client = HostProcess.start("client", execArgv(topo, "c0", [process.execPath, SLB_BIN, "client", "--vip", `${VIP.ip}:${VIP.port}`, "--timeout-ms", "500", "incr x", "incr x", "get x"]));
    processes.push(client);
    client.onLine((l) => lines.push(l));
    const exit = await client.exited;
    t.log(lines.join("\n"));
    t.is(exit.code, 0, client.stderr);
    // Three answers through the switch, one session keeping the counter across them.
    const answers = lines.filter((l) => l.includes(" -> ")).map((l) => /^\s*(.+?) -> (\S+)/.exec(l)!.slice(1, 3).join(" -> "));
    t.deepEqual(answers, ["incr x -> 1", "incr x -> 2", "get x -> 2"]);
    const stats = sw.interfaces!.stats();
    t.true((stats["framesIn"] ?? 0) >= 6, JSON.stringify(stats));
    t.true((stats["framesOut"] ?? 0) >= 6, JSON.stringify(stats));
    t.is(sw.model.stats()["internal_errors"], 0);
  } finally {
    for (const p of processes) await p.kill("SIGKILL");
    await sw.stop();
    await netDown(plan.prefix);
  }
}

(noRings ? test.skip : test.serial)("the switch forwards LB traffic between namespaces on packet rings (--interface)", async (t) => {
  await lbBetweenNamespaces(t, "packet rings", "r");
});

(noNamespaces ? test.skip : test.serial)("without packet rings the same ports run over socat bridges", async (t) => {
  await lbBetweenNamespaces(t, "socat bridges", "s");
});
