import test from "ava";
import { ClientTimeoutError, SessionClient } from "../../src/client/session_client.ts";
import { parseErrorPayload } from "../../src/session/errors.ts";
import type { Endpoint } from "../../src/transport/endpoint.ts";
import { decodeControl, encodeControl, probeServer, pushMembership } from "../../src/wire/control.ts";
import { Flags, MessageType, type SessionId, type SessionMessage, decodeCookie, decodeSessionMessage, encodeSessionMessage } from "../../src/wire/session_header.ts";
import { encodePeer, decodePeer } from "../../src/session/peer_protocol.ts";
import { LEGACY_INSECURE, asServer, holders, openSession, rawSocket, replicasOf, startCluster, thirdServer, withRawSocket, withRig } from "./harness.ts";

function request(sessionId: bigint, payload: string, fields: { cookie?: number; version?: number; requestId?: number; flags?: number } = {}): Uint8Array {
  return encodeSessionMessage(
    { type: MessageType.Request, flags: fields.flags ?? 0, cookie: (fields.cookie ?? 0) as never, sessionId: sessionId as SessionId, sessionVersion: fields.version ?? 0, requestId: fields.requestId ?? 1 },
    new TextEncoder().encode(payload),
  );
}

function decoded(bytes: Uint8Array | undefined): SessionMessage {
  const d = decodeSessionMessage(bytes ?? new Uint8Array());
  if (!d.ok) throw new Error(`not a session message: ${d.reason}`);
  return d.message;
}

const text = (m: SessionMessage): string => new TextDecoder().decode(m.payload);

test("secondary dies: the primary picks a new secondary, copies the session there and names it in the cookie", (t) =>
  withRig({ servers: 3 }, async ({ cluster, client }) => {
    const { id, primary, secondary } = await openSession(client);
    await cluster.kill(secondary);
    const reply = await client.request(id, "incr n");
    t.is(reply.text, "2");
    const third = thirdServer(primary, secondary);
    t.deepEqual(decodeCookie(reply.cookie), { primary, secondary: third });
    t.is(cluster.server(third).store.get(id)?.record.version, cluster.server(primary).store.get(id)!.record.version);
    t.true(cluster.server(primary).stats.secondaryChanges >= 1);
  }));

test("a membership marking the secondary down moves sessions to a new secondary without waiting for a request", (t) =>
  withRig({ servers: 3 }, async ({ cluster, client }) => {
    const { id, primary, secondary } = await openSession(client);
    cluster.setStates({ [secondary]: "down" });
    await cluster.server(primary).settle();
    const third = thirdServer(primary, secondary);
    t.is(cluster.server(primary).store.get(id)!.record.secondary as number, third);
    t.truthy(cluster.server(third).store.get(id));
    const reply = await client.request(id, "get n");
    t.deepEqual(decodeCookie(reply.cookie), { primary, secondary: third });
  }));

test("a retransmission with RETRY and an answered request id gets the cached answer, not a second apply", (t) =>
  withRig({ servers: 2, client: { timeoutMs: 100, retries: 3 } }, async ({ cluster, vip, client }) => {
    const { id } = await openSession(client);
    vip.dropOnce = (m) => new TextDecoder().decode(m.payload) === "2";
    const reply = await client.request(id, "incr n");
    t.true(reply.attempts >= 2);
    t.is(reply.text, "2");
    const { primary } = decodeCookie(reply.cookie);
    t.true(cluster.server(primary).stats.retriesAnswered >= 1);
    t.is((await client.request(id, "get n")).text, "2", "applied exactly once");

    // The same request id without RETRY is a new request; with RETRY it is answered from the cache.
    const raw = await rawSocket();
    const data = cluster.server(primary).dataEndpoint;
    const entry = client.jar.get(id)!;
    raw.transport.send(data, request(id, "incr n", { cookie: entry.cookie, version: entry.version, requestId: 777 }));
    const once = decoded(await raw.next());
    raw.transport.send(data, request(id, "incr n", { cookie: entry.cookie, version: entry.version, requestId: 777, flags: Flags.Retry }));
    const again = decoded(await raw.next());
    t.is(text(once), "3");
    t.is(text(again), "3");
    t.is(again.header.requestId, 777);
    await raw.transport.close();
  }));

