/**
 * A whole controller test bench: our switch (with a test clock) running the compiled LB
 * program, fake session servers answering the management protocol, a topology, and helpers to
 * read the switch and wait for controller events.
 */
import { createSwitch } from "../../../bmv2/src/dataplane/index.ts";
import { port as portNumber } from "../../../bmv2/src/dataplane/api.ts";
import { startP4RuntimeServer, type P4RuntimeServer } from "../../../bmv2/src/p4runtime/server.ts";
import { ipv4, mac } from "../../../testbench/src/packet/address.ts";
import { buildUdpFrame, parseFrame } from "../../../testbench/src/packet/frame.ts";
import { formatIpv4 } from "../../../testbench/src/packet/address.ts";
import { Flags, makeCookie, NEW_SESSION_COOKIE, MessageType, serverId as wireServerId, type SessionId } from "../../src/wire/session_header.ts";
import { parseTopology, type TopologyConfig } from "../../src/controller/config.ts";
import { Controller } from "../../src/controller/controller.ts";
import type { ControllerEvent, ControllerEventKind } from "../../src/controller/event_log.ts";
import { loadPipeline, type Pipeline } from "../../src/controller/pipeline.ts";
import { builtinCompiler } from "../../src/controller/run.ts";
import { tableEntry, type Entity, type TableEntry } from "../../src/p4rt/entities.ts";
import { Switch } from "../../src/p4rt/switch.ts";
import { FakeServer } from "./fake_servers.ts";

const LB_P4 = new URL("../../../p4/v1model/session_lb.p4", import.meta.url).pathname;

let compiled: Promise<Pipeline> | undefined;

/** The LB program compiled by our compiler (once per test file). */
export function lbPipeline(): Promise<Pipeline> {
  compiled ??= loadPipeline({ kind: "p4", p4File: LB_P4 }, builtinCompiler(7700));
  return compiled;
}

export const VIP = { ip: "10.0.0.100", port: 7700, mac: "02:00:00:00:00:64" };
const CLIENT = { ip: "10.0.1.10", mac: "02:00:00:00:01:10", port: 40000 };

export interface Bench {
  readonly switchServer: P4RuntimeServer;
  readonly address: string;
  readonly fakes: Map<number, FakeServer>;
  readonly topology: TopologyConfig;
  readonly pipeline: Pipeline;
  /** Microseconds on the switch's clock; tests move it. */
  clockUs: bigint;
  /** A read-only P4Runtime client (lowest election id: always backup). */
  readonly observer: Switch;
  /** Sends a request from the client through the switch; primary 0 sends a new session (cookie 0). */
  sendRequest(primary: number, secondary: number, sessionId: bigint): void;
  /** Sends a request and returns where the switch sent it: egress port, destination address, FAILOVER flag (undefined: dropped). */
  routeRequest(primary: number, secondary: number, sessionId: bigint): { port: number; dst: string; failover: boolean } | undefined;
  controller(electionId?: bigint, health?: Partial<TopologyConfig["health"]>, topology?: Partial<TopologyConfig>): Controller;
  read(table: string): Promise<TableEntry[]>;
  readAll(entity: Entity): Promise<Entity[]>;
  /** Stops the switch and starts an empty one on the same port; resolves with a client to read it. */
  restartSwitch(port: number): Promise<Switch>;
  close(): Promise<void>;
}

