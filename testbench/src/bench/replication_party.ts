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
import { type Cookie, MessageType, SESSION_HEADER_BYTES, SESSION_MAGIC, type SessionId, encodeSessionMessage, serverId } from "../../../runtime/src/wire/session_header.ts";

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
  | { readonly kind: "drive"; readonly target: Endpoint; readonly sessions: number; readonly ms: number; readonly warmupMs: number }
  /** Start counting CPU time here (the servers' setup is not the replication's cost). */
  | { readonly kind: "mark" }
  | { readonly kind: "stop" };

export type PartyEvent =
  | { readonly kind: "ready"; readonly data: Endpoint; readonly peer: Endpoint }
  /** The client's warm-up is over: the measured part starts now. */
  | { readonly kind: "warm" }
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

/** Load run before the measured `ms`, uncounted: the first second of a fresh process is mostly the JIT compiling its hot paths. */
export interface Warmup {
  readonly ms: number;
  /** Called when the measured part starts. */
  readonly done: () => void;
}

/**
 * Long: a timed-out request is sent again as a new one, which on a slow (loaded) machine with
 * large sessions only piles duplicate writes onto the queue the first one is still in.
 */
const ANSWER_TIMEOUT_MS = 10_000;

/**
 * Keeps one incr outstanding per session against `target` for `ms`; `onAnswer` sees every
 * acknowledged version. Lean on purpose, so the client is not what limits the figure: one
 * socket (batched where the addon is built, as the servers'), one request buffer per session
 * rewritten in place, answers matched by request id without a promise or timer per request
 * (one sweep ends overdue ones).
 */
export async function drive(target: Endpoint, sessions: number, ms: number, onAnswer?: (id: SessionId, version: number) => void, warmup?: Warmup): Promise<Driven> {
  const socket = await openUdpTransport({ ip: "127.0.0.1", port: 0 });
  const ids = Array.from({ length: sessions }, () => randomBytes(8).readBigUInt64BE() as SessionId);
  const payload = new TextEncoder().encode("incr c");
  // Field offsets in the session header (wire/session_header.ts): cookie 4, version 16, request id 20.
  const requests = ids.map((sessionId) => Buffer.from(encodeSessionMessage({ type: MessageType.Request, flags: 0, cookie: 0 as Cookie, sessionId, sessionVersion: 0, requestId: 0 }, payload)));
  const outstanding = new Array<number>(sessions).fill(0);
  const sentAt = new Array<number>(sessions).fill(0);
  let nextRequestId = 1;
  let updates = 0;
  let timeouts = 0;
  let running = true;
  const send = (i: number): void => {
    // Request ids name their session: id % sessions is its index.
    const id = nextRequestId * sessions + i;
    nextRequestId++;
    outstanding[i] = id;
    sentAt[i] = performance.now();
    requests[i]!.writeUInt32BE(id >>> 0, 20);
    socket.send(target, requests[i]!);
  };
  const ackedVersion = new Array<number>(sessions).fill(0);
  // Fields read in place (wire/session_header.ts: magic 0, version/type 2, cookie 4, version 16, request id 20): no header object per answer.
  socket.onReceive((_src, bytes) => {
    if (bytes.length < SESSION_HEADER_BYTES || bytes[0] !== SESSION_MAGIC >> 8 || bytes[1] !== (SESSION_MAGIC & 0xff) || (bytes[2]! & 0x0f) !== MessageType.Response) return;
    const view = new DataView(bytes.buffer, bytes.byteOffset, SESSION_HEADER_BYTES);
    const requestId = view.getUint32(20);
    const i = requestId % sessions;
    if (outstanding[i] !== requestId || !running) return;
    outstanding[i] = 0;
    const version = view.getUint32(16);
    requests[i]!.writeUInt32BE(view.getUint32(4), 4);
    requests[i]!.writeUInt32BE(version, 16);
    ackedVersion[i] = version;
    onAnswer?.(ids[i]!, version);
    updates++;
    send(i);
  });
  const sweep = setInterval(() => {
    const now = performance.now();
    for (let i = 0; i < sessions; i++) {
      if (outstanding[i] === 0 || now - sentAt[i]! < ANSWER_TIMEOUT_MS) continue;
      timeouts++;
      send(i);
    }
  }, 1000);
  for (let i = 0; i < sessions; i++) send(i);
  if (warmup) {
    await new Promise((r) => setTimeout(r, warmup.ms));
    updates = 0;
    warmup.done();
  }
  const started = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  running = false;
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sweep);
  await socket.close();
  const acked = new Map<SessionId, number>();
  ackedVersion.forEach((version, i) => {
    if (version > 0) acked.set(ids[i]!, version);
  });
  return { updates, seconds, timeouts, acked };
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
            const warmup: Warmup = {
              ms: command.warmupMs,
              done: () => {
                mark = process.cpuUsage();
                send({ kind: "warm" });
              },
            };
            const driven = await drive(command.target, command.sessions, command.ms, undefined, warmup);
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
