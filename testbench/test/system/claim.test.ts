/**
 * The ten claim elements of SPEC.md, each shown end to end on the embedded default: our
 * compiler's JSON on our switch model over UDP wires, the controller over P4Runtime, session
 * servers and clients on userspace host stacks behind switch ports. What is asserted is what
 * crossed the wires, what the switch counted and what each server holds.
 */
import test, { type ExecutionContext } from "ava";
import { Flags, MessageType, decodeCookie, makeCookie, serverId, type ServerId, type SessionId } from "../../../runtime/src/wire/session_header.ts";
import { encodePeer, decodePeer } from "../../../runtime/src/session/peer_protocol.ts";
import { SERVER_PEER_PORT, VIP, serverAddress } from "../../src/system/addressing.ts";
import { readSessionFrame, type SessionFrame } from "../../src/system/frames.ts";
import type { LoadClient } from "../../src/system/handle.ts";
import { SessionLoadClient } from "../../src/system/load_client.ts";
import { type EmbeddedSystem, startEmbeddedSystem } from "../../src/system/orchestrator.ts";

const P = "SessionLbIngress.";

async function withSystem(t: ExecutionContext, seed: number, body: (sys: EmbeddedSystem) => Promise<void>): Promise<void> {
  const sys = await startEmbeddedSystem({ servers: 4, replication: "sync", seed });
  try {
    await body(sys);
  } finally {
    await sys.close();
  }
  t.pass();
}

