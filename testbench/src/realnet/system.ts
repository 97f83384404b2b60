/**
 * The whole system on real hosts, behind the same SystemHandle as the embedded one, so the
 * scenario runner and the demo drive it unchanged: servers and client agents are processes in
 * network namespaces on kernel UDP, the switch is our model (packet rings on the veths, socat
 * bridges where the addon cannot load) or the real simple_switch_grpc on the veths, and the controller runs in this process over
 * P4Runtime. Every fault is done to the real thing: SIGKILL, SIGSTOP/SIGCONT, a fresh server
 * process, the controller's drain, loss and partitions in each host's nftables, delay as netem,
 * the controller stopped and started, the switch process killed and launched again.
 */
import { realCompilerAvailable } from "../../../compiler/src/index.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadClusterKey } from "../../../runtime/src/auth/cluster_files.ts";
import { generateDevCluster } from "../../../runtime/src/auth/dev_ca.ts";
import { Controller } from "../../../runtime/src/controller/controller.ts";
import { udpProber, udpPusher } from "../../../runtime/src/controller/membership.ts";
import { NetError, execArgv, missingPrerequisites, namespacePids, netDown, netUp } from "../../../runtime/src/netns/lifecycle.ts";
import { setSwitchLinks } from "../../../runtime/src/netns/multihome.ts";
import { type HostFault, NO_HOST_FAULT, missingFaultTools, nftBinary, setHostFault } from "../../../runtime/src/netns/faults.ts";
import { MAX_SWITCHES, type NetTopology, namespaceName, switchInterfaceName } from "../../../runtime/src/netns/topology.ts";
import { type LaunchResult, findSimpleSwitchGrpc, launchSimpleSwitchGrpc } from "../../../bmv2/src/real/simple_switch.ts";
import { type ServerId, serverId } from "../../../runtime/src/wire/session_header.ts";
import { Prng } from "../scenario/prng.ts";
import type { Scenario } from "../scenario/format.ts";
import { VIP, serverAddress } from "../system/addressing.ts";
import { ControlProxy } from "../system/control_proxy.ts";
import type { WireFault } from "../system/fault_link.ts";
import { type LoadClient, type PortSelector, type ServerRunState, type SystemHandle, liveServerIds, startOrClose } from "../system/handle.ts";
import { type CompiledProgram, type CompilerChoice, compileLbProgram } from "../system/program.ts";
import { type SwitchRuntime, startSwitchRuntime } from "../system/switch_runtime.ts";
import { port as portNumber } from "../../../bmv2/src/dataplane/index.ts";
import { AgentLoadClient } from "./agent_client.ts";
import { ControllerWatch } from "./controller_watch.ts";
import { freeTcpPort } from "./ports.ts";
import { HostProcess, SLB_BIN, nodeScriptArgv, processAlive } from "./processes.ts";
import { type Leftovers, leftovers } from "./leftovers.ts";
import { type LbNetPlan, clientHostName, lbControllerTopology, lbNetTopology, serverHostName, serverMgmtIp } from "./topology.ts";

export type SwitchTarget = "model" | "bmv2";

export interface NamespaceSystemOptions {
  readonly target: SwitchTarget;
  /** Whose BMv2 JSON and P4Info the switch runs: our compiler's or the real p4c's. */
  readonly compiler: CompilerChoice;
  readonly servers: number;
  readonly replication: "sync" | "async";
  readonly seed: number;
  /** Client hosts made up front (the switch's ports are fixed at start); default 2. */
  readonly clients?: number;
  /** LB switches side by side, every host cabled to each (default 1). */
  readonly switches?: number;
  /** Namespace and link prefix, 1-8 lowercase letters/digits; default unique to this process. */
  readonly prefix?: string;
  /** First three octets of the management /24; default unique to this process. */
  readonly mgmtSubnet?: string;
  readonly log?: (line: string) => void;
}

/** Timing for a few-second run: a dead server is noticed well within a second. */
const HEALTH = { intervalMs: 100, timeoutMs: 300, rise: 2, fall: 3 } as const;
const DATA_PLANE_TIMEOUT_US = 500_000;
const STARTUP_TIMEOUT_MS = 20_000;
const SERVER_ARGS = ["--version-check-ms", "500", "--peer-timeout-ms", "150", "--peer-retries", "3"] as const;

