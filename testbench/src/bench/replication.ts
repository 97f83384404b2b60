/**
 * Replication throughput between one server pair, without the switch: two session servers on
 * kernel UDP, a client sending "incr" straight to the primary with many sessions outstanding.
 * Sync: every answer waits for the secondary. Async: answers first; the loss window is how far
 * the secondary trails the acknowledged updates when the primary dies abruptly under load.
 */
import { randomBytes } from "node:crypto";
import { SessionServer, type ReplicationMode } from "../../../runtime/src/session/server.ts";
import type { DatagramTransport } from "../../../runtime/src/transport/datagram.ts";
import { openUdpTransport } from "../../../runtime/src/transport/udp.ts";
import type { MemberServer } from "../../../runtime/src/wire/control.ts";
import { type Cookie, MessageType, type ServerId, type SessionId, decodeSessionMessage, encodeSessionMessage } from "../../../runtime/src/wire/session_header.ts";
import { percentile } from "../system/metrics.ts";
import type { Measurement } from "./report.ts";

interface Pair {
  readonly primary: SessionServer;
  readonly secondary: SessionServer;
  readonly primaryTransports: readonly DatagramTransport[];
}

async function startPair(mode: ReplicationMode): Promise<Pair> {
  const t = await Promise.all([openUdpTransport(), openUdpTransport(), openUdpTransport(), openUdpTransport()]);
  const [dataA, peerA, dataB, peerB] = t as [DatagramTransport, DatagramTransport, DatagramTransport, DatagramTransport];
  const members: MemberServer[] = [
    { id: 1, address: "127.0.0.1", dataPort: dataA.local.port, peerPort: peerA.local.port, state: "up" },
    { id: 2, address: "127.0.0.1", dataPort: dataB.local.port, peerPort: peerB.local.port, state: "up" },
  ];
  const common = { replication: mode, membership: { epoch: 1, servers: members }, versionCheckIntervalMs: 0, expiryIntervalMs: 0 } as const;
  const primary = new SessionServer({ ...common, id: 1 as ServerId, data: dataA, peer: peerA });
  const secondary = new SessionServer({ ...common, id: 2 as ServerId, data: dataB, peer: peerB });
  return { primary, secondary, primaryTransports: [dataA, peerA] };
}

interface Driven {
  readonly updates: number;
  readonly seconds: number;
  /** Highest version acknowledged per session. */
  readonly acked: Map<SessionId, number>;
  /** Answer time per (session, version), for the replication lag. */
  readonly answeredAt: Map<string, number>;
}

/** Keeps one incr outstanding per session against the primary for `ms`. */
async function drive(pair: Pair, sessions: number, ms: number, answeredAt = new Map<string, number>()): Promise<Driven> {
  const client = await openUdpTransport();
  const payload = new TextEncoder().encode("incr c");
  const cookies = new Map<SessionId, Cookie>();
  const acked = new Map<SessionId, number>();
  const waiting = new Map<number, (version: number, cookie: Cookie) => void>();
  let requestId = 1;
  client.onReceive((_src, bytes) => {
    const decoded = decodeSessionMessage(bytes);
    if (!decoded.ok || decoded.message.header.type !== MessageType.Response) return;
    const h = decoded.message.header;
    waiting.get(h.requestId)?.(h.sessionVersion, h.cookie);
    waiting.delete(h.requestId);
  });
  const target = pair.primary.dataEndpoint;
  let updates = 0;
  let running = true;
  const started = performance.now();
  const loop = async (sessionId: SessionId): Promise<void> => {
    while (running) {
      const id = requestId++;
      const answer = new Promise<{ version: number; cookie: Cookie } | undefined>((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          resolve(undefined);
        }, 500);
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
      answeredAt.set(`${sessionId}:${got.version}`, performance.now());
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
  return { updates: counted, seconds, acked, answeredAt };
}

export async function replicationThroughput(mode: ReplicationMode, sessions = 64, ms = 2000): Promise<Measurement[]> {
  const pair = await startPair(mode);
  try {
    const lags: number[] = [];
    const answeredAt = new Map<string, number>();
    if (mode === "async") {
      // Time from the client's answer to the secondary applying that version: the window in
      // which a primary crash loses an acknowledged update.
      const put = pair.secondary.store.put.bind(pair.secondary.store);
      pair.secondary.store.put = (record) => {
        const outcome = put(record);
        const at = answeredAt.get(`${record.id}:${record.version}`);
        if (outcome.kind === "applied" && at !== undefined) lags.push(performance.now() - at);
        return outcome;
      };
    }
    const driven = await drive(pair, sessions, ms, answeredAt);
    const out: Measurement[] = [{ metric: `${mode} updates/s (one pair, ${sessions} sessions)`, value: driven.updates / driven.seconds, unit: "updates/s" }];
    if (mode === "async" && lags.length > 0) {
      out.push({ metric: "async loss window p50 (answer -> secondary applied)", value: percentile(lags, 50)!, unit: "ms", detail: { samples: lags.length } });
      out.push({ metric: "async loss window p99", value: percentile(lags, 99)!, unit: "ms" });
    }
    return out;
  } finally {
    await Promise.all([pair.primary.close(), pair.secondary.close()]);
  }
}

/**
 * Crashes the primary (its sockets closed without waiting for background replication) while the
 * client is running and counts acknowledged updates the secondary never got.
 */
export async function asyncLossWindow(sessions = 64, ms = 1000): Promise<Measurement[]> {
  const pair = await startPair("async");
  const crashAfter = new Promise<void>((resolve) => setTimeout(resolve, ms));
  const driving = drive(pair, sessions, ms + 50);
  await crashAfter;
  await Promise.all(pair.primaryTransports.map((t) => t.close()));
  const driven = await driving;
  let lostUpdates = 0;
  let sessionsBehind = 0;
  for (const [id, version] of driven.acked) {
    const held = pair.secondary.store.get(id)?.record.version ?? 0;
    if (held < version) {
      lostUpdates += version - held;
      sessionsBehind++;
    }
  }
  await Promise.all([pair.primary.close(), pair.secondary.close()]);
  const rate = driven.updates / driven.seconds;
  return [
    // The crashed primary's last puts are already in the kernel when its sockets close, so an
    // in-process crash loses little; the window above is what a machine crash would lose.
    { metric: "async: acked updates lost, primary sockets closed under load", value: lostUpdates, unit: "updates", detail: { sessions, sessionsBehind, ratePerSec: Math.round(rate) } },
    { metric: "async: sessions behind after that crash", value: sessionsBehind, unit: `of ${driven.acked.size}` },
  ];
}
