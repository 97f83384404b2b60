/**
 * A controller test bench with several switches: each our switch model (own test clock) with
 * its own P4Runtime server, all serving the same VIPs and fake session servers, and a
 * topology naming every switch. Switches can be stopped and restarted empty on their port.
 */
import { createSwitch, type SwitchModel } from "../../../bmv2/src/dataplane/index.ts";
import { port as portNumber } from "../../../bmv2/src/dataplane/api.ts";
import { startP4RuntimeServer, type P4RuntimeServer } from "../../../bmv2/src/p4runtime/server.ts";
import { formatIpv4, ipv4, mac } from "../../../testbench/src/packet/address.ts";
import { buildUdpFrame, parseFrame } from "../../../testbench/src/packet/frame.ts";
import { Flags, makeCookie, NEW_SESSION_COOKIE, MessageType, serverId as wireServerId, type SessionId } from "../../src/wire/session_header.ts";
import { parseTopology, type TopologyConfig } from "../../src/controller/config.ts";
import { Controller } from "../../src/controller/controller.ts";
import { tableEntry, type Entity, type TableEntry } from "../../src/p4rt/entities.ts";
import { Switch } from "../../src/p4rt/switch.ts";
import { FakeServer } from "./fake_servers.ts";
import { lbPipeline } from "./harness.ts";
import type { Pipeline } from "../../src/controller/pipeline.ts";

export const CLIENT_PORT = 10;
const CLIENT = { ip: "10.0.1.10", mac: "02:00:00:00:01:10", port: 40000 };

export interface Route {
  readonly port: number;
  readonly dst: string;
  readonly src: string;
  readonly failover: boolean;
}

interface FabricSwitch {
  model: SwitchModel;
  server: P4RuntimeServer | undefined;
  readonly port: number;
  readonly clock: { now: bigint };
  readonly observer: Switch;
}

export interface FabricOptions {
  readonly switches: number;
  readonly servers: readonly number[];
  /** VIPs by name with the servers of each (default: one VIP holding every server). */
  readonly vips?: readonly { readonly name: string; readonly ip: string; readonly servers: readonly number[] }[];
  readonly health?: Partial<TopologyConfig["health"]>;
}

export class Fabric {
  readonly fakes = new Map<number, FakeServer>();
  readonly controllers: Controller[] = [];
  topology!: TopologyConfig;
  private constructor(
    private readonly switches: FabricSwitch[],
    readonly pipeline: Pipeline,
  ) {}

  static async start(options: FabricOptions): Promise<Fabric> {
    const pipeline = await lbPipeline();
    const switches: FabricSwitch[] = [];
    for (let i = 0; i < options.switches; i++) {
      const clock = { now: 1_000_000n };
      const model = createSwitch({ clockMicros: () => clock.now });
      const server = await startP4RuntimeServer({ model, address: "127.0.0.1:0", deviceId: i });
      const observer = new Switch({ address: `127.0.0.1:${server.port}`, deviceId: i, electionId: 1, p4info: pipeline.p4info, reconnect: { initialMs: 20, maxMs: 100 } });
      await observer.connect();
      switches.push({ model, server, port: server.port, clock, observer });
    }
    const fabric = new Fabric(switches, pipeline);
    for (const id of options.servers) fabric.fakes.set(id, await FakeServer.start(id));
    const vips = options.vips ?? [{ name: "web", ip: "10.0.0.100", servers: options.servers }];
    fabric.topology = parseTopology(
      {
        // Each switch has the servers on other ports (switch i: port id + 20 * i) to show per-switch ports.
        switches: switches.map((s, i) => ({
          name: `s${i + 1}`,
          address: `127.0.0.1:${s.port}`,
          deviceId: i,
          electionId: 10,
          serverPorts: Object.fromEntries(options.servers.map((id) => [String(id), id + 20 * i])),
        })),
        pipeline: { json: "unused.json", p4info: "unused.txtpb" },
        vips: vips.map((v, i) => ({ name: v.name, ip: v.ip, port: 7700, mac: `02:00:00:00:00:${(0x64 + i).toString(16)}` })),
        servers: options.servers.map((id) => ({
          id,
          ip: `10.0.0.${id}`,
          mac: `02:00:00:00:00:${id.toString(16).padStart(2, "0")}`,
          switchPort: id,
          mgmt: fabric.fakes.get(id)!.mgmt,
          vip: vips.find((v) => v.servers.includes(id))!.name,
        })),
        routes: [{ prefix: "10.0.1.0/24", switchPort: CLIENT_PORT, mac: CLIENT.mac }],
        health: { intervalMs: 40, timeoutMs: 250, rise: 2, fall: 3, ...options.health },
        failure: { responseTimeoutUs: 1000 },
      },
      "/tmp",
    );
    return fabric;
  }

