/**
 * One session server's place in the system: a switch port with its wire (which outlives the
 * server, like a cable), an address, and whatever server currently runs there. Killing closes
 * its sockets and drops its state; restarting brings up a new, empty server on the same port
 * and address; pausing makes it stop answering (wire blackholed, management port deaf) while
 * it keeps its state.
 */
import { HostStack } from "../../../runtime/src/hoststack/stack.ts";
import { SessionServer, type SessionServerOptions } from "../../../runtime/src/session/server.ts";
import { openUdpTransport } from "../../../runtime/src/transport/udp.ts";
import { type Endpoint, parseIpv4 } from "../../../runtime/src/transport/endpoint.ts";
import type { ServerId } from "../../../runtime/src/wire/session_header.ts";
import { GATEWAY_MAC, SERVER_PEER_PORT, VIP, serverAddress, type HostAddress } from "./addressing.ts";
import { type FaultLink, NO_FAULT, type WireFault } from "./fault_link.ts";
import type { ServerRunState } from "./handle.ts";
import { detachable } from "./host_wire.ts";
import { type PausableTransport, pausable } from "./pausable.ts";

export interface ServerSlotOptions {
  readonly id: ServerId;
  readonly replication: "sync" | "async";
  /** The server's end of its switch port's wire, with the fault shim. */
  readonly link: FaultLink;
  /** Extra server options (timers), identical across restarts. */
  readonly tuning?: Partial<SessionServerOptions>;
}

interface Running {
  readonly server: SessionServer;
  readonly stack: HostStack;
  readonly mgmt: PausableTransport;
}

export class ServerSlot {
  readonly address: HostAddress;
  private running: Running | undefined;
  private state: ServerRunState = "killed";
  /** The management endpoint stays the same across restarts, so the controller's config holds. */
  private mgmtPort = 0;
  /** The scenario's wire fault; a pause blackholes on top of it and a resume restores it. */
  private fault: WireFault = NO_FAULT;

  constructor(private readonly options: ServerSlotOptions) {
    this.address = serverAddress(options.id);
  }

  get id(): ServerId {
    return this.options.id;
  }

  get runState(): ServerRunState {
    return this.state;
  }

  get server(): SessionServer | undefined {
    return this.running?.server;
  }

  get link(): FaultLink {
    return this.options.link;
  }

  get mgmtEndpoint(): Endpoint {
    return { ip: "127.0.0.1", port: this.mgmtPort };
  }

  async start(): Promise<void> {
    if (this.running) return;
    const stack = new HostStack({ link: detachable(this.options.link), mac: this.address.mac, ip: parseIpv4(this.address.ip)!, gatewayMac: GATEWAY_MAC });
    const mgmt = pausable(await openUdpTransport({ port: this.mgmtPort }));
    this.mgmtPort = mgmt.local.port;
    const server = new SessionServer({
      ...this.options.tuning,
      id: this.options.id,
      data: stack.openPort(VIP.port),
      peer: stack.openPort(SERVER_PEER_PORT),
      mgmt,
      replication: this.options.replication,
    });
    this.running = { server, stack, mgmt };
    this.options.link.fault = this.fault;
    this.state = "running";
  }

  async kill(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    this.state = "killed";
    if (!running) return;
    // Unplug the host first so nothing in flight is answered by a dying server.
    await running.stack.close();
    await running.server.close();
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  pause(): void {
    if (!this.running) return;
    this.options.link.fault = { ...this.fault, blackhole: true };
    this.running.mgmt.paused = true;
    this.state = "paused";
  }

  resume(): void {
    if (!this.running) return;
    this.options.link.fault = this.fault;
    this.running.mgmt.paused = false;
    this.state = "running";
  }

  markDraining(): void {
    if (this.state === "running") this.state = "draining";
  }

  setFault(fault: WireFault): void {
    this.fault = fault;
    this.options.link.fault = this.state === "paused" ? { ...fault, blackhole: true } : fault;
  }

  healNetwork(): void {
    this.options.link.heal();
    this.setFault(NO_FAULT);
  }

  sessions(): number | undefined {
    return this.running && this.state !== "paused" ? this.running.server.store.size : undefined;
  }
}
