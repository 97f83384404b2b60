/**
 * The embedded system's switch as the real simple_switch_grpc: its ports are served over its
 * dataplane gRPC service (no interfaces, so no root), and every host's cable is a view of that
 * one packet stream for the host's port. Packets take bmv2's whole path (parser, ingress,
 * queues, egress, deparser); the hosts, servers, controller and taps stay in this process, so
 * everything a test inspects on the model's fabric it inspects here too. Counters are read and
 * digests heard over P4Runtime, as any client of a real switch would.
 */
import type { FrameHandler, FrameLink } from "../../../runtime/src/hoststack/link.ts";
import { counterEntry } from "../../../runtime/src/p4rt/entities.ts";
import type { SwitchEvent } from "../../../runtime/src/p4rt/events.ts";
import { Switch } from "../../../runtime/src/p4rt/switch.ts";
import type { Pipeline } from "../../../runtime/src/controller/pipeline.ts";
import { type LaunchResult, launchSimpleSwitchGrpc } from "../../../bmv2/src/real/simple_switch.ts";
import { DataplaneStream } from "../realnet/diff_dataplane.ts";
import { freeTcpPort } from "../realnet/ports.ts";
import type { DigestSeen, Fabric } from "./fabric.ts";

/** Lower than any controller's: it only ever becomes primary (and hears digests) while no controller runs. */
const OBSERVER_ELECTION_ID = 1n;

interface Addresses {
  readonly grpc: string;
  readonly dataplane: string;
  readonly thrift: number;
}

/** A host's cable: frames it sends enter bmv2 on `port`; frames bmv2 sends out of `port` reach it. */
class StreamPortLink implements FrameLink {
  readonly local = { ip: "127.0.0.1", port: 0 };
  handler: FrameHandler | undefined;

  constructor(
    private readonly port: number,
    private readonly fabric: Bmv2Fabric,
  ) {}

  send(frame: Uint8Array): void {
    this.fabric.submit(this.port, frame);
  }

  onFrame(handler: FrameHandler): void {
    this.handler = handler;
  }

  async close(): Promise<void> {
    this.handler = undefined;
  }
}

export class Bmv2Fabric implements Fabric {
  readonly size = 1;
  private addresses: Addresses | undefined;
  private launched: Extract<LaunchResult, { kind: "running" }> | undefined;
  private stream: DataplaneStream | undefined;
  private readonly links = new Map<number, StreamPortLink>();
  private observer: Switch | undefined;
  private readonly counts = { framesIn: 0, framesOut: 0, framesLostSwitchDown: 0, streamRestarts: 0 };

  constructor(
    ports: readonly number[],
    private readonly pipeline: Pipeline,
    readonly description: string,
  ) {
    for (const p of ports) this.links.set(p, new StreamPortLink(p, this));
  }

  private only(i: number): void {
    if (i !== 0) throw new RangeError(`no switch ${i}: the bmv2 fabric has one switch`);
  }

  async start(): Promise<void> {
    this.addresses = { grpc: `127.0.0.1:${await freeTcpPort()}`, dataplane: `127.0.0.1:${await freeTcpPort()}`, thrift: await freeTcpPort() };
    await this.startSwitch(0);
  }

  async startSwitch(i: number): Promise<void> {
    this.only(i);
    if (this.launched) throw new Error("switch 0 is already running");
    const a = this.addresses!;
    const launched = await launchSimpleSwitchGrpc({ grpcAddress: a.grpc, thriftPort: a.thrift, dataplaneGrpcAddress: a.dataplane, logLevel: "error" });
    if (launched.kind !== "running") throw new Error(`simple_switch_grpc: ${launched.message}`);
    this.launched = launched;
  }

  async killSwitch(i: number): Promise<void> {
    this.only(i);
    this.stream?.close();
    this.stream = undefined;
    this.observer?.close();
    this.observer = undefined;
    const launched = this.launched;
    this.launched = undefined;
    await launched?.stop("SIGKILL");
  }

  async restartSwitch(i: number): Promise<void> {
    await this.killSwitch(i);
    await this.startSwitch(i);
  }

  setControlPartition(): void {
    throw new Error("a one-switch system has no separate management network to partition; use several switches");
  }

  controlAddress(i: number): string {
    this.only(i);
    if (!this.addresses) throw new Error("the bmv2 fabric has not started");
    return this.addresses.grpc;
  }

  hostLink(port: number): FrameLink {
    const link = this.links.get(port);
    if (!link) throw new RangeError(`switch port ${port} has no wire`);
    return link;
  }

  /**
   * Into bmv2 on `port`. The stream opens on the first frame and again after it broke (bmv2
   * refuses it until a program is loaded): a frame that finds no stream is lost, as on a switch
   * with no program.
   */
  submit(port: number, frame: Uint8Array): void {
    if (!this.launched) {
      this.counts.framesLostSwitchDown++;
      return;
    }
    if (this.stream?.error) {
      this.stream.close();
      this.stream = undefined;
      this.counts.streamRestarts++;
    }
    if (!this.stream) {
      const stream = new DataplaneStream(this.addresses!.dataplane);
      stream.onFrame((f) => {
        this.counts.framesOut++;
        this.links.get(f.port)?.handler?.(f.frame);
      });
      this.stream = stream;
    }
    this.counts.framesIn++;
    this.stream.send(port, frame);
  }

  /** A P4Runtime client of our own, backup to every controller: reads counters, hears digests when no controller is primary. */
  private async observe(): Promise<Switch> {
    if (this.observer) return this.observer;
    const observer = new Switch({ address: this.controlAddress(0), electionId: OBSERVER_ELECTION_ID, p4info: this.pipeline.p4info, reconnect: { initialMs: 50, maxMs: 500 } });
    await observer.connect();
    this.observer = observer;
    return observer;
  }

  async counter(i: number, name: string, index: number): Promise<bigint> {
    this.only(i);
    const cells = await (await this.observe()).readAll(counterEntry(name, index));
    const cell = cells.find((e) => e.type === "counter_entry");
    return cell?.type === "counter_entry" ? (cell.data?.packets ?? 0n) : 0n;
  }

  async onDigest(i: number, listener: (d: DigestSeen) => void): Promise<() => void> {
    this.only(i);
    const observer = await this.observe();
    const onEvent = (e: SwitchEvent): void => {
      if (e.kind === "digest") listener({ name: e.digest });
    };
    observer.on("event", onEvent);
    return () => observer.off("event", onEvent);
  }

  stats(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.counts).map(([k, v]) => [`bmv2.${k}`, v]));
  }

  async close(): Promise<void> {
    await this.killSwitch(0);
  }
}
