/**
 * Replication throughput between one server pair, without the switch: two session servers on
 * kernel sockets and a client sending "incr" straight to the primary with one request
 * outstanding per session, each in its own process (replication_party.ts), as deployed servers
 * are. Sync: every answer waits for the secondary. Async: answers first; the loss window (measured
 * in one process, where both ends share a clock) is how far the secondary trails the answers.
 *
 * Transports side by side: the peer stream with mutual TLS (the default), and the legacy JSON
 * datagram protocol, which only carries sessions that fit one datagram (up to 12 KiB).
 * Session sizes: the key-value app's few bytes ("small"), and 1 KiB, 16 KiB and 256 KiB states.
 */
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../../bmv2/src/package_root.ts";
import { generateDevCluster } from "../../../runtime/src/auth/dev_ca.ts";
import type { ServerSecurity } from "../../../runtime/src/session/create.ts";
import type { ReplicationMode } from "../../../runtime/src/session/server.ts";
import type { MemberServer } from "../../../runtime/src/wire/control.ts";
import { serverId } from "../../../runtime/src/wire/session_header.ts";
import { percentile } from "../system/metrics.ts";
import { type PartyCommand, type PartyEvent, type ServerSpec, drive, startBenchServer } from "./replication_party.ts";
import type { Measurement } from "./report.ts";

export type Transport = "stream" | "datagram";

export interface Variant {
  readonly transport: Transport;
  /** State bytes per session; undefined: the key-value app's own (a few bytes). */
  readonly stateBytes?: number;
}

/** Uncounted load before each measurement (JIT warm-up, connections up, buffers grown). */
const WARMUP_MS = 500;

const SIZES: readonly (number | undefined)[] = [undefined, 1024, 16 * 1024, 256 * 1024];
/** What the legacy datagram protocol can carry (a record must fit one datagram). */
const DATAGRAM_SIZES: readonly (number | undefined)[] = [undefined, 1024];

let credentials: Promise<string> | undefined;
function clusterCredentials(): Promise<string> {
  credentials ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "slb-bench-ca-"));
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    await generateDevCluster({ dir, servers: [serverId(1), serverId(2)] });
    return dir;
  })();
  return credentials;
}

async function securityFor(transport: Transport): Promise<ServerSecurity> {
  return transport === "stream" ? { kind: "mtls", dir: await clusterCredentials() } : { kind: "insecure" };
}

class Party {
  private readonly events: PartyEvent[] = [];
  private waiter: (() => void) | undefined;
  /** The server's counters, from its last `stopped` event. */
  lastStats: Record<string, unknown> | undefined;

  private constructor(private readonly child: ChildProcess) {
    child.on("message", (event: PartyEvent) => {
      this.events.push(event);
      this.waiter?.();
    });
  }

  static start(): Party {
    // From the package root, so the bundled CLI (dist/) finds the source file too.
    const file = join(packageRoot(import.meta.url), "testbench/src/bench/replication_party.ts");
    // SLB_BENCH_PARTY_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=prof") profiles each party.
    const extra = process.env.SLB_BENCH_PARTY_NODE_ARGS?.split(" ").filter((a) => a !== "") ?? [];
    return new Party(fork(file, ["--bench-party"], { execArgv: ["--import=tsx", ...extra], stdio: ["ignore", "inherit", "inherit", "ipc"] }));
  }

  send(command: PartyCommand): void {
    this.child.send(command);
  }