test("a retried request survives failover: the cached answer travels with the replica", (t) =>
  withRig({ servers: 3 }, async ({ cluster, client }) => {
    const raw = await rawSocket();
    try {
      const { id, primary, secondary } = await openSession(client);
      const entry = client.jar.get(id)!;
      raw.transport.send(cluster.server(primary).dataEndpoint, request(id, "incr n", { cookie: entry.cookie, version: entry.version, requestId: 4242 }));
      t.is(text(decoded(await raw.next())), "2");
      await cluster.kill(primary);
      const third = thirdServer(primary, secondary);
      raw.transport.send(cluster.server(third).dataEndpoint, request(id, "incr n", { cookie: entry.cookie, version: entry.version, requestId: 4242, flags: Flags.Retry | Flags.Failover }));
      const retried = decoded(await raw.next());
      t.is(text(retried), "2", "not applied a second time by the new primary");
      t.deepEqual(decodeCookie(retried.header.cookie), { primary: third, secondary });
    } finally {
      await raw.transport.close();
    }
  }));

test("idle sessions expire on primary and secondary; a request for one gets unknown-session", (t) => {
  let clock = 1_000_000;
  return withRig({ servers: 2, tweaks: { idleTimeoutMs: 60_000, now: () => clock } }, async ({ cluster, client }) => {
    const idle = SessionClient.newSessionId();
    const busy = SessionClient.newSessionId();
    await client.request(idle, "incr n");
    await client.request(busy, "incr n");
    clock += 40_000;
    await client.request(busy, "incr n");
    clock += 30_000;
    const { primary, secondary } = replicasOf(client, idle);
    t.deepEqual(cluster.server(primary).expireIdle().filter((id) => id === idle), [idle], "the primary expires the idle session");
    await cluster.server(primary).settle();
    t.is(cluster.server(secondary).store.get(idle), undefined, "and tells the secondary to drop its copy");
    t.deepEqual(holders(cluster, idle), []);
    t.is(holders(cluster, busy).length, 2);
    const reply = await client.request(idle, "incr n");
    t.is(reply.kind, "error");
    t.is(parseErrorPayload(reply.payload).code, "unknown-session");
  });
});

test("memory is bounded: a full server rejects new sessions with an error and keeps serving the others", (t) =>
  withRawSocket({ servers: 1, tweaks: { maxSessions: 3 } }, async (cluster, raw) => {
    const data = cluster.server(1).dataEndpoint;
    for (let i = 1; i <= 3; i++) {
      raw.transport.send(data, request(BigInt(i), "incr n", { requestId: i }));
      t.is(decoded(await raw.next()).header.type, MessageType.Response);
    }
    raw.transport.send(data, request(4n, "incr n", { requestId: 4 }));
    const full = decoded(await raw.next());
    t.is(full.header.type, MessageType.Error);
    t.is(parseErrorPayload(full.payload).code, "full");
    t.is(cluster.server(1).store.size, 3);
    const cookie = decodeCookie(0);
    t.is(cookie.primary, 0);
    raw.transport.send(data, request(1n, "incr n", { requestId: 5, cookie: 1 * 65536, version: 2 }));
    t.is(text(decoded(await raw.next())), "2", "existing sessions still served");
    t.is(cluster.server(1).stats.rejectedFull, 1);
  }));

test("byte bound: state growth past the limit is refused with an error", (t) =>
  withRawSocket({ servers: 1, tweaks: { maxStateBytes: 200 } }, async (cluster, raw) => {
    const data = cluster.server(1).dataEndpoint;
    raw.transport.send(data, request(9n, `put k ${"x".repeat(300)}`));
    const reply = decoded(await raw.next());
    t.is(reply.header.type, MessageType.Error);
    t.is(parseErrorPayload(reply.payload).code, "too-large");
  }));

