/**
 * The failover scenario on real hosts: servers and a client as processes in network namespaces
 * on kernel UDP, the switch (our model behind socat frame bridges, or the real
 * simple_switch_grpc on the veths) and the controller in this process. Client sessions do
 * "incr" while one primary is SIGKILLed part-way; afterwards every session's counter must equal
 * its acknowledged increments and no failover may have gone to a secondary while other servers
 * lived. Everything is torn down in a finally, also on failure, and the teardown is verified.
 */
import { Controller } from "../../../runtime/src/controller/controller.ts";
import { NetError, bridgePids, execArgv, listLinks, listNamespaces, missingPrerequisites, namespacePids, netDown, netUp } from "../../../runtime/src/netns/lifecycle.ts";
import { mgmtBridgeName } from "../../../runtime/src/netns/topology.ts";
import { findSimpleSwitchGrpc, launchSimpleSwitchGrpc } from "../../../bmv2/src/real/simple_switch.ts";
import { VIP, serverAddress } from "../system/addressing.ts";
import { SessionLedger, describeViolation } from "../system/ledger.ts";
import { compileLbProgram } from "../system/program.ts";
import { startSwitchRuntime } from "../system/switch_runtime.ts";
import { serverId } from "../../../runtime/src/wire/session_header.ts";
import type { LoadEvent } from "./load_gen.ts";
import { freeTcpPort } from "./ports.ts";
import { HostProcess, SLB_BIN, nodeScriptArgv, processAlive } from "./processes.ts";
import { type LbNetPlan, clientHostName, lbControllerTopology, lbNetTopology, lbSwitchPorts, serverHostName, serverMgmtIp } from "./topology.ts";

export type SwitchTarget = "model" | "bmv2";

export interface NamespaceScenarioOptions {
  readonly target?: SwitchTarget;
  readonly servers?: number;
  readonly sessions?: number;
  /** Length of the client load. */
  readonly durationMs?: number;
  /** When the primary is killed, after the load started; default 40% of the duration. */
  readonly killAtMs?: number;
  /** The server killed; default 1. */
  readonly killServer?: number;
  /** Namespace prefix (1-8 lowercase letters/digits); default "slbrn". */
  readonly prefix?: string;
  /** First three octets of the management /24 (default 192.168.77); overlapping runs need different ones. */
  readonly mgmtSubnet?: string;
  /** Port P's socat bridge sends from 127.0.0.1:bridgeBasePort + P; default 42000. */
  readonly bridgeBasePort?: number;
  readonly seed?: number;
  /** Runs once everything is up, before the load (inspection; a throw aborts the run, which still tears down). */
  readonly onUp?: (running: { readonly prefix: string; readonly serverPids: readonly number[] }) => Promise<void>;
  readonly log?: (line: string) => void;
}

export interface Leftovers {
  readonly namespaces: readonly string[];
  readonly links: readonly string[];
  /** Pids of our processes (servers, client, bridges, switch) still alive. */
  readonly processes: readonly number[];
}

export interface NamespaceScenarioResult {
  readonly target: SwitchTarget;
  readonly servers: number;
  readonly sessions: number;
  readonly acked: number;
  readonly failovers: number;
  readonly retries: number;
  readonly killedServer: number;
  readonly killedAtMs: number;
  readonly lostSessions: number;
  readonly violations: readonly string[];
  /** Increments sent but never answered (allowed: the client was not told they applied). */
  readonly inDoubt: number;
  readonly loadMs: number;
  readonly passed: boolean;
  readonly teardown: Leftovers;
}

/** Timing for a few-second run: a dead server is noticed well within a second. */
const HEALTH = { intervalMs: 100, timeoutMs: 300, rise: 2, fall: 3 } as const;
const DATA_PLANE_TIMEOUT_US = 500_000;
const STARTUP_TIMEOUT_MS = 20_000;
/** Beyond its run time the generator may retry one increment (10 s deadline) and read every counter back. */
const LOAD_GRACE_MS = 30_000;

/** Why the scenario cannot run here, or undefined when it can. */
export function namespaceScenarioUnavailable(target: SwitchTarget = "model"): string | undefined {
  const missing = missingPrerequisites(target === "model");
  if (missing.length > 0) return `namespace scenario needs: ${missing.join(", ")}`;
  if (target === "bmv2" && findSimpleSwitchGrpc() === undefined) return "simple_switch_grpc is not installed (not found on PATH): --target bmv2 needs the real bmv2";
  return undefined;
}