/** Why a namespace system cannot run here (root, tools, the real switch), or undefined when it can. */
export function namespaceSystemUnavailable(target: SwitchTarget, compiler: CompilerChoice = "builtin", switches = 1): string | undefined {
  if (!Number.isInteger(switches) || switches < 1 || switches > MAX_SWITCHES) return `the namespace topology takes 1..${MAX_SWITCHES} switches, not ${switches}`;
  const missing = missingPrerequisites(target === "model");
  if (missing.length > 0) return `namespace hosts need: ${missing.join(", ")}`;
  if (switches > 1 && !nftBinary()) return "hosts on several switches need nftables' nft (apt install nftables) to answer through the switch a request came in on";
  if (target === "bmv2" && findSimpleSwitchGrpc() === undefined) return "simple_switch_grpc is not installed (not found on PATH): --target bmv2 needs the real bmv2";
  if (compiler === "p4c" && !realCompilerAvailable("bmv2")) return "p4c-bm2-ss is not installed (not found on PATH): --compiler p4c needs the real p4c";
  return undefined;
}

/** `auto` is p4c's JSON where p4c-bm2-ss is installed and ours elsewhere, as `slb compile` chooses. */
export function resolveCompiler(choice: string): CompilerChoice {
  if (choice === "builtin" || choice === "p4c") return choice;
  if (choice === "auto") return realCompilerAvailable("bmv2") ? "p4c" : "builtin";
  throw new RangeError(`--compiler must be builtin, p4c or auto, got '${choice}'`);
}

/** What a scenario's faults need beyond the hosts themselves (nft, netem); empty when it can run. */
export function scenarioFaultsUnavailable(scenario: Scenario): string[] {
  const kinds = new Set(scenario.timeline.map((e) => e.action.do));
  return missingFaultTools({ lossOrPartition: kinds.has("loss") || kinds.has("partition"), delay: kinds.has("delay") });
}

/** A per-process default, so that runs of different processes never share names, subnets or ports. */
function processUnique(): { readonly prefix: string; readonly mgmtSubnet: string } {
  return { prefix: `slb${process.pid % 10_000}`, mgmtSubnet: `192.168.${100 + (process.pid % 100)}` };
}

type SwitchProcess =
  | { readonly kind: "model"; runtime: SwitchRuntime }
  | { readonly kind: "bmv2"; launched: Extract<LaunchResult, { kind: "running" }> };

/** One LB switch and where it lives; a restart comes back on the same veths, gRPC address and (model) wire ports. */
interface NamespaceSwitch {
  readonly index: number;
  process: SwitchProcess | undefined;
  /** Our model's gRPC port, kept across a restart where the controller looks for it. */
  modelGrpcPort: number | undefined;
  grpcAddress: string;
  thriftPort: number;
  /** With several switches, the controller reaches each through a relay that can be cut (its management network). */
  proxy: ControlProxy | undefined;
}

export class NamespaceSystem implements SystemHandle {
  readonly serverIds: ServerId[];
  readonly replication: "sync" | "async";
  readonly plan: LbNetPlan;
  private readonly topo: NetTopology;
  private readonly servers = new Map<ServerId, { process: HostProcess | undefined; state: ServerRunState }>();
  private readonly agents: HostProcess[] = [];
  private readonly faults = new Map<string, HostFault>();
  private readonly prng: Prng;
  private readonly otherPids: number[] = [];
  private readonly switches: NamespaceSwitch[];
  private controller: Controller | undefined;
  private watch: ControllerWatch | undefined;
  private closed = false;
  private teardownReport: Leftovers | undefined;
  /** The run's own cluster CA, certificates and key: servers on real hosts replicate over mutual TLS as deployed. */
  private readonly tlsDir = mkdtempSync(join(tmpdir(), "slb-netns-tls-"));

