/**
 * The switches the P4Runtime-driven LB tests run on: our model with our compiler's JSON, and
 * the real simple_switch_grpc with p4c's JSON and with ours (fed over its dataplane gRPC
 * service, so no root is needed). A test programs the target over P4Runtime and sends frames
 * one at a time; `send` returns every frame the switch sent for that one.
 *
 * On bmv2 a dropped frame sends nothing, so `send` follows each frame with one barrier frame to
 * every port the programmed routes reach (plain UDP, counted nowhere): each egress port's queue
 * is FIFO, so once every barrier is back, so is everything sent before it.
 */
import { type SwitchHandle, startSwitch } from "../../../bmv2/src/switch_main.ts";
import { port } from "../../../bmv2/src/dataplane/index.ts";
import { compileWithRealP4c, realCompilerAvailable } from "../../../compiler/src/index.ts";
import { parseP4Info } from "../../../runtime/src/p4rt/p4info.ts";
import type { P4Info } from "../../../runtime/src/p4rt/p4info.ts";
import { buildUdpFrame, ipv4FromNumber } from "../../src/packet/index.ts";
import { bmv2TargetUnavailable, startBmv2Stream } from "../../src/realnet/diff_targets.ts";
import { serverId } from "../../../runtime/src/wire/session_header.ts";
import { CLIENT, CLIENT_PORT, SWITCH_MAC, serverEndpoint } from "./topology.ts";
import { PROGRAM, compileSessionLb, type Emitted } from "./rig.ts";
import type { Route } from "./p4rt_programmer.ts";

export interface LbTarget {
  readonly grpcAddress: string;
  send(ingressPort: number, frame: Uint8Array): Promise<Emitted[]>;
  close(): Promise<void>;
}

export interface TargetKind {
  readonly name: string;
  /** Our model, which the in-process rig drives directly (fake clock, registers, JSON names). */
  readonly inProcessModel: boolean;
  /** Why it cannot run here, or undefined. */
  readonly unavailable: () => string | undefined;
  /** `routes` (bmv2 only): the routes programmed so far, where barrier frames can go; default the tests' usual ones. */
  readonly start: (routes?: () => readonly Route[]) => Promise<{ readonly target: LbTarget; readonly p4info: P4Info; readonly deviceConfig: Uint8Array }>;
}

async function ourProgram(): Promise<{ p4info: P4Info; deviceConfig: Uint8Array }> {
  const program = await compileSessionLb();
  if (!program.ok) throw new Error(program.reason);
  return { p4info: parseP4Info(program.p4infoText), deviceConfig: new TextEncoder().encode(JSON.stringify(program.bmv2Json)) };
}

function p4cProgram(): { p4info: P4Info; deviceConfig: Uint8Array } {
  const out = compileWithRealP4c(PROGRAM, { target: "bmv2" });
  if (!out.ok) throw new Error(`real p4c rejected ${PROGRAM}: ${out.diagnostics.map((d) => d.message).join("; ")}`);
  return { p4info: parseP4Info(out.p4infoText), deviceConfig: new TextEncoder().encode(JSON.stringify(out.bmv2Json)) };
}

function modelTarget(handle: SwitchHandle): LbTarget {
  return {
    grpcAddress: handle.grpcAddress,
    async send(ingressPort, frame) {
      const out: Emitted[] = [];
      const stop = handle.model.onEgress((p, f) => out.push({ port: p, frame: f.slice() }));
      try {
        handle.model.inject(port(ingressPort), frame);
      } finally {
        stop();
      }
      return out;
    },
    close: () => handle.stop(),
  };
}

/** The routes every test programs: the client /24 and servers 1..4. */
const USUAL_ROUTES: readonly Route[] = [
  { prefix: CLIENT.ip & 0xffffff00, prefixLength: 24, port: CLIENT_PORT },
  ...[1, 2, 3, 4].map((id) => ({ prefix: serverEndpoint(serverId(id)).ip, prefixLength: 32, port: serverEndpoint(serverId(id)).switchPort })),
];
const BARRIER_MARK = new TextEncoder().encode("slb-lb-barrier");
const BARRIER_TIMEOUT_MS = 10_000;