async function waitUntil(what: string, predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** What is left of a run: namespaces and links of the prefix, and any of the given pids alive. */
export async function leftovers(prefix: string, pids: readonly number[]): Promise<Leftovers> {
  const ours = new RegExp(`^${prefix}[pm]\\d+$`);
  return {
    namespaces: (await listNamespaces()).filter((n) => n.startsWith(`${prefix}-`)),
    links: (await listLinks()).filter((l) => ours.test(l) || l === mgmtBridgeName(prefix)),
    processes: pids.filter(processAlive),
  };
}

export async function runNamespaceScenario(opts: NamespaceScenarioOptions = {}): Promise<NamespaceScenarioResult> {
  const target = opts.target ?? "model";
  const unavailable = namespaceScenarioUnavailable(target);
  if (unavailable) throw new NetError(unavailable);
  const plan: LbNetPlan = { prefix: opts.prefix ?? "slbrn", servers: opts.servers ?? 3, clients: 1, ...(opts.mgmtSubnet ? { mgmtSubnet: opts.mgmtSubnet } : {}) };
  const durationMs = opts.durationMs ?? 4000;
  const killAtMs = opts.killAtMs ?? Math.round(durationMs * 0.4);
  const killed = opts.killServer ?? 1;
  if (killed < 1 || killed > plan.servers) throw new RangeError(`killServer ${killed} is not one of the servers 1..${plan.servers}`);
  const log = opts.log ?? (() => undefined);
  const bridgeBase = opts.bridgeBasePort ?? 42000;
  const topo = lbNetTopology(plan);
  const ports = lbSwitchPorts(plan);
  const program = await compileLbProgram();

  const processes: HostProcess[] = [];
  const otherPids: number[] = [];
  let stopSwitch: (() => Promise<void>) | undefined;
  let controller: Controller | undefined;
  let outcome: Omit<NamespaceScenarioResult, "teardown"> | undefined;
  let failure: unknown;
  let teardown: Leftovers | undefined;
  try {
    // The switch first: the bridges need its wires, the controller its gRPC port.
    let grpcAddress: string;
    if (target === "model") {
      const hosts = new Map(ports.map((p) => [p, { ip: "127.0.0.1", port: bridgeBase + p }]));
      const sw = await startSwitchRuntime({ ports, hosts });
      stopSwitch = () => sw.stop();
      grpcAddress = sw.grpcAddress;
      await netUp(topo, { bridge: (p) => ({ wireAddress: { host: "127.0.0.1", port: sw.wire(p).port }, bridgePort: bridgeBase + p }) });
      otherPids.push(...bridgePids(plan.prefix));
    } else {
      await netUp(topo);
      const launched = await launchSimpleSwitchGrpc({
        interfaces: topo.hosts.map((h) => ({ port: h.switchPort, iface: `${plan.prefix}p${h.switchPort}` })),
        grpcAddress: `127.0.0.1:${await freeTcpPort()}`,
        thriftPort: await freeTcpPort(),
      });
      if (launched.kind !== "running") throw new NetError(launched.message);
      if (launched.process.pid !== undefined) otherPids.push(launched.process.pid);
      stopSwitch = () => launched.stop();
      grpcAddress = launched.grpcAddress;
    }
    log(`switch (${target}) at ${grpcAddress}; ${topo.hosts.length} namespace hosts up`);

    for (let id = 1; id <= plan.servers; id++) {
      const args = ["server", "--id", String(id), "--insecure", "--bind", serverAddress(serverId(id)).ip, "--mgmt-ip", serverMgmtIp(plan, id), "--version-check-ms", "500", "--peer-timeout-ms", "150", "--peer-retries", "3"];
      processes.push(HostProcess.start(`server ${id}`, execArgv(topo, serverHostName(id), [process.execPath, SLB_BIN, ...args])));
    }
    await Promise.all(processes.map((p, i) => p.waitForLine((l) => l.startsWith(`slb server ${i + 1}:`), STARTUP_TIMEOUT_MS)));
    const serverProcs = [...processes];
    log(`servers up: pids ${serverProcs.map((p) => p.pid).join(", ")}`);

    const topology = lbControllerTopology(plan, { grpcAddress }, { health: HEALTH, responseTimeoutUs: DATA_PLANE_TIMEOUT_US });
    const ctl = new Controller({ topology, pipeline: program.pipeline, reconnect: { initialMs: 50, maxMs: 500 } });
    controller = ctl;
    await ctl.start(STARTUP_TIMEOUT_MS);
    await waitUntil(`the controller to see ${plan.servers} servers up`, () => ctl.status().servers.up >= plan.servers, STARTUP_TIMEOUT_MS);
    await ctl.idle();
    log("controller has every server up");
    await opts.onUp?.({ prefix: plan.prefix, serverPids: serverProcs.map((p) => p.pid) });

    const live = new Set(Array.from({ length: plan.servers }, (_, i) => i + 1));
    let loadStart = 0;
    const ledger = new SessionLedger(() => [...live], () => [], () => performance.now() - loadStart);
    const loadArgs = ["--vip", `${VIP.ip}:${VIP.port}`, "--sessions", String(opts.sessions ?? 8), "--duration-ms", String(durationMs), "--seed", String(opts.seed ?? 1)];
    const load = HostProcess.start("load generator", execArgv(topo, clientHostName(0), nodeScriptArgv("testbench/src/realnet/load_gen.ts", loadArgs)));
    processes.push(load);
    let done = false;
    load.onLine((line) => {
      // Only the generator's own event lines; anything else on stdout is not ours to interpret.
      if (!line.startsWith("{")) return;
      const event = JSON.parse(line) as LoadEvent;
      switch (event.t) {
        case "answer":
          ledger.answer({ ...event, sessionId: BigInt(event.sessionId), client: 0 });
          break;
        case "unanswered":
          ledger.unanswered(BigInt(event.sessionId));
          break;
        case "final":
          ledger.verify(BigInt(event.sessionId), event.counter);
          break;
        case "done":
          done = true;
          break;
        case "ready":
          break;
      }
    });
    await load.waitForLine((l) => l.includes('"t":"ready"'), STARTUP_TIMEOUT_MS);
    loadStart = performance.now();
    await new Promise((r) => setTimeout(r, killAtMs));
    await serverProcs[killed - 1]!.kill("SIGKILL");
    live.delete(killed);
    const killedAtMs = Math.round(performance.now() - loadStart);
    log(`killed server ${killed} (SIGKILL) at ${killedAtMs} ms`);
    const status = await withTimeout(load.exited, durationMs + LOAD_GRACE_MS, `the load generator did not finish within ${LOAD_GRACE_MS} ms of its run time`);
    const loadMs = Math.round(performance.now() - loadStart);
    if (!done) throw new Error(`the load generator exited (code ${status.code}) without finishing; stderr: ${load.stderr || "(empty)"}`);
    const violations = ledger.violations.map(describeViolation);
    let inDoubt = 0;
    for (const r of ledger.sessions.values()) inDoubt += r.inDoubt;
    outcome = {
      target,
      servers: plan.servers,
      sessions: ledger.sessions.size,
      acked: ledger.totalAcked(),
      failovers: ledger.failovers,
      retries: ledger.retried,
      killedServer: killed,
      killedAtMs,
      lostSessions: ledger.lostSessions(),
      violations,
      inDoubt,
      loadMs,
      passed: violations.length === 0 && ledger.totalAcked() > 0 && ledger.sessions.size === (opts.sessions ?? 8),
    };
  } catch (err) {
    failure = err;
  } finally {
    controller?.stop();
    for (const p of processes) await p.kill("SIGKILL");
    const pids = [...processes.map((p) => p.pid), ...otherPids];
    const namespaceProcesses = (await Promise.all(topo.hosts.map((h) => namespacePids(`${plan.prefix}-${h.name}`)))).flat();
    await netDown(plan.prefix);
    await stopSwitch?.();
    // The bridges get SIGTERM from netDown; give them a moment to go.
    await waitUntil("the frame bridges to exit", () => otherPids.every((pid) => !processAlive(pid)), 2000).catch(() => undefined);
    teardown = await leftovers(plan.prefix, [...pids, ...namespaceProcesses]);
  }
  // A failed run still reports what its teardown left behind (the tests check it is nothing).
  if (failure !== undefined) throw Object.assign(failure instanceof Error ? failure : new Error(String(failure)), { teardown });
  if (!outcome) throw new Error("the scenario ended without an outcome");
  const clean = teardown.namespaces.length + teardown.links.length + teardown.processes.length === 0;
  return { ...outcome, passed: outcome.passed && clean, teardown };
}
