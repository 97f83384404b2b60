/**
 * Test rig without a switch: servers on ephemeral kernel-UDP ports, and a tiny "VIP" forwarder
 * that makes the switch's routing decision in TypeScript (cookie 0: hash over live servers;
 * named primary live: forward; otherwise a new primary that is not the secondary, FAILOVER set)
 * and relays the answers back, as the switch's DNAT/SNAT would.
 */
import { createHash } from "node:crypto";
import { SessionClient } from "../../src/client/session_client.ts";
import { type SessionServer, type SessionServerOptions } from "../../src/session/server.ts";
import { type CreateServerOptions, createServer } from "../../src/session/create.ts";
import type { DatagramTransport } from "../../src/transport/datagram.ts";
import type { Endpoint } from "../../src/transport/endpoint.ts";
import { openUdpTransport } from "../../src/transport/udp.ts";
import { testCredentials } from "./credentials.ts";
import type { MemberServer } from "../../src/wire/control.ts";
import { type DecodedCookie, Flags, type ServerId, type SessionId, type SessionMessage, decodeCookie, decodeSessionMessage, serverId } from "../../src/wire/session_header.ts";

export type ServerTweaks = Partial<Omit<SessionServerOptions, "id" | "data" | "peer" | "mgmt" | "mgmtKey">> & Pick<Partial<CreateServerOptions>, "security" | "peerTransport">;

export interface Cluster {
  readonly servers: Map<number, SessionServer>;
  readonly members: MemberServer[];
  server(id: number): SessionServer;
  /** Stops a server the way a crash does (its sockets go away); the VIP stops using it. */
  kill(id: number): Promise<void>;
  /** Pushes a membership with a new epoch to every running server. */
  setStates(states: Record<number, MemberServer["state"]>): void;
  close(): Promise<void>;
}

/** The legacy datagram peer protocol and unsealed management datagrams, for tests of those protocols themselves. */
export const LEGACY_INSECURE: ServerTweaks = { security: { kind: "insecure" }, peerTransport: "datagram" };

/** Servers run with mutual TLS from a test CA unless a tweak says otherwise. */
export async function startCluster(count: number, tweaks: ServerTweaks = {}, perServer: Record<number, ServerTweaks> = {}): Promise<Cluster> {
  const servers = new Map<number, SessionServer>();
  const security = { kind: "mtls", dir: await testCredentials() } as const;
  for (let i = 1; i <= count; i++) {
    servers.set(
      i,
      await createServer({
        security,
        id: serverId(i),
        dataPort: 0,
        peerPort: 0,
        mgmtPort: 0,
        versionCheckIntervalMs: 0,
        expiryIntervalMs: 0,
        // Generous, so a loaded machine never makes a live peer look dead; tests that kill one wait ~0.5 s.
        peerTimeoutMs: 150,
        peerRetries: 2,
        ...tweaks,
        ...perServer[i],
      }),
    );
  }
  let members: MemberServer[] = [...servers].map(([id, s]) => ({ id, address: "127.0.0.1", dataPort: s.dataEndpoint.port, peerPort: s.peerEndpoint.port, state: "up" }));
  let epoch = 1;
  for (const s of servers.values()) s.setMembership(epoch, members);
  const killed = new Set<number>();
  const cluster: Cluster = {
    servers,
    get members() {
      return members;
    },
    server: (id) => servers.get(id)!,
    async kill(id) {
      killed.add(id);
      await servers.get(id)!.close();
    },
    setStates(states) {
      members = members.map((m) => ({ ...m, state: states[m.id] ?? m.state }));
      epoch++;
      for (const [id, s] of servers) if (!killed.has(id)) s.setMembership(epoch, members);
    },
    async close() {
      await Promise.all([...servers.values()].map((s) => s.close()));
    },
  };
  return cluster;
}

function hashPick(sessionId: SessionId, candidates: readonly number[]): number | undefined {
  const sorted = [...candidates].sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const digest = createHash("sha256").update(sessionId.toString()).digest();
  return sorted[digest.readUInt32BE(0) % sorted.length];
}

export interface TestVip {
  readonly endpoint: Endpoint;
  /** Servers the VIP routes to (the switch's live set). */
  readonly live: Set<number>;
  /** Decisions made, for assertions: where each request went and whether it was failed over. */
  readonly decisions: { sessionId: SessionId; server: number; failover: boolean }[];
  /** Drops the first response this matches, then clears itself (to exercise client retries). */
  dropOnce: ((message: SessionMessage) => boolean) | undefined;
  close(): Promise<void>;
}