test("malformed requests and (legacy datagram) peer messages get errors or are dropped, and never crash the server", (t) =>
  withRawSocket({ servers: 2, tweaks: { maxPayloadBytes: 64, ...LEGACY_INSECURE } }, async (cluster, raw) => {
    const server = cluster.server(1);
    const data = server.dataEndpoint;
    raw.transport.send(data, new Uint8Array([1, 2, 3]));
    raw.transport.send(data, new Uint8Array(40).fill(0xab));
    t.is(await raw.next(), undefined, "runts and foreign datagrams are dropped silently");
    t.is(server.stats.dropped, 2);

    const wrongVersion = request(5n, "incr n");
    wrongVersion[2] = 0x21;
    raw.transport.send(data, wrongVersion);
    const versionError = decoded(await raw.next());
    t.is(versionError.header.type, MessageType.Error);
    t.is(parseErrorPayload(versionError.payload).code, "malformed");

    raw.transport.send(data, request(6n, "x".repeat(65)));
    t.is(parseErrorPayload(decoded(await raw.next()).payload).code, "too-large");
    raw.transport.send(data, request(7n, "launch rockets"));
    t.is(parseErrorPayload(decoded(await raw.next()).payload).code, "app");
    raw.transport.send(data, request(8n, "incr"));
    t.is(parseErrorPayload(decoded(await raw.next()).payload).code, "app");

    const peer = server.peerEndpoint;
    raw.transport.send(peer, new TextEncoder().encode("not json"));
    t.is(await raw.next(), undefined);
    raw.transport.send(peer, new TextEncoder().encode(JSON.stringify({ slbpeer: 1, rid: 12, kind: "put", from: 2, session: { id: "x" } })));
    const peerError = decodePeer((await raw.next())!);
    t.like(peerError, { ok: true, message: { kind: "error", rid: 12 } });
    raw.transport.send(peer, encodePeer({ kind: "get", rid: 13, from: 2, sessionId: 123n as SessionId }));
    t.like(decodePeer((await raw.next())!), { ok: true, message: { kind: "get_reply", rid: 13, session: null } });

    raw.transport.send(data, request(10n, "incr n", { requestId: 99 }));
    t.is(text(decoded(await raw.next())), "1", "still serving");
  }));

test("async replication answers first and replicates afterwards", (t) =>
  withRig({ servers: 2, tweaks: { replication: "async" } }, async ({ cluster, client }) => {
    const id = SessionClient.newSessionId();
    for (let i = 0; i < 5; i++) t.is((await client.request(id, "incr n")).text, String(i + 1));
    const { primary, secondary } = replicasOf(client, id);
    await cluster.server(primary).settle();
    t.is(cluster.server(secondary).store.get(id)?.record.version, cluster.server(primary).store.get(id)!.record.version);
  }));

test("management port (insecure mode): probe reports sessions and epoch; membership with a newer epoch is adopted, older ignored", async (t) => {
  const cluster = await startCluster(2, LEGACY_INSECURE);
  try {
    const server = cluster.server(1);
    const mgmt: Endpoint = server.mgmtEndpoint!;
    const probe = await probeServer(mgmt, { timeoutMs: 200, retries: 2 });
    t.like(probe, { kind: "probe_ack", serverId: 1, epoch: 1, sessions: 0 });
    const ack = await pushMembership(mgmt, { epoch: 5, servers: cluster.members }, { timeoutMs: 200 });
    t.like(ack, { kind: "membership_ack", serverId: 1, epoch: 5 });
    const stale = await pushMembership(mgmt, { epoch: 3, servers: [] }, { timeoutMs: 200 });
    t.like(stale, { kind: "membership_ack", epoch: 5 });
    t.is(server.membership.servers().length, 2, "the stale push changed nothing");
    const raw = await rawSocket();
    raw.transport.send(mgmt, new TextEncoder().encode(JSON.stringify({ slbctl: 1, nonce: 3, kind: "membership", epoch: -1, servers: [] })));
    t.like(decodeControl((await raw.next())!), { ok: true, message: { kind: "error", nonce: 3 } });
    raw.transport.send(mgmt, encodeControl({ kind: "probe", nonce: 4 }));
    t.like(decodeControl((await raw.next())!), { ok: true, message: { kind: "probe_ack", nonce: 4 } });
    await raw.transport.close();
  } finally {
    await cluster.close();
  }
});

