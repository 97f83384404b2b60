/**
 * Brings the whole system up on the embedded default, with no root: our compiler's JSON for
 * the LB program, our switch model on UDP wires with its P4Runtime server, the controller
 * over P4Runtime, N session servers each on a userspace host stack behind a switch port, and
 * clients likewise. Everything runs in this process, but every packet crosses a real UDP wire
 * and every fault is real: sockets closed, state dropped, frames dropped on the wire.
 * With `switchTarget: "bmv2"` the one switch is the real simple_switch_grpc instead (bmv2_fabric.ts),
 * still with no root: everything else stays in this process, so tests look inside it alike.
 */
import { randomBytes } from "node:crypto";
import { HostStack } from "../../../runtime/src/hoststack/stack.ts";
import type { SwitchModel } from "../../../bmv2/src/dataplane/api.ts";
import { Controller } from "../../../runtime/src/controller/controller.ts";
import { udpProber, udpPusher } from "../../../runtime/src/controller/membership.ts";
import type { SessionServer } from "../../../runtime/src/session/server.ts";
import type { DatagramTransport } from "../../../runtime/src/transport/datagram.ts";
import { DEFAULT_VIP_NAME, type ServerConfig, type ServerId as ControllerServerId, type TopologyConfig } from "../../../runtime/src/controller/config.ts";
import { formatMac } from "../../../runtime/src/hoststack/ethernet.ts";
import { parseIpv4 } from "../../../runtime/src/transport/endpoint.ts";
import { type ServerId, serverId } from "../../../runtime/src/wire/session_header.ts";
import { Prng } from "../scenario/prng.ts";
import { CLIENT_PORT_BASE, GATEWAY_MAC, SERVER_PEER_PORT, VIP, clientAddress, clientRoute, serverAddress } from "./addressing.ts";
import { FaultLink, type WireFault } from "./fault_link.ts";
import { detachable } from "./host_wire.ts";
import { type LoadClient, type PortSelector, type ServerRunState, type SystemHandle, liveServerIds, startOrClose } from "./handle.ts";
import { SessionLoadClient } from "./load_client.ts";
import { type CompiledProgram, compileLbProgram } from "./program.ts";
import { ServerSlot } from "./server_slot.ts";
import { SwitchFabric } from "./switch_fabric.ts";
import { Bmv2Fabric } from "./bmv2_fabric.ts";
import type { DigestSeen, Fabric } from "./fabric.ts";
import type { CompilerChoice } from "./program.ts";

export interface SystemOptions {
  readonly servers: number;
  readonly replication: "sync" | "async";
  readonly seed: number;
  /** Client ports wired up front (the switch's ports are fixed at start). */
  readonly maxClients?: number;
  /** LB switches side by side, every host cabled to each (default 1). */
  readonly switches?: number;
  readonly log?: (line: string) => void;
  /**
   * Which switch runs the pipeline: our model (default) or the real simple_switch_grpc, one
   * switch fed over its dataplane gRPC service, with the JSON of `compiler` (default ours).
   */
  readonly switchTarget?: "model" | "bmv2";
  readonly compiler?: CompilerChoice;
}

/**
 * Timing for a test-sized system. Everything shares one event loop, so under load a probe or a
 * peer call can wait behind a few hundred packets: the timeouts leave room for that (a false
 * "down" is a real failover), while a dead server is still noticed in well under a second.
 */
const HEALTH = { intervalMs: 100, timeoutMs: 300, rise: 2, fall: 3 } as const;
const DATA_PLANE_TIMEOUT_US = 500_000;
const SERVER_TUNING = { versionCheckIntervalMs: 500, peerTimeoutMs: 150, peerRetries: 3, suspectMs: 1000 } as const;
const STARTUP_TIMEOUT_MS = 15_000;
/** The switch makes the connected controller with the highest election id its primary; backups count down from below it. */
const PRIMARY_ELECTION_ID = 1000n;