  async next<K extends PartyEvent["kind"]>(kind: K): Promise<Extract<PartyEvent, { kind: K }>> {
    for (;;) {
      const i = this.events.findIndex((e) => e.kind === kind || e.kind === "failed");
      if (i >= 0) {
        const [event] = this.events.splice(i, 1);
        if (event!.kind === "failed") throw new Error(`bench party failed: ${event!.message}`);
        return event as Extract<PartyEvent, { kind: K }>;
      }
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  /** Stops the party; its CPU time since the mark, when it could say. */
  async stop(): Promise<number | undefined> {
    if (this.child.exitCode !== null) return undefined;
    const exited = once(this.child, "exit");
    if (!this.child.connected) {
      this.child.kill();
      await exited;
      return undefined;
    }
    this.send({ kind: "stop" });
    const timer = setTimeout(() => this.child.kill(), 5000);
    const stopped = await Promise.race([this.next("stopped"), exited.then(() => undefined)]).catch(() => undefined);
    await exited;
    clearTimeout(timer);
    this.lastStats = stopped?.stats;
    return stopped?.cpuMs;
  }
}

function sizeLabel(stateBytes: number | undefined): string {
  return stateBytes === undefined ? "" : `, ${stateBytes / 1024} KiB sessions`;
}

function metricName(mode: ReplicationMode, variant: Variant, sessions: number): string {
  const transport = variant.transport === "stream" ? "" : ", old datagram transport";
  return `${mode} updates/s (one pair, ${sessions} sessions${sizeLabel(variant.stateBytes)}${transport})`;
}

/** Primary, secondary and client as three processes; the client's answered updates per second. */
export async function measureVariant(mode: ReplicationMode, variant: Variant, sessions: number, ms: number): Promise<Measurement> {
  const security = await securityFor(variant.transport);
  const parties = [Party.start(), Party.start(), Party.start()] as const;
  const [primary, secondary, client] = parties;
  try {
    const specs: ServerSpec[] = [1, 2].map((id) => ({ id, mode, transport: variant.transport, security, stateBytes: variant.stateBytes }));
    primary.send({ kind: "server", spec: specs[0]! });
    secondary.send({ kind: "server", spec: specs[1]! });
    const ready = await Promise.all([primary.next("ready"), secondary.next("ready")]);
    const members: MemberServer[] = ready.map((r, i) => ({ id: i + 1, address: "127.0.0.1", dataPort: r.data.port, peerPort: r.peer.port, state: "up" }));
    primary.send({ kind: "membership", servers: members });
    secondary.send({ kind: "membership", servers: members });
    client.send({ kind: "drive", target: ready[0]!.data, sessions, ms, warmupMs: WARMUP_MS });
    await client.next("warm");
    primary.send({ kind: "mark" });
    secondary.send({ kind: "mark" });
    const driven = await client.next("driven");
    const [primaryCpu, secondaryCpu, clientCpu] = await Promise.all(parties.map((p) => p.stop()));
    const peer = primary.lastStats?.peer as { requestsSent: number; framesSent: number } | undefined;
    // CPU per update is what the machine's load does not change: it bounds the rate on an idle core.
    const perUpdate = (cpuMs: number | undefined): number | undefined => (cpuMs === undefined ? undefined : Math.round((cpuMs * 1000) / Math.max(1, driven.updates) * 10) / 10);
    return {
      metric: metricName(mode, variant, sessions),
      value: driven.updates / driven.seconds,
      unit: "updates/s",
      detail: {
        transport: variant.transport,
        stateBytes: variant.stateBytes ?? "kv",
        updates: driven.updates,
        clientTimeouts: driven.timeouts,
        requestsPerFrame: peer && peer.framesSent > 0 ? Math.round((peer.requestsSent / peer.framesSent) * 10) / 10 : undefined,
        cpuMicrosPerUpdate: { primary: perUpdate(primaryCpu), secondary: perUpdate(secondaryCpu), client: perUpdate(clientCpu) },
      },
    };
  } finally {
    await Promise.all(parties.map((p) => p.stop()));
  }
}

/** In one process, so answer and apply times share a clock: how long after its answer the secondary applies an update. */
async function asyncLag(sessions: number, ms: number): Promise<Measurement[]> {
  const security = await securityFor("stream");
  const [primary, secondary] = await Promise.all([1, 2].map((id) => startBenchServer({ id, mode: "async", transport: "stream", security })));
  try {
    const members: MemberServer[] = [primary!, secondary!].map((s) => ({ id: s.id, address: "127.0.0.1", dataPort: s.dataEndpoint.port, peerPort: s.peerEndpoint.port, state: "up" }));
    primary!.setMembership(1, members);
    secondary!.setMembership(1, members);
    const answeredAt = new Map<string, number>();
    const lags: number[] = [];
    const put = secondary!.store.put.bind(secondary!.store);
    secondary!.store.put = (record) => {
      const outcome = put(record);
      const at = answeredAt.get(`${record.id}:${record.version}`);
      if (outcome.kind === "applied" && at !== undefined) lags.push(performance.now() - at);
      return outcome;
    };
    await drive(primary!.dataEndpoint, sessions, ms, (id, version) => answeredAt.set(`${id}:${version}`, performance.now()));
    if (lags.length === 0) return [];
    return [
      { metric: "async loss window p50 (answer -> secondary applied)", value: percentile(lags, 50)!, unit: "ms", detail: { samples: lags.length } },
      { metric: "async loss window p99", value: percentile(lags, 99)!, unit: "ms" },
    ];
  } finally {
    await Promise.all([primary!.close(), secondary!.close()]);
  }
}

/** Every size on the stream, and the sizes the datagram protocol carries on it, side by side. */
export async function replicationThroughput(mode: ReplicationMode, sessions = 64, ms = 2000): Promise<Measurement[]> {
  const out: Measurement[] = [];
  for (const stateBytes of SIZES) {
    out.push(await measureVariant(mode, { transport: "stream", stateBytes }, sessions, ms));
    if (DATAGRAM_SIZES.includes(stateBytes)) out.push(await measureVariant(mode, { transport: "datagram", stateBytes }, sessions, ms));
  }
  if (mode === "async") out.push(...(await asyncLag(sessions, ms)));
  return out;
}

/**
 * Crashes the primary (sockets closed at once, queued copies never sent) while the client is
 * running and counts acknowledged updates the secondary never got.
 */
export async function asyncLossWindow(sessions = 64, ms = 1000): Promise<Measurement[]> {
  const security = await securityFor("stream");
  const [primary, secondary] = await Promise.all([1, 2].map((id) => startBenchServer({ id, mode: "async", transport: "stream", security })));
  const members: MemberServer[] = [primary!, secondary!].map((s) => ({ id: s.id, address: "127.0.0.1", dataPort: s.dataEndpoint.port, peerPort: s.peerEndpoint.port, state: "up" }));
  primary!.setMembership(1, members);
  secondary!.setMembership(1, members);
  const crashAfter = new Promise<void>((resolve) => setTimeout(resolve, ms));
  const driving = drive(primary!.dataEndpoint, sessions, ms + 50);
  await crashAfter;
  await primary!.abort();
  const driven = await driving;
  let lostUpdates = 0;
  let sessionsBehind = 0;
  for (const [id, version] of driven.acked) {
    const held = secondary!.store.get(id)?.record.version ?? 0;
    if (held < version) {
      lostUpdates += version - held;
      sessionsBehind++;
    }
  }
  await Promise.all([primary!.close(), secondary!.close()]);
  const rate = driven.updates / driven.seconds;
  return [
    { metric: "async: acked updates lost, primary crashed under load", value: lostUpdates, unit: "updates", detail: { sessions, sessionsBehind, ratePerSec: Math.round(rate) } },
    { metric: "async: sessions behind after that crash", value: sessionsBehind, unit: `of ${driven.acked.size}` },
  ];
}