test("a draining primary hands each session to its secondary on the session's next request", (t) =>
  withRig({ servers: 3 }, async ({ cluster, vip, client }) => {
    const { id, primary, secondary } = await openSession(client);
    cluster.setStates({ [primary]: "draining" });
    const reply = await client.request(id, "incr n");
    t.is(reply.text, "2");
    const moved = decodeCookie(reply.cookie);
    const third = thirdServer(primary, secondary);
    t.deepEqual(moved, { primary: secondary, secondary: third });
    t.is(cluster.server(primary).store.get(id), undefined, "the draining server let go of it");
    t.is(cluster.server(primary).stats.handoffs, 1);
    t.is((await client.request(id, "incr n")).text, "3");
    t.false(vip.decisions.at(-1)!.failover);
    t.is(vip.decisions.at(-1)!.server, secondary);
  }));

test("async replication: a dead secondary is replaced in the background and the following answers name the new one", (t) =>
  withRig({ servers: 3, tweaks: { replication: "async" } }, async ({ cluster, client }) => {
    const { id, primary, secondary } = await openSession(client);
    await cluster.kill(secondary);
    const answered = await client.request(id, "incr n");
    t.is(answered.text, "2", "answered before replication, so before the loss was noticed");
    await cluster.server(primary).settle();
    const third = thirdServer(primary, secondary);
    t.is(cluster.server(third).store.get(id)?.record.version, cluster.server(primary).store.get(id)!.record.version);
    const next = await client.request(id, "get n");
    t.deepEqual(decodeCookie(next.cookie), { primary, secondary: third });
    t.is(next.text, "2");
  }));

test("a replica that cannot be reached makes the answer 'unavailable', never a stale copy; once it is known down, the loss is counted", (t) =>
  // Quick peer timeouts, so the server's "unavailable" beats the client's own timeout.
  withRig({ servers: 3, tweaks: { peerTimeoutMs: 100, peerRetries: 1 }, client: { timeoutMs: 900, retries: 1 } }, async ({ cluster, vip, client }) => {
    const { id, primary, secondary } = await openSession(client, 2);
    const third = thirdServer(primary, secondary);
    // The third server holds an old copy, as a former secondary would.
    const old = cluster.server(primary).store.get(id)!.record;
    cluster.server(third).store.put({ ...old, version: 1, secondary: asServer(third) });
    await cluster.kill(primary);
    await cluster.kill(secondary);
    vip.live.delete(primary);
    vip.live.delete(secondary);

    const error = await t.throwsAsync(client.request(id, "incr n"), { instanceOf: ClientTimeoutError });
    t.regex(error?.lastTransientError ?? "", /^unavailable: /);
    t.is(cluster.server(third).store.get(id)!.record.version, 1, "the stale copy was not served");
    t.is(client.counters.transientErrors, 2);

    // Both replicas known down: the newer copy is gone for good, so the old one is served, the
    // loss counted, and the version still moves past what the client had seen.
    const seen = client.jar.get(id)!.version;
    cluster.setStates({ [primary]: "down", [secondary]: "down" });
    const served = await client.request(id, "incr n");
    t.is(served.kind, "response");
    t.true(served.version > seen);
    t.is(cluster.server(third).stats.staleServed, 1);
  }));