async function waitUntil(what: string, predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export class EmbeddedSystem implements SystemHandle {
  readonly serverIds: ServerId[];
  readonly replication: "sync" | "async";
  private readonly slots = new Map<ServerId, ServerSlot>();
  /** The switches and every host's cables to them; the cables outlive switch restarts. */
  private readonly fabric: Fabric;
  private readonly clientLinks: FaultLink[] = [];
  private readonly clients: LoadClient[] = [];
  private controller: Controller | undefined;
  /** A second controller with a lower election id, passive until the switch promotes it. */
  private backupController: Controller | undefined;
  /** Each backup gets a lower id than every controller before it, so it stays passive while they run. */
  private nextBackupElectionId = PRIMARY_ELECTION_ID - 1n;
  private readonly prng: Prng;
  /**
   * Seals probes and membership pushes between the controllers and the servers. Replication on
   * the servers' host stacks stays the unauthenticated datagram protocol (the stack has no TCP).
   */
  private readonly clusterKey = randomBytes(32);
  private clientFault: WireFault | undefined;
  private closed = false;

  constructor(
    private readonly options: SystemOptions,
    private readonly program: CompiledProgram,
  ) {
    this.prng = new Prng(options.seed);
    this.replication = options.replication;
    this.serverIds = Array.from({ length: options.servers }, (_, i) => serverId(i + 1));
    if (options.switchTarget === "bmv2") {
      if ((options.switches ?? 1) !== 1) throw new RangeError("the bmv2 target runs one switch");
      this.fabric = new Bmv2Fabric(this.ports, program.pipeline, `real simple_switch_grpc, ${program.compiler === "p4c" ? "p4c's" : "our"} JSON`);
    } else {
      this.fabric = new SwitchFabric(options.switches ?? 1, this.ports);
    }
  }

  private get ports(): number[] {
    const clients = Array.from({ length: this.options.maxClients ?? 8 }, (_, i) => CLIENT_PORT_BASE + i);
    return [...this.serverIds.map((id) => serverAddress(id).switchPort), ...clients];
  }

  private slot(id: ServerId): ServerSlot {
    const slot = this.slots.get(id);
    if (!slot) throw new RangeError(`no server ${id} in this system (servers ${this.serverIds.join(", ")})`);
    return slot;
  }

  async start(): Promise<void> {
    await this.fabric.start();
    for (const id of this.serverIds) {
      const link = new FaultLink(this.fabric.hostLink(serverAddress(id).switchPort), () => this.prng.next());
      const slot = new ServerSlot({ id, replication: this.options.replication, link, tuning: { ...SERVER_TUNING, mgmtKey: this.clusterKey } });
      this.slots.set(id, slot);
      await slot.start();
    }
    await this.startController();
  }

  topology(): TopologyConfig {
    const servers: ServerConfig[] = this.serverIds.map((id) => {
      const a = serverAddress(id);
      return {
        id: id as number as ControllerServerId,
        ip: a.ip,
        mac: formatMac(a.mac),
        switchPort: a.switchPort,
        dataPort: VIP.port,
        peerPort: SERVER_PEER_PORT,
        mgmt: this.slot(id).mgmtEndpoint,
        vip: DEFAULT_VIP_NAME,
      };
    });
    const routes = Array.from({ length: this.options.maxClients ?? 8 }, (_, i) => {
      const r = clientRoute(i);
      return { prefix: `${r.prefix}/${r.prefixLength}`, switchPort: r.port, mac: formatMac(r.mac) };
    });
    return {
      switches: [this.switchConfig(0, routes), ...Array.from({ length: this.fabric.size - 1 }, (_, i) => this.switchConfig(i + 1, routes))],
      // The controller is handed the compiled pipeline itself, so these files are never read.
      pipeline: { kind: "compiled", jsonFile: "(in memory)", p4infoFile: "(in memory)" },
      vips: [{ name: DEFAULT_VIP_NAME, ip: VIP.ip, port: VIP.port, mac: formatMac(GATEWAY_MAC) }],
      servers,
      health: HEALTH,
      failure: { responseTimeoutUs: DATA_PLANE_TIMEOUT_US },
      admin: "127.0.0.1:0",
    };
  }

  /** Every switch has the same port plan and the same MAC: a host's cable to each looks alike. */
  private switchConfig(i: number, routes: TopologyConfig["switches"][0]["routes"]): TopologyConfig["switches"][0] {
    return { name: `s${i + 1}`, address: this.fabric.controlAddress(i), deviceId: 0, electionId: PRIMARY_ELECTION_ID, serverPorts: new Map(), routes };
  }

  serverState(id: ServerId): ServerRunState {
    return this.slot(id).runState;
  }

  liveServers(): ServerId[] {
    return liveServerIds(this.serverIds, (id) => this.serverState(id));
  }

  serverSessions(id: ServerId): number | undefined {
    return this.slot(id).sessions();
  }

  /** The controller's view: servers it has up (for waiting until a change has landed). */
  controllerUp(): number {
    return this.controller?.status().servers.up ?? 0;
  }

  async killServer(id: ServerId): Promise<void> {
    await this.slot(id).kill();
  }

  async pauseServer(id: ServerId): Promise<void> {
    this.slot(id).pause();
  }

  async resumeServer(id: ServerId): Promise<void> {
    this.slot(id).resume();
  }

  async restartServer(id: ServerId): Promise<void> {
    await this.slot(id).restart();
  }

  async drainServer(id: ServerId): Promise<void> {
    if (!this.controller) throw new Error("cannot drain: the controller is not running");
    this.slot(id).markDraining();
    await this.controller.drain(id);
  }

  setWireFault(port: PortSelector, fault: WireFault): void {
    if (port.kind === "server" || port.kind === "all") {
      for (const slot of port.kind === "all" ? this.slots.values() : [this.slot(port.id)]) slot.setFault(fault);
    }
    if (port.kind === "clients" || port.kind === "all") {
      this.clientFault = fault;
      for (const link of this.clientLinks) link.fault = fault;
    }
  }

  partition(a: ServerId, b: ServerId): void {
    this.slot(a).link.partition(parseIpv4(serverAddress(b).ip)!);
    this.slot(b).link.partition(parseIpv4(serverAddress(a).ip)!);
  }

  unpartition(a: ServerId, b: ServerId): void {
    this.slot(a).link.unpartition(parseIpv4(serverAddress(b).ip)!);
    this.slot(b).link.unpartition(parseIpv4(serverAddress(a).ip)!);
  }

  healNetwork(): void {
    for (const slot of this.slots.values()) slot.healNetwork();
    this.clientFault = undefined;
    for (const link of this.clientLinks) link.heal();
  }

  /** Stops the primary controller; a running backup is the primary from then on (the switch promotes it). */
  async killController(): Promise<void> {
    this.controller?.stop();
    this.controller = this.backupController;
    this.backupController = undefined;
  }

  private newController(electionId: bigint, role: string): Controller {
    const controller = new Controller({
      topology: this.topology(),
      pipeline: this.program.pipeline,
      electionId,
      reconnect: { initialMs: 50, maxMs: 500 },
      prober: udpProber(this.clusterKey),
      pusher: udpPusher(this.clusterKey),
    });
    const log = this.options.log;
    if (log) controller.events.subscribe((e) => log(`controller (${role}): ${JSON.stringify(e, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}`));
    return controller;
  }

  /** Starts a backup controller next to the running primary; it stays passive until the primary dies. */
  async startBackupController(): Promise<Controller> {
    if (!this.controller) throw new Error("start the primary controller first: a lone backup would be promoted at once");
    if (this.backupController) return this.backupController;
    if (this.nextBackupElectionId < 1n) throw new Error("no election id left for another backup controller");
    const backup = this.newController(this.nextBackupElectionId--, "backup");
    this.backupController = backup;
    await backup.start(STARTUP_TIMEOUT_MS);
    return backup;
  }

  async startController(): Promise<void> {
    if (this.controller) return;
    const controller = this.newController(PRIMARY_ELECTION_ID, "primary");
    this.controller = controller;
    await controller.start(STARTUP_TIMEOUT_MS);
    const expected = this.serverIds.filter((id) => this.slot(id).runState === "running").length;
    try {
      await waitUntil(`the controller to see ${expected} servers up`, () => this.controllerUp() >= expected, STARTUP_TIMEOUT_MS);
    } catch (err) {
      const recent = controller.events.recent(8).map((e) => `  ${JSON.stringify(e, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}`);
      throw new Error(`${(err as Error).message}; controller status ${JSON.stringify(controller.status().servers)}, recent events:\n${recent.join("\n")}`);
    }
    await controller.idle();
  }

  controllerRunning(): boolean {
    return this.controller !== undefined;
  }

  async restartSwitch(index = 0): Promise<void> {
    await this.fabric.restartSwitch(index);
  }

  get switchCount(): number {
    return this.fabric.size;
  }

  async killSwitch(index: number): Promise<void> {
    await this.fabric.killSwitch(index);
  }

  async startSwitch(index: number): Promise<void> {
    await this.fabric.startSwitch(index);
  }

  partitionSwitch(index: number): void {
    this.fabric.setControlPartition(index, true);
  }

  healSwitch(index: number): void {
    this.fabric.setControlPartition(index, false);
  }

  /** A client host on the next free client port: its stack and the wire's fault shim. */
  private attachClientHost(): { readonly index: number; readonly stack: HostStack; readonly link: FaultLink } {
    const index = this.clientLinks.length;
    const address = clientAddress(index);
    if (!this.ports.includes(address.switchPort)) throw new RangeError(`no client port left: this system was started with ${this.options.maxClients ?? 8} client ports`);
    // Clients spread over the switches, as ECMP would spread them.
    const link = new FaultLink(this.fabric.hostLink(address.switchPort, index), () => this.prng.next());
    if (this.clientFault) link.fault = this.clientFault;
    this.clientLinks.push(link);
    const stack = new HostStack({ link: detachable(link), mac: address.mac, ip: parseIpv4(address.ip)!, gatewayMac: GATEWAY_MAC });
    return { index, stack, link };
  }

  async newClient(): Promise<LoadClient> {
    const { index, stack } = this.attachClientHost();
    const client = new SessionLoadClient({
      index,
      transport: stack.openPort(0),
      vip: VIP,
      nextSessionId: () => this.prng.bigint64() || 1n,
      onClose: () => stack.close(),
    });
    this.clients.push(client);
    return client;
  }

  /** A bare UDP port on a new client host behind the switch (for tests that speak a protocol by hand). */
  openRawClient(): { readonly transport: DatagramTransport; readonly link: FaultLink; readonly close: () => Promise<void> } {
    const { stack, link } = this.attachClientHost();
    return { transport: stack.openPort(0), link, close: () => stack.close() };
  }

  /** The fault shim of client `index`'s wire (to tap what the client sends). */
  clientLink(index: number): FaultLink {
    const link = this.clientLinks[index];
    if (!link) throw new RangeError(`no client ${index}`);
    return link;
  }

  /** The live server object on slot `id` (undefined while killed), for tests that look inside. */
  serverObject(id: ServerId): SessionServer | undefined {
    return this.slot(id).server;
  }

  serverLink(id: ServerId): FaultLink {
    return this.slot(id).link;
  }

  /** Our in-process model (only on the model target; a real switch is seen through switchCounter and onSwitchDigest). */
  switchModel(index = 0): SwitchModel {
    if (!(this.fabric instanceof SwitchFabric)) throw new Error(`no in-process model: the switch is ${this.fabric.description}`);
    return this.fabric.model(index);
  }

  /** Which switch runs the pipeline. */
  get switchDescription(): string {
    return this.fabric.description;
  }

  /** Packets in cell `index` of the switch's counter array `name` (P4Info name). */
  switchCounter(name: string, index: number, switchIndex = 0): Promise<bigint> {
    return this.fabric.counter(switchIndex, name, index);
  }

  /** Digests the switch raises from now on (on a real switch heard while no controller is primary). */
  onSwitchDigest(listener: (d: DigestSeen) => void, switchIndex = 0): Promise<() => void> {
    return this.fabric.onDigest(switchIndex, listener);
  }

  controllerObject(): Controller | undefined {
    return this.controller;
  }

  stats(): Record<string, number> {
    const out: Record<string, number> = {};
    const add = (key: string, n: number): void => {
      out[key] = (out[key] ?? 0) + n;
    };
    for (const [key, value] of Object.entries(this.fabric.stats())) add(key, value);
    for (const slot of this.slots.values()) {
      const stats = slot.server?.stats;
      if (!stats) continue;
      for (const [key, value] of Object.entries(stats)) add(`servers.${key}`, value);
    }
    const status = this.controller?.status();
    if (status) {
      add("controller.epoch", status.epoch);
      add("controller.reconciles", status.reconciles);
    }
    for (const link of this.clientLinks) add("wire.clientFramesLost", link.counters.lost);
    for (const slot of this.slots.values()) {
      add("wire.serverFramesLost", slot.link.counters.lost);
      add("wire.partitioned", slot.link.counters.partitioned);
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const client of this.clients) await client.close().catch(() => undefined);
    this.controller?.stop();
    this.controller = undefined;
    this.backupController?.stop();
    this.backupController = undefined;
    for (const slot of this.slots.values()) await slot.kill();
    await this.fabric.close();
  }
}

export async function startEmbeddedSystem(options: SystemOptions): Promise<EmbeddedSystem> {
  const program = await compileLbProgram(options.compiler ?? "builtin");
  return startOrClose(new EmbeddedSystem(options, program));
}

/** Whether the real p4c and simple_switch_grpc are on PATH. */