export async function startBench(serverIds: readonly number[], health: Partial<TopologyConfig["health"]> = {}): Promise<Bench> {
  const pipeline = await lbPipeline();
  const clock = { now: 1_000_000n };
  let model = createSwitch({ clockMicros: () => clock.now });
  let switchServer = await startP4RuntimeServer({ model, address: "127.0.0.1:0" });
  const clients: Switch[] = [];
  const address = `127.0.0.1:${switchServer.port}`;
  const fakes = new Map<number, FakeServer>();
  for (const id of serverIds) fakes.set(id, await FakeServer.start(id));
  const topology = parseTopology(
    {
      switch: { address, electionId: 10 },
      pipeline: { json: "unused.json", p4info: "unused.txtpb" },
      vip: VIP,
      servers: serverIds.map((id) => ({ id, ip: `10.0.0.${id}`, mac: `02:00:00:00:00:${id.toString(16).padStart(2, "0")}`, switchPort: id, mgmt: fakes.get(id)!.mgmt })),
      routes: [{ prefix: "10.0.1.0/24", switchPort: 10, mac: CLIENT.mac }],
      // Generous timeouts: the machine is shared, and a probe lost to load must not flap a server.
      health: { intervalMs: 40, timeoutMs: 250, rise: 2, fall: 3, ...health },
      failure: { responseTimeoutUs: 1000 },
    },
    "/tmp",
  );
  const observer = new Switch({ address, electionId: 1, p4info: pipeline.p4info, reconnect: false });
  await observer.connect();
  const controllers: Controller[] = [];
  const bench: Bench = {
    get switchServer() {
      return switchServer;
    },
    address,
    fakes,
    topology,
    pipeline,
    get clockUs() {
      return clock.now;
    },
    set clockUs(v: bigint) {
      clock.now = v;
    },
    observer,
    routeRequest(primary, secondary, sessionId) {
      const out: { port: number; frame: Uint8Array }[] = [];
      const off = model.onEgress((p, frame) => out.push({ port: p, frame }));
      try {
        bench.sendRequest(primary, secondary, sessionId);
      } finally {
        off();
      }
      const first = out[0];
      if (!first) return undefined;
      const parsed = parseFrame(first.frame);
      const flags = parsed.session?.ok ? parsed.session.message.header.flags : 0;
      return { port: first.port, dst: parsed.ipv4 ? formatIpv4(parsed.ipv4.dst) : "?", failover: (flags & Flags.Failover) !== 0 };
    },
    sendRequest(primary, secondary, sessionId) {
      const frame = buildUdpFrame({
        ethernet: { dst: mac(VIP.mac), src: mac(CLIENT.mac) },
        ipv4: { src: ipv4(CLIENT.ip), dst: ipv4(VIP.ip), ttl: 64 },
        udp: { srcPort: CLIENT.port, dstPort: VIP.port },
        payload: {
          kind: "session",
          header: { type: MessageType.Request, flags: 0, cookie: primary === 0 ? NEW_SESSION_COOKIE : makeCookie(wireServerId(primary), wireServerId(secondary)), sessionId: sessionId as SessionId, sessionVersion: 1, requestId: 1 },
        },
      });
      model.inject(portNumber(10), frame);
    },
    controller(electionId = 10n, override = {}, topologyOverride = {}) {
      const c = new Controller({
        topology: { ...topology, ...topologyOverride, health: { ...topology.health, ...override } },
        pipeline,
        electionId,
        reconnect: { initialMs: 20, maxMs: 200 },
      });
      controllers.push(c);
      return c;
    },
    async read(table) {
      return (await observer.readAll(tableEntry(table))) as TableEntry[];
    },
    readAll: (entity) => observer.readAll(entity),
    async restartSwitch(port) {
      await switchServer.stop();
      model = createSwitch({ clockMicros: () => clock.now });
      switchServer = await startP4RuntimeServer({ model, address: `127.0.0.1:${port}` });
      const client = new Switch({ address, electionId: 1, p4info: pipeline.p4info, reconnect: false });
      clients.push(client);
      await client.connect();
      return client;
    },
    async close() {
      for (const c of controllers) c.stop();
      for (const c of clients) c.close();
      observer.close();
      for (const f of fakes.values()) f.close();
      await switchServer.stop();
    },
  };
  return bench;
}

/** Resolves with the first event of this kind (from now on) that matches. */
export function nextEvent(controller: Controller, kind: ControllerEventKind, match: (e: ControllerEvent) => boolean = () => true, timeoutMs = 10_000): Promise<ControllerEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${kind} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = controller.events.subscribe((e) => {
      if (e.kind !== kind || !match(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

export function primaryIds(entries: readonly TableEntry[]): number[] {
  return entries.map((e) => Number(e.match?.["meta.primary_id"] as bigint)).sort((a, b) => a - b);
}
