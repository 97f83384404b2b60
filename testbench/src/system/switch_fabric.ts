/**
 * The embedded system's switches: one or more switch runtimes with the same ports, every
 * host cabled to a port of each (its wires bound before the switches start and kept across
 * switch deaths and restarts, like cables), and with several switches a control proxy in
 * front of each switch's P4Runtime port so the management network can be cut.
 *
 * A host on one switch gets the plain wire; on several, a MultiHomedLink over its wires (one
 * first hop per switch, the preferred one spreading hosts over the switches).
 */
import type { SwitchModel } from "../../../bmv2/src/dataplane/api.ts";
import type { FrameLink } from "../../../runtime/src/hoststack/link.ts";
import { ControlProxy } from "./control_proxy.ts";
import type { DigestSeen, Fabric } from "./fabric.ts";
import { HostWire } from "./host_wire.ts";
import { MultiHomedLink } from "./multi_homed_link.ts";
import { type SwitchRuntime, startSwitchRuntime } from "./switch_runtime.ts";

export type SwitchRunState = "running" | "dead";

interface FabricSwitch {
  runtime: SwitchRuntime | undefined;
  /** Host end of each port's wire. */
  readonly wires: Map<number, HostWire>;
  /** The gRPC and wire ports it had, so a restart comes back where the cables and the controller expect it. */
  reuse: { readonly grpcPort: number; readonly wirePorts: ReadonlyMap<number, number> } | undefined;
  proxy: ControlProxy | undefined;
}

export class SwitchFabric implements Fabric {
  readonly description = "our switch model";
  private readonly switches: FabricSwitch[];
  private readonly multiHomed: MultiHomedLink[] = [];

  constructor(
    count: number,
    private readonly ports: readonly number[],
  ) {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`a system needs at least one switch, not ${count}`);
    this.switches = Array.from({ length: count }, () => ({ runtime: undefined, wires: new Map(), reuse: undefined, proxy: undefined }));
  }

  get size(): number {
    return this.switches.length;
  }

  private at(i: number): FabricSwitch {
    const s = this.switches[i];
    if (!s) throw new RangeError(`no switch ${i} (this system has switches 0..${this.switches.length - 1})`);
    return s;
  }

  async start(): Promise<void> {
    for (const s of this.switches) for (const p of this.ports) s.wires.set(p, await HostWire.bind());
    for (let i = 0; i < this.switches.length; i++) await this.startSwitch(i);
    if (this.switches.length > 1) {
      for (const s of this.switches) s.proxy = await ControlProxy.start(s.runtime!.grpcAddress);
    }
  }

  /** Starts switch i (empty tables); after a death, on the gRPC and wire ports it had. */
  async startSwitch(i: number): Promise<void> {
    const s = this.at(i);
    if (s.runtime) throw new Error(`switch ${i} is already running`);
    const hosts = new Map([...s.wires].map(([p, w]) => [p, w.local]));
    const runtime = await startSwitchRuntime({ ports: this.ports, hosts, ...(s.reuse ?? {}) });
    for (const [p, wire] of s.wires) wire.connect(runtime.wire(p));
    s.runtime = runtime;
    s.reuse = { grpcPort: Number(runtime.grpcAddress.split(":").pop()), wirePorts: new Map(this.ports.map((p) => [p, runtime.wire(p).port])) };
  }

  /** Switch i dies: data plane and P4Runtime gone; its cables stay plugged in. */
  async killSwitch(i: number): Promise<void> {
    const s = this.at(i);
    const runtime = s.runtime;
    s.runtime = undefined;
    await runtime?.stop();
  }

  async restartSwitch(i: number): Promise<void> {
    await this.killSwitch(i);
    await this.startSwitch(i);
  }

  /** Cuts (or heals) switch i's management network; only a system of several switches has one. */
  setControlPartition(i: number, cut: boolean): void {
    const proxy = this.at(i).proxy;
    if (!proxy) throw new Error("a one-switch system has no separate management network to partition; use several switches");
    if (cut) proxy.partition();
    else proxy.heal();
  }

  state(i: number): SwitchRunState {
    return this.at(i).runtime ? "running" : "dead";
  }

  /** Where the controller reaches switch i (through its control proxy when there is one). */
  controlAddress(i: number): string {
    const s = this.at(i);
    if (s.proxy) return s.proxy.address;
    if (!s.runtime) throw new Error(`switch ${i} is not running`);
    return s.runtime.grpcAddress;
  }

  model(i: number): SwitchModel {
    const runtime = this.at(i).runtime;
    if (!runtime) throw new Error(`switch ${i} is not running`);
    return runtime.model;
  }

  async counter(i: number, name: string, index: number): Promise<bigint> {
    return this.model(i).control.counterRead(name, index).packets;
  }

  async onDigest(i: number, listener: (d: DigestSeen) => void): Promise<() => void> {
    return this.model(i).onDigest((d) => listener({ name: d.name }));
  }

  /** The host side of `port`: its wire, or with several switches one first hop per switch. */
  hostLink(port: number, preferredSwitch = 0): FrameLink {
    const wires = this.switches.map((s) => {
      const w = s.wires.get(port);
      if (!w) throw new RangeError(`switch port ${port} has no wire`);
      return w;
    });
    if (wires.length === 1) return wires[0]!;
    const link = new MultiHomedLink(wires, { preferred: preferredSwitch });
    this.multiHomed.push(link);
    return link;
  }

  stats(): Record<string, number> {
    const out: Record<string, number> = {};
    const add = (key: string, n: number): void => {
      out[key] = (out[key] ?? 0) + n;
    };
    for (const s of this.switches) {
      for (const [key, value] of Object.entries(s.runtime?.model.stats() ?? {})) add(`switch.${key}`, value);
      for (const [key, value] of Object.entries(s.runtime?.wireStats() ?? {})) add(`wires.${key}`, value);
    }
    if (this.switches.length > 1) add("hosts.firstHopChanges", this.multiHomed.reduce((n, l) => n + l.switches, 0));
    return out;
  }

  async close(): Promise<void> {
    for (const s of this.switches) {
      await s.proxy?.close();
      await s.runtime?.stop();
      s.runtime = undefined;
      for (const w of s.wires.values()) await w.close();
    }
  }
}