async function until(what: string, predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Opens `n` sessions with `incrs` increments each; returns their ids. */
async function sessions(client: LoadClient, n: number, incrs = 2): Promise<bigint[]> {
  const ids = Array.from({ length: n }, () => client.newSession());
  await Promise.all(ids.map(async (id) => {
    for (let i = 0; i < incrs; i++) await client.incr(id);
  }));
  return ids;
}

/** The pair the client's cookie names; secondary 0 when the session could not be replicated. */
function pair(client: LoadClient, id: bigint): { primary: ServerId; secondary: ServerId } {
  const c = decodeCookie(client.cookieOf(id));
  return { primary: serverId(c.primary), secondary: c.secondary as ServerId };
}

/** Sessions with a live replica pair (a server under a burst of load may serve one unreplicated for a moment). */
function replicated(client: LoadClient, ids: readonly bigint[]): bigint[] {
  return ids.filter((id) => pair(client, id).secondary !== 0);
}

/** The server that is primary of the most sessions, and those sessions. */
function busiestPrimary(client: LoadClient, ids: readonly bigint[]): { server: ServerId; ids: bigint[] } {
  const by = new Map<ServerId, bigint[]>();
  for (const id of replicated(client, ids)) by.set(pair(client, id).primary, [...(by.get(pair(client, id).primary) ?? []), id]);
  const [server, list] = [...by].sort((a, b) => b[1].length - a[1].length)[0]!;
  return { server, ids: list };
}

function tapSessions(link: { tap: ((d: "to-switch" | "from-switch", f: Uint8Array) => void) | undefined }, direction: "to-switch" | "from-switch"): SessionFrame[] {
  const seen: SessionFrame[] = [];
  link.tap = (d, frame) => {
    if (d !== direction) return;
    const s = readSessionFrame(frame);
    if (s) seen.push(s);
  };
  return seen;
}

function counter(sys: EmbeddedSystem, name: string, index: number): bigint {
  return sys.switchModel().control.counterRead(`${P}stats.${name}`, index).packets;
}

test.serial("1. primary and secondary both hold the session", (t) =>
  withSystem(t, 101, async (sys) => {
    const client = await sys.newClient();
    const ids = replicated(client, await sessions(client, 12, 3));
    t.true(ids.length >= 6, "most sessions are replicated");
    for (const id of ids) {
      const { primary, secondary } = pair(client, id);
      t.not(primary, secondary);
      const onPrimary = sys.serverObject(primary)!.store.get(id as SessionId)?.record;
      const onSecondary = sys.serverObject(secondary)!.store.get(id as SessionId)?.record;
      t.truthy(onPrimary, `primary ${primary} holds session ${id}`);
      t.truthy(onSecondary, `secondary ${secondary} holds session ${id}`);
      t.is(onPrimary!.version, onSecondary!.version);
      t.deepEqual(onSecondary!.state, onPrimary!.state);
      t.is(onSecondary!.primary, primary);
      t.is(onSecondary!.secondary, secondary);
    }
  }));

test.serial("2. the request carries a cookie naming primary and secondary", (t) =>
  withSystem(t, 102, async (sys) => {
    const client = await sys.newClient();
    const [id] = await sessions(client, 1, 1);
    const { primary, secondary } = pair(client, id!);
    const sent = tapSessions(sys.clientLink(client.index), "to-switch");
    const atPrimary = tapSessions(sys.serverLink(primary), "from-switch");
    await client.incr(id!);
    const request = sent.find((f) => f.header.type === MessageType.Request && f.header.sessionId === id);
    t.truthy(request);
    t.is(request!.dstIp, VIP.ip, "the client addresses the VIP, not a server");
    t.deepEqual(decodeCookie(request!.header.cookie), { primary, secondary });
    const delivered = atPrimary.find((f) => f.header.type === MessageType.Request && f.header.requestId === request!.header.requestId);
    t.truthy(delivered, "the switch delivered it to the primary the cookie names");
    t.is(delivered!.dstIp, serverAddress(primary).ip, "DNAT to the primary");
    t.is(delivered!.header.cookie, request!.header.cookie);
  }));

test.serial("3. primary down: the switch picks a new primary that is not the secondary", (t) =>
  withSystem(t, 103, async (sys) => {
    const client = await sys.newClient();
    const ids = await sessions(client, 24, 1);
    const victim = busiestPrimary(client, ids);
    const before = new Map(victim.ids.map((id) => [id, pair(client, id)]));
    const flagged: SessionFrame[] = [];
    for (const s of sys.serverIds.filter((s) => s !== victim.server)) {
      const seen = tapSessions(sys.serverLink(s), "from-switch");
      const originalTap = sys.serverLink(s).tap!;
      sys.serverLink(s).tap = (d, f) => {
        originalTap(d, f);
        const last = seen[seen.length - 1];
        if (last && (last.header.flags & Flags.Failover) !== 0 && !flagged.includes(last)) flagged.push(last);
      };
    }
    await sys.killServer(victim.server);
    await Promise.all(victim.ids.map((id) => client.incr(id)));
    for (const id of victim.ids) {
      const now = pair(client, id);
      t.not(now.primary, victim.server, "a new primary");
      t.not(now.primary, before.get(id)!.secondary, "never the secondary while others live");
    }
    t.true(flagged.length > 0, "requests reached new primaries with the FAILOVER flag set by the switch");
    for (const f of flagged) t.not(serverAddress(before.get(f.header.sessionId)!.secondary).ip, f.dstIp);
    t.true(counter(sys, "server_failovers", victim.server) > 0n, "the switch counted failovers for the dead primary");
  }));

test.serial("4. the secondary sends the session to the new primary, which answers and syncs the secondary", (t) =>
  withSystem(t, 104, async (sys) => {
    const client = await sys.newClient();
    const ids = await sessions(client, 16, 3);
    const victim = busiestPrimary(client, ids);
    const id = victim.ids[0]!;
    const { secondary } = pair(client, id);
    const fromSecondary: { dstIp: string; kind: string }[] = [];
    sys.serverLink(secondary).tap = (d, frame) => {
      if (d !== "to-switch") return;
      const udp = peerDatagram(frame);
      if (!udp || udp.srcPort !== SERVER_PEER_PORT) return;
      const decoded = decodePeer(udp.payload);
      if (decoded.ok && decoded.message.kind === "get_reply" && decoded.message.session?.id === id) fromSecondary.push({ dstIp: udp.dstIp, kind: "get_reply" });
    };
    await sys.killServer(victim.server);
    const answer = await client.incr(id);
    const now = pair(client, id);
    t.is(answer.counter, 4, "no increment lost: 3 before the failover, this is the 4th");
    t.is(now.secondary, secondary, "the new cookie keeps the secondary");
    t.true(fromSecondary.some((m) => m.dstIp === serverAddress(now.primary).ip), "the secondary sent its copy to the new primary");
    t.true(sys.serverObject(now.primary)!.stats.fetches >= 1);
    const synced = sys.serverObject(secondary)!.store.get(id as SessionId)!.record;
    t.is(synced.version, answer.version, "the secondary holds the version the client was answered with");
    t.is(synced.primary, now.primary, "and knows the new primary");
  }));

test.serial("5. the client sent the request before the failure was known (no client-side reroute)", (t) =>
  withSystem(t, 105, async (sys) => {
    const client = await sys.newClient();
    const ids = await sessions(client, 16, 1);
    const victim = busiestPrimary(client, ids);
    const id = victim.ids[0]!;
    const oldCookie = client.cookieOf(id);
    const sent = tapSessions(sys.clientLink(client.index), "to-switch");
    await sys.killServer(victim.server);
    const controllerView = sys.controllerObject()!.serverList().find((s) => (s.id as number) === victim.server)!;
    t.is(controllerView.health, "up", "when the request leaves, the controller still believes the primary is up");
    t.is(counter(sys, "server_marked_down", victim.server), 0n, "and the switch has not marked it down");
    const answer = await client.incr(id);
    const requests = sent.filter((f) => f.header.type === MessageType.Request && f.header.sessionId === id);
    t.true(requests.length >= 1);
    for (const r of requests) {
      t.is(r.dstIp, VIP.ip, "every attempt went to the VIP");
      t.is(r.header.cookie as number, oldCookie, "with the cookie naming the dead primary");
    }
    t.not(decodeCookie(answer.cookieReceived).primary, victim.server, "yet a new primary answered");
  }));

test.serial("6. selection is automatic: with no controller, the switch marks the primary down and fails over by itself", (t) =>
  withSystem(t, 106, async (sys) => {
    const client = await sys.newClient();
    const ids = await sessions(client, 24, 1);
    const victim = busiestPrimary(client, ids);
    const digests: string[] = [];
    sys.switchModel().onDigest((d) => digests.push(d.name));
    await sys.killController();
    await sys.killServer(victim.server);
    const pending = victim.ids.map((id) => client.incr(id).then(() => id));
    // Some sessions hash onto the dead primary in the (unchanged) failover groups and wait for
    // a controller; every other one must get through with no controller at all.
    await until("a session to fail over with no controller", () => counter(sys, "server_failovers", victim.server) > 0n && victim.ids.some((id) => pair(client, id).primary !== victim.server), 8000);
    t.true(counter(sys, "server_marked_down", victim.server) >= 1n, "the data plane marked the primary down itself");
    t.true(digests.length >= 1, "and sent a digest to tell the controller");
    await sys.startController();
    await Promise.all(pending);
    for (const id of victim.ids) t.not(pair(client, id).primary, victim.server);
  }));

test.serial("7. version numbers: lower or equal versions are not applied; stale copies are refreshed", (t) =>
  withSystem(t, 107, async (sys) => {
    const client = await sys.newClient();
    const ids = await sessions(client, 16, 3);
    const { server: primary, ids: onPrimary } = busiestPrimary(client, ids);
    const id = onPrimary[0]!;
    const { secondary } = pair(client, id);
    const held = sys.serverObject(secondary)!.store.get(id as SessionId)!.record;

    // Through the switch, as another server would: a lower and an equal version.
    const raw = sys.openRawClient();
    const replies: unknown[] = [];
    raw.transport.onReceive((_src, bytes) => {
      const d = decodePeer(bytes);
      if (d.ok) replies.push(d.message);
    });
    const to = { ip: serverAddress(secondary).ip, port: SERVER_PEER_PORT };
    const older = { ...held, version: held.version - 1, state: new TextEncoder().encode('{"c":"999"}') };
    raw.transport.send(to, encodePeer({ kind: "put", rid: 1, from: 99, session: older }));
    const equal = { ...held, state: new TextEncoder().encode('{"c":"777"}') };
    raw.transport.send(to, encodePeer({ kind: "put", rid: 2, from: 99, session: equal }));
    await until("both put replies", () => replies.length >= 2);
    const outcome = (rid: number) => (replies.find((r) => (r as { rid: number }).rid === rid) as { outcome: string }).outcome;
    t.is(outcome(1), "stale");
    t.is(outcome(2), "equal");
    t.deepEqual(sys.serverObject(secondary)!.store.get(id as SessionId)!.record.state, held.state, "neither replaced the state");
    await raw.close();

    // A primary that was away (declared down) comes back with a stale copy and must refresh it before serving.
    const health = (): string => sys.controllerObject()!.serverList().find((s) => (s.id as number) === primary)!.health;
    await sys.pauseServer(primary);
    for (let i = 0; i < 3; i++) await client.incr(id);
    await until("the controller to declare the paused primary down", () => health() === "down", 8000);
    const latest = client.cookieOf(id);
    t.not(decodeCookie(latest).primary, primary);
    await sys.resumeServer(primary);
    await until("the controller to bring the primary back", () => health() === "up", 8000);
    await sys.controllerObject()!.idle();
    const other = await sys.newClient();
    if (!(other instanceof SessionLoadClient) || !(client instanceof SessionLoadClient)) throw new Error("expected session load clients");
    // Another client still holding the old cookie, at the latest version it has seen.
    other.client.jar.update(id as SessionId, makeCookie(primary, secondary), client.client.jar.get(id as SessionId)!.version);
    const staleCopy = sys.serverObject(primary)!.store.get(id as SessionId)!.record;
    t.true(staleCopy.version < client.client.jar.get(id as SessionId)!.version, "the returning primary's copy is stale");
    const atPrimary = tapSessions(sys.serverLink(primary), "from-switch");
    const refreshesBefore = sys.serverObject(primary)!.stats.staleRefreshes;
    const answer = await other.incr(id);
    t.is(answer.counter, 7, "served from the refreshed copy: 3 + 3 + 1");
    t.true(atPrimary.some((f) => f.header.sessionId === id && f.header.type === MessageType.Request), "the request reached the primary with the stale copy");
    t.true(sys.serverObject(primary)!.stats.staleRefreshes > refreshesBefore, "which refreshed it before serving");
    t.true(sys.serverObject(primary)!.store.get(id as SessionId)!.record.version >= answer.version - 1);
  }));

test.serial("8. primary and secondary compare versions periodically, in batches", (t) =>
  withSystem(t, 108, async (sys) => {
    const client = await sys.newClient();
    await sessions(client, 24, 1);
    const sentBefore = sys.serverIds.map((s) => sys.serverObject(s)!.stats.versionChecksSent);
    const receivedBefore = sys.serverIds.map((s) => sys.serverObject(s)!.stats.versionChecksReceived);
    // No client traffic from here on: whatever is exchanged now is the periodic check.
    await new Promise((r) => setTimeout(r, 1300));
    const stats = sys.serverIds.map((s) => sys.serverObject(s)!.stats);
    const sent = stats.reduce((n, s, i) => n + s.versionChecksSent - sentBefore[i]!, 0);
    const received = stats.reduce((n, s, i) => n + s.versionChecksReceived - receivedBefore[i]!, 0);
    t.true(sent >= 2, `version checks were sent with no traffic (${sent})`);
    t.true(received >= 2, `and received by secondaries (${received})`);
    const entries = stats.reduce((n, s) => n + s.versionCheckEntriesSent, 0);
    const messages = stats.reduce((n, s) => n + s.versionChecksSent, 0);
    t.true(entries > messages, `batched: ${entries} sessions in ${messages} messages`);
  }));

test.serial("9. an out-of-sync secondary is brought back by the primary", (t) =>
  withSystem(t, 109, async (sys) => {
    const client = await sys.newClient();
    const ids = await sessions(client, 16, 2);
    const { server: secondary } = busiestPrimary({ cookieOf: (id: bigint) => ((client.cookieOf(id) & 0xffff) * 65536 + (client.cookieOf(id) >>> 16)) } as LoadClient, ids);
    const mine = replicated(client, ids).filter((id) => pair(client, id).secondary === secondary);
    t.true(mine.length > 0);
    // The secondary restarts with nothing: every copy it held is gone, nobody told the primaries.
    await sys.restartServer(secondary);
    t.is(sys.serverObject(secondary)!.store.size, 0);
    await until("the primaries to re-send their sessions", () => mine.every((id) => sys.serverObject(secondary)!.store.get(id as SessionId) !== undefined || pair(client, id).secondary !== secondary), 6000);
    let resyncs = 0;
    for (const id of mine) {
      const { primary } = pair(client, id);
      const p = sys.serverObject(primary)!.store.get(id as SessionId)!.record;
      const s = sys.serverObject(p.secondary as ServerId)!.store.get(id as SessionId)!.record;
      t.is(s.version, p.version, "the secondary is back in sync");
      resyncs += sys.serverObject(primary)!.stats.resyncs;
    }
    t.true(resyncs > 0, "by the primaries' resync after a version check");
  }));

test.serial("10. the client stores the cookie, and it is the sum of the primary and secondary numbers", (t) =>
  withSystem(t, 110, async (sys) => {
    const client = await sys.newClient();
    if (!(client instanceof SessionLoadClient)) throw new Error("expected a session load client");
    const ids = await sessions(client, 8, 1);
    const sent = tapSessions(sys.clientLink(client.index), "to-switch");
    for (const id of ids) {
      const stored = client.client.jar.get(id as SessionId)!.cookie;
      const record = sys.serverObject(pair(client, id).primary)!.store.get(id as SessionId)!.record;
      t.is(stored as number, record.primary * 65536 + record.secondary, "primary number (i x 65536) + secondary number (j)");
      t.is(stored, makeCookie(record.primary, record.secondary as ServerId));
      await client.incr(id);
      const request = sent.filter((f) => f.header.sessionId === id && f.header.type === MessageType.Request).pop()!;
      t.is(request.header.cookie, stored, "the stored cookie goes out with the next request");
    }
  }));

/** UDP addresses and payload of a frame (peer traffic has no session header). */
function peerDatagram(frame: Uint8Array): { dstIp: string; srcPort: number; payload: Uint8Array } | undefined {
  if (frame.length < 42 || frame[12] !== 0x08 || frame[13] !== 0x00 || frame[23] !== 17) return undefined;
  const ihl = (frame[14]! & 0x0f) * 4;
  const udp = 14 + ihl;
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  return {
    dstIp: [30, 31, 32, 33].map((i) => frame[i]).join("."),
    srcPort: view.getUint16(udp),
    payload: frame.subarray(udp + 8, 14 + view.getUint16(16)),
  };
}
