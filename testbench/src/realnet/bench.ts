/**
 * Packets per second of our switch model with real hosts: a kernel-UDP blaster in the client
 * namespace sends to the server namespace's address as fast as it can; the frames cross the
 * client's veth, the model's port on it (packet rings, or socat bridges where those cannot be
 * used), the model (the LB program, plain IPv4 forwarding by `ipv4_lpm`) and the server's veth,
 * and are counted by a kernel-UDP receiver there. The figure is the receiver's sustained rate;
 * what the blaster sent beyond it was dropped on the way (socket buffers or the model).
 */
import { port } from "../../../bmv2/src/dataplane/index.ts";
import { startSwitch } from "../../../bmv2/src/switch_main.ts";
import { execArgv, netDown, netUp, NetError } from "../../../runtime/src/netns/lifecycle.ts";
import { switchInterfaceName } from "../../../runtime/src/netns/topology.ts";
import { parseIpv4 } from "../../../runtime/src/transport/endpoint.ts";
import { serverId } from "../../../runtime/src/wire/session_header.ts";
import { GATEWAY_MAC, serverAddress } from "../system/addressing.ts";
import { compileLbProgram } from "../system/program.ts";
import { HostProcess, nodeScriptArgv, processAlive } from "./processes.ts";
import { leftovers, namespaceScenarioUnavailable } from "./scenario.ts";
import { clientHostName, lbNetTopology, serverHostName } from "./topology.ts";

export interface VethBenchOptions {
  readonly durationMs?: number;
  /** UDP payload bytes per packet. */
  readonly payloadBytes?: number;
  readonly prefix?: string;
  /** Attach through socat bridges even where packet rings work (the fallback's figure). */
  readonly socat?: boolean;
}

export interface VethBenchResult {
  /** Packets per second received at the egress namespace, over the receive window. */
  readonly pps: number;
  readonly sent: number;
  readonly received: number;
  /** Sent but not received. */
  readonly lost: number;
  readonly durationMs: number;
  readonly payloadBytes: number;
  /** How the model's ports were attached. */
  readonly attach: string;
  /** Frames the model took in and sent out during the run (port counters). */
  readonly switchFramesIn: number;
  readonly switchFramesOut: number;
}

const RECEIVER_PORT = 9000;
const ROUTE_ACTION = "SessionLbIngress.forwarding.route";
const ROUTE_TABLE = "SessionLbIngress.forwarding.ipv4_lpm";

export async function benchVethPps(opts: VethBenchOptions = {}): Promise<VethBenchResult> {
  const unavailable = namespaceScenarioUnavailable("model");
  if (unavailable) throw new NetError(unavailable);
  const durationMs = opts.durationMs ?? 3000;
  const payloadBytes = opts.payloadBytes ?? 64;
  const plan = { prefix: opts.prefix ?? "slbbn", servers: 1, clients: 1, mgmtSubnet: "none" };
  const topo = lbNetTopology(plan);
  const program = await compileLbProgram();
  await netUp(topo);
  const processes: HostProcess[] = [];
  let sw: Awaited<ReturnType<typeof startSwitch>> | undefined;
  try {
    sw = await startSwitch({
      grpcAddress: "127.0.0.1:0",
      ports: 0,
      interfaces: topo.hosts.map((h) => ({ port: port(h.switchPort), ifname: switchInterfaceName(topo, h) })),
      ...(opts.socat ? { forceSocatInterfaces: true } : {}),
    });
    const attached = sw.interfaces!;
    sw.model.loadPipeline(JSON.parse(program.bmv2Json));
    const target = serverAddress(serverId(1));
    // Only the route to the receiver: the blaster's packets are plain IPv4 to it.
    sw.model.control.tableAdd(ROUTE_TABLE, [{ kind: "lpm", value: BigInt(parseIpv4(target.ip)!), prefixLength: 32 }], {
      kind: "action",
      call: { action: ROUTE_ACTION, args: [BigInt(target.switchPort), BigInt(GATEWAY_MAC), BigInt(target.mac)] },
    });
    const receiver = HostProcess.start("receiver", execArgv(topo, serverHostName(1), nodeScriptArgv("testbench/src/realnet/udp_blast.ts", ["count", "--bind", `${target.ip}:${RECEIVER_PORT}`])));
    processes.push(receiver);
    await receiver.waitForLine((l) => l === "ready", 20_000);
    const before = attached.stats();
    const blaster = HostProcess.start(
      "blaster",
      execArgv(topo, clientHostName(0), nodeScriptArgv("testbench/src/realnet/udp_blast.ts", ["send", "--to", `${target.ip}:${RECEIVER_PORT}`, "--duration-ms", String(durationMs), "--size", String(payloadBytes)])),
    );
    processes.push(blaster);
    const sentLine = blaster.waitForLine((l) => l.startsWith("{"), durationMs + 20_000);
    const sent = (JSON.parse(await sentLine) as { sent: number }).sent;
    await blaster.exited;
    // Let the queues behind the blaster drain before the count is taken.
    await new Promise((r) => setTimeout(r, 500));
    const countLine = receiver.waitForLine((l) => l.startsWith("{"), 5000);
    await receiver.kill("SIGTERM");
    const counted = JSON.parse(await countLine) as { received: number; firstMs: number; lastMs: number };
    const after = attached.stats();
    const windowMs = counted.lastMs - counted.firstMs;
    return {
      pps: windowMs > 0 ? Math.round((counted.received - 1) / (windowMs / 1000)) : 0,
      sent,
      received: counted.received,
      lost: sent - counted.received,
      durationMs,
      payloadBytes,
      attach: attached.path,
      switchFramesIn: (after["framesIn"] ?? 0) - (before["framesIn"] ?? 0),
      switchFramesOut: (after["framesOut"] ?? 0) - (before["framesOut"] ?? 0),
    };
  } finally {
    for (const p of processes) await p.kill("SIGKILL");
    await sw?.stop();
    await netDown(plan.prefix);
    const left = await leftovers(plan.prefix, processes.map((p) => p.pid).filter(processAlive));
    if (left.namespaces.length + left.links.length > 0) throw new NetError(`benchmark teardown left ${[...left.namespaces, ...left.links].join(", ")}`);
  }
}