export async function startVip(cluster: Cluster): Promise<TestVip> {
  const socket: DatagramTransport = await openUdpTransport();
  const replyTo = new Map<string, Endpoint>();
  const serverByData = new Map<string, number>();
  for (const [id, s] of cluster.servers) serverByData.set(`${s.dataEndpoint.ip}:${s.dataEndpoint.port}`, id);
  const vip: TestVip = {
    endpoint: socket.local,
    live: new Set(cluster.servers.keys()),
    decisions: [],
    dropOnce: undefined,
    close: () => socket.close(),
  };
  socket.onReceive((src, bytes) => {
    const decoded = decodeSessionMessage(bytes);
    if (!decoded.ok) return;
    const { header } = decoded.message;
    const key = `${header.sessionId}:${header.requestId}`;
    if (serverByData.has(`${src.ip}:${src.port}`)) {
      const client = replyTo.get(key);
      if (!client) return;
      if (vip.dropOnce?.(decoded.message)) {
        vip.dropOnce = undefined;
        return;
      }
      socket.send(client, bytes);
      return;
    }
    const live = [...vip.live];
    let target: number | undefined;
    let failover = false;
    if (header.cookie === 0) target = hashPick(header.sessionId, live);
    else {
      const { primary, secondary } = decodeCookie(header.cookie);
      if (vip.live.has(primary)) target = primary;
      else {
        target = hashPick(header.sessionId, live.filter((id) => id !== secondary));
        failover = true;
      }
    }
    if (target === undefined) return;
    vip.decisions.push({ sessionId: header.sessionId, server: target, failover });
    replyTo.set(key, src);
    const out = bytes.slice();
    if (failover) out[3] = out[3]! | Flags.Failover;
    socket.send(cluster.server(target).dataEndpoint, out);
  });
  return vip;
}

export interface ClientTweaks {
  readonly timeoutMs?: number;
  readonly retries?: number;
}

export async function clientFor(vip: TestVip, options: ClientTweaks = {}): Promise<SessionClient> {
  return new SessionClient({ transport: await openUdpTransport(), vip: vip.endpoint, timeoutMs: options.timeoutMs ?? 500, retries: options.retries ?? 3 });
}

export interface RigSetup {
  readonly servers: number;
  readonly tweaks?: ServerTweaks;
  readonly client?: ClientTweaks;
}

export interface Rig {
  readonly cluster: Cluster;
  readonly vip: TestVip;
  readonly client: SessionClient;
}

/** Runs a scenario against a cluster behind the VIP with one client, and closes all three whatever the outcome. */
export async function withRig(setup: RigSetup, scenario: (rig: Rig) => Promise<void>): Promise<void> {
  const cluster = await startCluster(setup.servers, setup.tweaks);
  const vip = await startVip(cluster);
  const client = await clientFor(vip, setup.client);
  try {
    await scenario({ cluster, vip, client });
  } finally {
    await Promise.all([client.close(), vip.close(), cluster.close()]);
  }
}

/** The primary and secondary the client's cookie for this session names. */
export function replicasOf(client: SessionClient, sessionId: SessionId): DecodedCookie {
  return decodeCookie(client.jar.get(sessionId)!.cookie);
}

/** A new session that has taken `increments` "incr n" requests, and the replicas it landed on. */
export async function openSession(client: SessionClient, increments = 1): Promise<DecodedCookie & { id: SessionId }> {
  const id = SessionClient.newSessionId();
  for (let i = 0; i < increments; i++) await client.request(id, "incr n");
  return { id, ...replicasOf(client, id) };
}

/** In a three-server cluster, the one that is neither of a session's replicas. */
export function thirdServer(primary: number, secondary: number): number {
  return [1, 2, 3].find((i) => i !== primary && i !== secondary)!;
}

export interface RawSocket {
  readonly transport: DatagramTransport;
  /** The next datagram received, or undefined after a second of silence (long enough for a loaded machine). */
  next(): Promise<Uint8Array | undefined>;
}

/** A raw socket to talk to a server port directly and collect what comes back. */
export async function rawSocket(): Promise<RawSocket> {
  const transport = await openUdpTransport();
  const queue: Uint8Array[] = [];
  let waiter: ((b: Uint8Array | undefined) => void) | undefined;
  transport.onReceive((_src, bytes) => {
    const copy = bytes.slice();
    if (waiter) {
      const w = waiter;
      waiter = undefined;
      w(copy);
    } else queue.push(copy);
  });
  const next = (): Promise<Uint8Array | undefined> => {
    const queued = queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        waiter = undefined;
        resolve(undefined);
      }, 1000);
      waiter = (b) => {
        clearTimeout(timer);
        resolve(b);
      };
    });
  };
  return { transport, next };
}

/** Runs a scenario that talks to a cluster's ports through a raw socket (no VIP, no client), and closes both. */
export async function withRawSocket(setup: Omit<RigSetup, "client">, scenario: (cluster: Cluster, raw: RawSocket) => Promise<void>): Promise<void> {
  const cluster = await startCluster(setup.servers, setup.tweaks);
  const raw = await rawSocket();
  try {
    await scenario(cluster, raw);
  } finally {
    await raw.transport.close();
    await cluster.close();
  }
}

export function holders(cluster: Cluster, sessionId: SessionId): number[] {
  return [...cluster.servers].filter(([, s]) => s.store.get(sessionId) !== undefined).map(([id]) => id);
}

export function asServer(n: number): ServerId {
  return serverId(n);
}
