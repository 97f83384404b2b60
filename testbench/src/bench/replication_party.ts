/**
 * One party of the replication throughput bench in its own process (forked by replication.ts),
 * so the primary, the secondary and the load client each get a core's share as separate
 * servers would: a session server, or the client that keeps one "incr" outstanding per session.
 * Talks to the parent over IPC: PartyCommand in, PartyEvent out.
 */
import { randomBytes } from "node:crypto";
import type { SessionApp } from "../../../runtime/src/session/app.ts";
import { type ServerSecurity, createServer } from "../../../runtime/src/session/create.ts";
import type { ReplicationMode, SessionServer } from "../../../runtime/src/session/server.ts";
import type { Endpoint } from "../../../runtime/src/transport/endpoint.ts";
import { openUdpTransport } from "../../../runtime/src/transport/udp.ts";
import type { MemberServer } from "../../../runtime/src/wire/control.ts";
import { type Cookie, MessageType, type SessionId, decodeSessionMessage, encodeSessionMessage, serverId } from "../../../runtime/src/wire/session_header.ts";

export interface ServerSpec {
  readonly id: number;
  readonly mode: ReplicationMode;
  readonly transport: "stream" | "datagram";
  readonly security: ServerSecurity;
  /** State bytes per session; undefined: the key-value app. */
  readonly stateBytes?: number;
}

export type PartyCommand =
  | { readonly kind: "server"; readonly spec: ServerSpec }
  | { readonly kind: "membership"; readonly servers: readonly MemberServer[] }
  | { readonly kind: "drive"; readonly target: Endpoint; readonly sessions: number; readonly ms: number }
  /** Start counting CPU time here (the servers' setup is not the replication's cost). */
  | { readonly kind: "mark" }
  | { readonly kind: "stop" };

export type PartyEvent =
  | { readonly kind: "ready"; readonly data: Endpoint; readonly peer: Endpoint }
  | { readonly kind: "driven"; readonly updates: number; readonly seconds: number; readonly timeouts: number }
  /** cpuMs: CPU time (user + system) of this process since the mark. */
  | { readonly kind: "stopped"; readonly cpuMs: number; readonly stats: Record<string, unknown> }
  | { readonly kind: "failed"; readonly message: string };

/** An app whose state is `bytes` long: "incr" bumps a counter in its first 8 bytes and rewrites the rest, as a real session write would. */
export function paddedApp(bytes: number): SessionApp {
  return {
    initialState: () => new Uint8Array(bytes),
    handle(_payload, state) {
      const next = new Uint8Array(bytes);
      next.set(state.subarray(0, bytes));
      const view = new DataView(next.buffer);
      const counter = view.getBigUint64(0) + 1n;
      view.setBigUint64(0, counter);
      return { kind: "write", response: new TextEncoder().encode(String(counter)), state: next };
    },
  };
}

export function startBenchServer(spec: ServerSpec): Promise<SessionServer> {
  return createServer({
    id: serverId(spec.id),
    security: spec.security,
    peerTransport: spec.transport,
    replication: spec.mode,
    dataPort: 0,
    peerPort: 0,
    mgmtPort: 0,
    versionCheckIntervalMs: 0,
    expiryIntervalMs: 0,
    maxBytes: 1 << 30,
    ...(spec.stateBytes === undefined ? {} : { app: paddedApp(spec.stateBytes) }),
  });
}

export interface Driven {
  readonly updates: number;
  readonly seconds: number;
  readonly timeouts: number;
  /** Highest version acknowledged per session. */
  readonly acked: Map<SessionId, number>;
}

/**
 * Long: a timed-out request is sent again as a new one, which on a slow (loaded) machine with
 * large sessions only piles duplicate writes onto the queue the first one is still in.
 */
const ANSWER_TIMEOUT_MS = 10_000;

/** Keeps one incr outstanding per session against `target` for `ms`; `onAnswer` sees every acknowledged version. */
export async function drive(target: Endpoint, sessions: number, ms: number, onAnswer?: (id: SessionId, version: number) => void): Promise<Driven> {
  const client = await openUdpTransport();
  const payload = new TextEncoder().encode("incr c");
  const cookies = new Map<SessionId, Cookie>();
  const acked = new Map<SessionId, number>();
  const waiting = new Map<number, (version: number, cookie: Cookie) => void>();
  let requestId = 1;
  let timeouts = 0;
  client.onReceive((_src, bytes) => {
    const decoded = decodeSessionMessage(bytes);
    if (!decoded.ok || decoded.message.header.type !== MessageType.Response) return;
    const h = decoded.message.header;
    waiting.get(h.requestId)?.(h.sessionVersion, h.cookie);
    waiting.delete(h.requestId);
  });
  let updates = 0;
  let running = true;
  const started = performance.now();
  const loop = async (sessionId: SessionId): Promise<void> => {
    while (running) {
      const id = requestId++;
      const answer = new Promise<{ version: number; cookie: Cookie } | undefined>((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          timeouts++;
          resolve(undefined);
        }, ANSWER_TIMEOUT_MS);
        waiting.set(id, (version, cookie) => {
          clearTimeout(timer);
          resolve({ version, cookie });
        });
      });
      const header = { type: MessageType.Request, flags: 0, cookie: cookies.get(sessionId) ?? (0 as Cookie), sessionId, sessionVersion: acked.get(sessionId) ?? 0, requestId: id } as const;
      client.send(target, encodeSessionMessage(header, payload));
      const got = await answer;
      if (!got || !running) continue;
      cookies.set(sessionId, got.cookie);
      acked.set(sessionId, got.version);
      onAnswer?.(sessionId, got.version);
      updates++;
    }
  };
  const ids = Array.from({ length: sessions }, () => randomBytes(8).readBigUInt64BE() as SessionId);
  const loops = ids.map(loop);
  await new Promise((r) => setTimeout(r, ms));
  running = false;
  const seconds = (performance.now() - started) / 1000;
  const counted = updates;
  for (const resolve of waiting.values()) resolve(0, 0 as Cookie);
  await Promise.all(loops);
  await client.close();
  return { updates: counted, seconds, timeouts, acked };
}

async function serveCommands(): Promise<void> {
  let server: SessionServer | undefined;
  let mark = process.cpuUsage();
  const send = (event: PartyEvent): void => void process.send!(event);
  process.on("message", (command: PartyCommand) => {
    void (async () => {
      try {
        switch (command.kind) {
          case "server":
            server = await startBenchServer(command.spec);
            send({ kind: "ready", data: server.dataEndpoint, peer: server.peerEndpoint });
            return;
          case "membership":
            server?.setMembership(1, command.servers);
            return;
          case "drive": {
            const driven = await drive(command.target, command.sessions, command.ms);
            send({ kind: "driven", updates: driven.updates, seconds: driven.seconds, timeouts: driven.timeouts });
            return;
          }
          case "mark":
            mark = process.cpuUsage();
            return;
          case "stop": {
            const cpu = process.cpuUsage(mark);
            await server?.close();
            send({ kind: "stopped", cpuMs: (cpu.user + cpu.system) / 1000, stats: { ...server?.stats, peer: server?.peerLink.counters } });
            process.disconnect();
            return;
          }
        }
      } catch (err) {
        send({ kind: "failed", message: String(err) });
      }
    })();
  });
}

if (process.send && process.argv.includes("--bench-party")) void serveCommands();