  private sw(i: number): FabricSwitch {
    const s = this.switches[i];
    if (!s) throw new RangeError(`no switch ${i}`);
    return s;
  }

  get size(): number {
    return this.switches.length;
  }

  controller(electionId = 10n): Controller {
    const c = new Controller({ topology: this.topology, pipeline: this.pipeline, electionId, reconnect: { initialMs: 20, maxMs: 200 } });
    this.controllers.push(c);
    return c;
  }

  advanceClock(i: number, us: bigint): void {
    this.sw(i).clock.now += us;
  }

  /** A request from the client through switch i; primary 0 sends a new session (cookie 0). Undefined: dropped. */
  route(i: number, primary: number, secondary: number, sessionId: bigint, vip = "10.0.0.100"): Route | undefined {
    const s = this.sw(i);
    const out: { port: number; frame: Uint8Array }[] = [];
    const off = s.model.onEgress((p, frame) => out.push({ port: p, frame }));
    try {
      const frame = buildUdpFrame({
        ethernet: { dst: mac("02:00:00:00:00:64"), src: mac(CLIENT.mac) },
        ipv4: { src: ipv4(CLIENT.ip), dst: ipv4(vip), ttl: 64 },
        udp: { srcPort: CLIENT.port, dstPort: 7700 },
        payload: {
          kind: "session",
          header: {
            type: MessageType.Request,
            flags: 0,
            cookie: primary === 0 ? NEW_SESSION_COOKIE : makeCookie(wireServerId(primary), wireServerId(secondary)),
            sessionId: sessionId as SessionId,
            sessionVersion: 1,
            requestId: 1,
          },
        },
      });
      s.model.inject(portNumber(CLIENT_PORT), frame);
    } finally {
      off();
    }
    const first = out[0];
    if (!first) return undefined;
    const parsed = parseFrame(first.frame);
    const flags = parsed.session?.ok ? parsed.session.message.header.flags : 0;
    return {
      port: first.port,
      dst: parsed.ipv4 ? formatIpv4(parsed.ipv4.dst) : "?",
      src: parsed.ipv4 ? formatIpv4(parsed.ipv4.src) : "?",
      failover: (flags & Flags.Failover) !== 0,
    };
  }

  /** A response from server `id` (as it sends it: from its own address) through switch i; returns the source the client sees. */
  respond(i: number, id: number, inPort: number): string | undefined {
    const s = this.sw(i);
    const out: Uint8Array[] = [];
    const off = s.model.onEgress((_p, frame) => out.push(frame));
    try {
      const frame = buildUdpFrame({
        ethernet: { dst: mac("02:00:00:00:00:64"), src: mac(`02:00:00:00:00:${id.toString(16).padStart(2, "0")}`) },
        ipv4: { src: ipv4(`10.0.0.${id}`), dst: ipv4(CLIENT.ip), ttl: 64 },
        udp: { srcPort: 7700, dstPort: CLIENT.port },
        payload: {
          kind: "session",
          header: { type: MessageType.Response, flags: 0, cookie: makeCookie(wireServerId(id), wireServerId(id === 1 ? 2 : 1)), sessionId: 1n as SessionId, sessionVersion: 1, requestId: 1 },
        },
      });
      s.model.inject(portNumber(inPort), frame);
    } finally {
      off();
    }
    const parsed = out[0] ? parseFrame(out[0]) : undefined;
    return parsed?.ipv4 ? formatIpv4(parsed.ipv4.src) : undefined;
  }

  async read(i: number, table: string): Promise<TableEntry[]> {
    return (await this.sw(i).observer.readAll(tableEntry(table))) as TableEntry[];
  }

  readAll(i: number, entity: Entity): Promise<Entity[]> {
    return this.sw(i).observer.readAll(entity);
  }

  /** The switch goes away (its P4Runtime server and its state). */
  async stopSwitch(i: number): Promise<void> {
    const s = this.sw(i);
    await s.server?.stop();
    s.server = undefined;
  }

  /** An empty switch comes up on switch i's port. */
  async startSwitch(i: number): Promise<void> {
    const s = this.sw(i);
    if (s.server) throw new Error(`switch ${i} is running`);
    s.model = createSwitch({ clockMicros: () => s.clock.now });
    s.server = await startP4RuntimeServer({ model: s.model, address: `127.0.0.1:${s.port}`, deviceId: this.switches.indexOf(s) });
  }

  async close(): Promise<void> {
    for (const c of this.controllers) c.stop();
    for (const s of this.switches) {
      s.observer.close();
      await s.server?.stop();
    }
    for (const f of this.fakes.values()) f.close();
  }
}