const covers = (r: Route, address: number): boolean => r.prefixLength === 0 || address >>> (32 - r.prefixLength) === r.prefix >>> (32 - r.prefixLength);

/** One destination per egress port the routes reach, found by longest prefix match over them. */
function barrierDestinations(routes: readonly Route[]): Map<number, number> {
  const byPort = new Map<number, number>();
  for (const r of routes) {
    const candidate = r.prefixLength === 32 ? r.prefix : (r.prefix | 0xfa) >>> 0;
    const best = routes.filter((x) => covers(x, candidate)).sort((a, b) => b.prefixLength - a.prefixLength)[0];
    if (best && !byPort.has(best.port)) byPort.set(best.port, candidate);
  }
  return byPort;
}

function barrierFrame(dst: number, sequence: number): Uint8Array {
  const from = serverEndpoint(serverId(1));
  return buildUdpFrame({
    ethernet: { dst: SWITCH_MAC, src: from.mac },
    ipv4: { src: from.ip, dst: ipv4FromNumber(dst), ttl: 64, identification: sequence & 0xffff },
    udp: { srcPort: 9, dstPort: 9 },
    payload: { kind: "raw", bytes: BARRIER_MARK },
  });
}

function isBarrier(frame: Uint8Array): boolean {
  const tail = frame.subarray(frame.length - BARRIER_MARK.length);
  return tail.length === BARRIER_MARK.length && tail.every((b, i) => b === BARRIER_MARK[i]);
}

async function bmv2Target(name: string, routes: () => readonly Route[]): Promise<LbTarget> {
  const stream = await startBmv2Stream(name);
  const ingress = serverEndpoint(serverId(1)).switchPort;
  let sequence = 0;
  return {
    grpcAddress: stream.grpcAddress,
    async send(ingressPort, frame) {
      const out: Emitted[] = [];
      const destinations = barrierDestinations(routes());
      const waiting = new Set(destinations.keys());
      let done: () => void = () => {};
      const finished = new Promise<void>((resolve) => (done = resolve));
      const stop = stream.onFrame((e) => {
        if (!isBarrier(e.frame)) out.push(e);
        else if (waiting.delete(e.port) && waiting.size === 0) done();
      });
      try {
        stream.submit(ingressPort, frame);
        for (const dst of destinations.values()) stream.submit(ingress, barrierFrame(dst, sequence++));
        const timer = setTimeout(done, BARRIER_TIMEOUT_MS);
        await finished;
        clearTimeout(timer);
      } finally {
        stop();
      }
      if (waiting.size > 0) throw new Error(`${name}: barrier frames to ports ${[...waiting].join(",")} did not come back within ${BARRIER_TIMEOUT_MS} ms`);
      return out;
    },
    close: () => stream.close(),
  };
}

const p4cMissing = (): string | undefined => bmv2TargetUnavailable() ?? (realCompilerAvailable("bmv2") ? undefined : "p4c-bm2-ss is not installed (not found on PATH)");

export const LB_TARGETS: readonly TargetKind[] = [
  {
    name: "our model, our JSON",
    inProcessModel: true,
    unavailable: () => undefined,
    start: async () => ({ target: modelTarget(await startSwitch({ grpcAddress: "127.0.0.1:0", wireBasePort: 0, ports: 16 })), ...(await ourProgram()) }),
  },
  {
    name: "real bmv2, p4c's JSON",
    inProcessModel: false,
    unavailable: p4cMissing,
    start: async (routes = () => USUAL_ROUTES) => ({ target: await bmv2Target("simple_switch_grpc (p4c's JSON)", routes), ...p4cProgram() }),
  },
  {
    name: "real bmv2, our JSON",
    inProcessModel: false,
    unavailable: bmv2TargetUnavailable,
    start: async (routes = () => USUAL_ROUTES) => ({ target: await bmv2Target("simple_switch_grpc (our JSON)", routes), ...(await ourProgram()) }),
  },
];