  constructor(
    private readonly options: NamespaceSystemOptions,
    private readonly program: CompiledProgram,
  ) {
    const unique = processUnique();
    const switches = options.switches ?? 1;
    this.plan = { prefix: options.prefix ?? unique.prefix, servers: options.servers, clients: options.clients ?? 2, mgmtSubnet: options.mgmtSubnet ?? unique.mgmtSubnet, switches };
    this.switches = Array.from({ length: switches }, (_, index) => ({ index, process: undefined, modelGrpcPort: undefined, grpcAddress: "", thriftPort: 0, proxy: undefined }));
    this.topo = lbNetTopology(this.plan);
    this.replication = options.replication;
    this.prng = new Prng(options.seed);
    this.serverIds = Array.from({ length: options.servers }, (_, i) => serverId(i + 1));
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  async start(): Promise<void> {
    await generateDevCluster({ dir: this.tlsDir, servers: this.serverIds });
    await this.launchSwitches();
    const where = this.switches.map((sw) => sw.grpcAddress).join(", ");
    this.log(`${this.switches.length > 1 ? `${this.switches.length} switches` : "switch"} (${this.describeSwitch()}) at ${where}; ${this.topo.hosts.length} namespace hosts up`);
    for (const id of this.serverIds) this.servers.set(id, { process: undefined, state: "killed" });
    await Promise.all(this.serverIds.map((id) => this.startServer(id)));
    this.log(`servers up: pids ${this.serverIds.map((id) => this.servers.get(id)!.process!.pid).join(", ")}`);
    await this.startController();
  }

  describeSwitch(): string {
    const json = this.program.compiler === "p4c" ? "p4c's JSON" : "our compiler's JSON";
    return this.options.target === "model" ? `our switch model on veths, ${json}` : `simple_switch_grpc on veths, ${json}`;
  }

  /** The hosts and their veths, then every switch attached to its ends of them. */
  private async launchSwitches(): Promise<void> {
    await netUp(this.topo);
    for (const sw of this.switches) {
      if (this.options.target === "bmv2") {
        sw.grpcAddress = `127.0.0.1:${await freeTcpPort()}`;
        sw.thriftPort = await freeTcpPort();
      }
      await this.launchSwitch(sw);
    }
    if (this.switches.length > 1) for (const sw of this.switches) sw.proxy = await ControlProxy.start(sw.grpcAddress);
  }

  /** bmv2 switches each get their own device id; our model serves device 0 only. */
  private deviceId(sw: NamespaceSwitch): number {
    return this.options.target === "bmv2" ? sw.index : 0;
  }

  /** Starts one switch process (empty tables) on its veths, which must exist. */
  private async launchSwitch(sw: NamespaceSwitch): Promise<void> {
    const interfaces = this.topo.hosts.map((h) => ({ port: h.switchPort, iface: switchInterfaceName(this.topo, h, sw.index) }));
    if (this.options.target === "model") {
      // Packet rings on the veths, as simple_switch's -i; the runtime falls back to socat bridges and logs why.
      const runtime = await startSwitchRuntime({
        ports: [],
        interfaces: interfaces.map((i) => ({ port: portNumber(i.port), ifname: i.iface })),
        ...(sw.modelGrpcPort !== undefined ? { grpcPort: sw.modelGrpcPort } : {}),
        log: (line) => this.log(`switch ${sw.index}: ${line}`),
      });
      sw.modelGrpcPort = Number(runtime.grpcAddress.split(":").pop());
      sw.process = { kind: "model", runtime };
      sw.grpcAddress = runtime.grpcAddress;
      return;
    }
    const launched = await launchSimpleSwitchGrpc({
      interfaces,
      deviceId: this.deviceId(sw),
      grpcAddress: sw.grpcAddress,
      thriftPort: sw.thriftPort,
    });
    if (launched.kind !== "running") throw new NetError(launched.message);
    if (launched.process.pid !== undefined) this.otherPids.push(launched.process.pid);
    sw.process = { kind: "bmv2", launched };
  }

  private async stopSwitch(sw: NamespaceSwitch, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const running = sw.process;
    sw.process = undefined;
    if (running?.kind === "model") await running.runtime.stop();
    if (running?.kind === "bmv2") await running.launched.stop(signal);
  }

  private async startServer(id: ServerId): Promise<void> {
    const args = ["server", "--id", String(id), "--tls-dir", this.tlsDir, "--bind", serverAddress(id).ip, "--mgmt-ip", serverMgmtIp(this.plan, id), ...SERVER_ARGS, ...(this.replication === "async" ? ["--async"] : [])];
    const server = HostProcess.start(`server ${id}`, execArgv(this.topo, serverHostName(id), [process.execPath, SLB_BIN, ...args]));
    this.servers.set(id, { process: server, state: "running" });
    await server.waitForLine((l) => l.startsWith(`slb server ${id}:`), STARTUP_TIMEOUT_MS);
  }

  private slot(id: ServerId): { process: HostProcess | undefined; state: ServerRunState } {
    const slot = this.servers.get(id);
    if (!slot) throw new RangeError(`no server ${id} in this system (servers ${this.serverIds.join(", ")})`);
    return slot;
  }

  serverState(id: ServerId): ServerRunState {
    return this.slot(id).state;
  }

  liveServers(): ServerId[] {
    return liveServerIds(this.serverIds, (id) => this.serverState(id));
  }

  /** A server's store lives in another process; only whether it is up is known here. */
  serverSessions(): number | undefined {
    return undefined;
  }

  async killServer(id: ServerId): Promise<void> {
    const slot = this.slot(id);
    await slot.process?.kill("SIGKILL");
    slot.state = "killed";
  }

  async pauseServer(id: ServerId): Promise<void> {
    const slot = this.slot(id);
    slot.process?.signal("SIGSTOP");
    slot.state = "paused";
  }

  async resumeServer(id: ServerId): Promise<void> {
    const slot = this.slot(id);
    slot.process?.signal("SIGCONT");
    slot.state = "running";
  }

  async restartServer(id: ServerId): Promise<void> {
    await this.slot(id).process?.kill("SIGKILL");
    await this.startServer(id);
  }

  async drainServer(id: ServerId): Promise<void> {
    if (!this.controller) throw new Error("cannot drain: the controller is not running");
    this.slot(id).state = "draining";
    await this.controller.drain(id);
  }

  private hostNamespace(name: string): string {
    return namespaceName(this.topo, this.topo.hosts.find((h) => h.name === name)!);
  }

  private updateFault(host: string, change: (f: HostFault) => HostFault): void {
    const next = change(this.faults.get(host) ?? NO_HOST_FAULT);
    setHostFault(this.hostNamespace(host), next);
    this.faults.set(host, next);
  }

  private hostsOf(port: PortSelector): string[] {
    const servers = this.serverIds.map((id) => serverHostName(id));
    const clients = Array.from({ length: this.plan.clients }, (_, c) => clientHostName(c));
    if (port.kind === "all") return [...servers, ...clients];
    if (port.kind === "clients") return clients;
    return [serverHostName(port.id)];
  }

  /** A blackhole is a loss of every frame. */
  setWireFault(port: PortSelector, fault: WireFault): void {
    for (const host of this.hostsOf(port)) this.updateFault(host, (f) => ({ ...f, lossRate: fault.blackhole ? 1 : fault.lossRate, delayMs: fault.delayMs }));
  }

  partition(a: ServerId, b: ServerId): void {
    this.updateFault(serverHostName(a), (f) => ({ ...f, partitionedFrom: [...new Set([...f.partitionedFrom, serverAddress(b).ip])] }));
    this.updateFault(serverHostName(b), (f) => ({ ...f, partitionedFrom: [...new Set([...f.partitionedFrom, serverAddress(a).ip])] }));
  }

  unpartition(a: ServerId, b: ServerId): void {
    this.updateFault(serverHostName(a), (f) => ({ ...f, partitionedFrom: f.partitionedFrom.filter((ip) => ip !== serverAddress(b).ip) }));
    this.updateFault(serverHostName(b), (f) => ({ ...f, partitionedFrom: f.partitionedFrom.filter((ip) => ip !== serverAddress(a).ip) }));
  }

  healNetwork(): void {
    for (const host of [...this.faults.keys()]) this.updateFault(host, () => NO_HOST_FAULT);
    this.faults.clear();
  }

  async killController(): Promise<void> {
    this.controller?.stop();
    this.watch?.close();
    this.controller = undefined;
    this.watch = undefined;
  }

  /** Starts the controller and waits until it has every running server up and the switch programmed without an error. */
  async startController(): Promise<void> {
    if (this.controller) return;
    const addresses = this.switches.map((sw) => ({ address: sw.proxy?.address ?? sw.grpcAddress, deviceId: this.deviceId(sw) }));
    const topology = lbControllerTopology(this.plan, addresses, { health: HEALTH, responseTimeoutUs: DATA_PLANE_TIMEOUT_US });
    const clusterKey = loadClusterKey(this.tlsDir);
    const controller = new Controller({
      topology,
      pipeline: this.program.pipeline,
      reconnect: { initialMs: 50, maxMs: 500 },
      prober: udpProber(clusterKey),
      pusher: udpPusher(clusterKey),
    });
    this.controller = controller;
    this.watch = new ControllerWatch(controller, this.options.log);
    await controller.start(STARTUP_TIMEOUT_MS);
    const expected = this.serverIds.filter((id) => this.slot(id).state === "running").length;
    await this.watch.untilProgrammed(expected, STARTUP_TIMEOUT_MS);
    await controller.idle();
    this.log(`controller has programmed ${this.switches.length > 1 ? `all ${this.switches.length} switches` : "the switch"} with ${expected} servers up`);
  }

  controllerRunning(): boolean {
    return this.controller !== undefined;
  }

  /** The switch process dies and a new, empty one takes its place on the same veths and gRPC address; the controller must reconcile. */
  async restartSwitch(index = 0): Promise<void> {
    await this.killSwitch(index);
    await this.startSwitch(index);
  }

  get switchCount(): number {
    return this.switches.length;
  }

  private switchAt(index: number): NamespaceSwitch {
    const sw = this.switches[index];
    if (!sw) throw new RangeError(`no switch ${index} (this system has switches 0..${this.switches.length - 1})`);
    return sw;
  }

  /** The veths of switch `index`, root-namespace ends. */
  private switchLinks(index: number): string[] {
    return this.topo.hosts.map((h) => switchInterfaceName(this.topo, h, index));
  }

  /**
   * The switch process dies. With several switches its ports also lose carrier, as a dead
   * switch's do: that is how the hosts' routes leave it (see runtime/src/netns/multihome.ts).
   */
  async killSwitch(index: number): Promise<void> {
    const sw = this.switchAt(index);
    await this.stopSwitch(sw, "SIGKILL");
    if (this.switches.length === 1) return;
    await setSwitchLinks(this.switchLinks(index), false);
  }

  /** A new, empty switch on the same veths and gRPC address; the controller must reconcile it. */
  async startSwitch(index: number): Promise<void> {
    const sw = this.switchAt(index);
    if (sw.process) return;
    // Links first: simple_switch_grpc receives nothing on a port that was down when it opened it.
    if (this.switches.length > 1) await setSwitchLinks(this.switchLinks(index), true);
    await this.launchSwitch(sw);
  }

  private proxyOf(index: number): ControlProxy {
    const proxy = this.switchAt(index).proxy;
    if (!proxy) throw new Error("a one-switch namespace system reaches its switch over loopback: there is no management network of its own to cut; use several switches");
    return proxy;
  }

  /** Cuts switch `index` off from the controller; its data plane keeps forwarding with the tables it has. */
  partitionSwitch(index: number): void {
    this.proxyOf(index).partition();
  }

  healSwitch(index: number): void {
    this.proxyOf(index).heal();
  }

  async newClient(): Promise<LoadClient> {
    const index = this.agents.length;
    if (index >= this.plan.clients) throw new RangeError(`no client host left: this system was started with ${this.plan.clients}`);
    const argv = execArgv(this.topo, clientHostName(index), nodeScriptArgv("testbench/src/realnet/client_agent.ts", ["--vip", `${VIP.ip}:${VIP.port}`]));
    const agent = HostProcess.start(`client agent ${index}`, argv, true);
    this.agents.push(agent);
    await agent.waitForLine((l) => l.includes('"t":"ready"'), STARTUP_TIMEOUT_MS);
    return new AgentLoadClient(index, agent, () => this.prng.bigint64() || 1n);
  }

  controllerObject(): Controller | undefined {
    return this.controller;
  }

  /** The controller's last refused switch write since its last good reconcile, if any. */
  controllerError(): string | undefined {
    return this.watch?.lastError;
  }

  stats(): Record<string, number> {
    const out: Record<string, number> = {};
    const status = this.controller?.status();
    if (status) {
      out["controller.epoch"] = status.epoch;
      out["controller.reconciles"] = status.reconciles;
      out["controller.serversUp"] = status.servers.up;
    }
    if (this.watch) out["controller.errors"] = this.watch.errors;
    for (const sw of this.switches) {
      if (sw.process?.kind !== "model") continue;
      const key = this.switches.length > 1 ? `switch${sw.index}` : "switch";
      for (const [k, v] of Object.entries(sw.process.runtime.model.stats())) out[`${key}.${k}`] = v;
    }
    return out;
  }

  /** What the teardown left behind (namespaces, links, processes); undefined before close. */
  teardown(): Leftovers | undefined {
    return this.teardownReport;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.controller?.stop();
    this.watch?.close();
    this.controller = undefined;
    const processes = [...this.agents, ...[...this.servers.values()].flatMap((s) => (s.process ? [s.process] : []))];
    for (const p of processes) await p.kill("SIGKILL");
    const namespaceProcesses = (await Promise.all(this.topo.hosts.map((h) => namespacePids(namespaceName(this.topo, h))))).flat();
    await netDown(this.plan.prefix);
    for (const sw of this.switches) {
      await sw.proxy?.close();
      await this.stopSwitch(sw);
    }
    const pids = [...processes.map((p) => p.pid), ...this.otherPids, ...namespaceProcesses];
    // The bridges get SIGTERM from netDown; give them a moment to go.
    const deadline = performance.now() + 2000;
    while (this.otherPids.some(processAlive) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    this.teardownReport = await leftovers(this.plan.prefix, pids);
    rmSync(this.tlsDir, { recursive: true, force: true });
  }
}

export async function startNamespaceSystem(options: NamespaceSystemOptions): Promise<NamespaceSystem> {
  const unavailable = namespaceSystemUnavailable(options.target, options.compiler, options.switches);
  if (unavailable) throw new NetError(unavailable);
  const program = await compileLbProgram(options.compiler);
  return startOrClose(new NamespaceSystem(options, program));
}
