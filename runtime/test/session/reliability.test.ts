/**
 * Reliability rules of the session server: sync mode never acknowledges an update no secondary
 * holds (unless the membership leaves no other server up), a retry of such an update is applied
 * once, and a replica that could not be asked never turns into a definitive "unknown session".
 */
import test from "ava";
import { ClientTimeoutError, SessionClient } from "../../src/client/session_client.ts";
import { parseErrorPayload } from "../../src/session/errors.ts";
import { openUdpTransport } from "../../src/transport/udp.ts";
import type { Endpoint } from "../../src/transport/endpoint.ts";
import { Flags, MessageType, type SessionId, type SessionMessage, decodeCookie, decodeSessionMessage, encodeSessionMessage } from "../../src/wire/session_header.ts";
import { openSession, replicasOf, thirdServer, withRig } from "./harness.ts";

/** Sends one request straight to a server's data port and waits for its answer. */
async function ask(server: Endpoint, sessionId: SessionId, payload: string, fields: { cookie: number; version: number; requestId: number; flags?: number }): Promise<SessionMessage> {
  const transport = await openUdpTransport();
  try {
    const answer = new Promise<SessionMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no answer")), 3000);
      transport.onReceive((_src, bytes) => {
        const d = decodeSessionMessage(bytes);
        if (!d.ok) return;
        clearTimeout(timer);
        resolve({ header: d.message.header, payload: d.message.payload.slice() });
      });
    });
    const header = { type: MessageType.Request, flags: fields.flags ?? 0, cookie: fields.cookie as never, sessionId, sessionVersion: fields.version, requestId: fields.requestId };
    transport.send(server, encodeSessionMessage(header, new TextEncoder().encode(payload)));
    return await answer;
  } finally {
    await transport.close();
  }
}

const textOf = (m: SessionMessage): string => new TextDecoder().decode(m.payload);

test("sync mode: an update no secondary takes is answered 'unavailable', not acknowledged unreplicated", (t) =>
  withRig({ servers: 2, tweaks: { peerTimeoutMs: 60, peerRetries: 1 }, client: { timeoutMs: 600, retries: 1 } }, async ({ cluster, client }) => {
    const id = SessionClient.newSessionId();
    t.is((await client.request(id, "incr n")).text, "1");
    const { primary, secondary } = replicasOf(client, id);
    const acknowledged = client.jar.get(id)!.version;
    // The secondary dies; the membership still has it up, so an unreplicated answer would break "one failure loses nothing".
    await cluster.kill(secondary);
    const error = await t.throwsAsync(client.request(id, "incr n"), { instanceOf: ClientTimeoutError });
    t.regex(error?.lastTransientError ?? "", /^unavailable: /);
    t.true(cluster.server(primary).stats.unacknowledged >= 1);
    t.is(cluster.server(primary).stats.unreplicated, 0);
    t.is(client.jar.get(id)!.version, acknowledged, "the client never saw the unreplicated version");
  }));

test("sync mode: a retry of an unacknowledged update is answered once the membership leaves no other server up, and applied once", (t) =>
  withRig({ servers: 2, tweaks: { peerTimeoutMs: 60, peerRetries: 1 } }, async ({ cluster, client }) => {
    const { id, primary, secondary } = await openSession(client);
    const entry = client.jar.get(id)!;
    await cluster.kill(secondary);
    const at = cluster.server(primary).dataEndpoint;
    const first = await ask(at, id, "incr n", { cookie: entry.cookie, version: entry.version, requestId: 41 });
    t.is(first.header.type, MessageType.Error);
    t.is(parseErrorPayload(first.payload).code, "unavailable");

    // Still up in the membership: the retry is refused too, and nothing is applied a second time.
    const again = await ask(at, id, "incr n", { cookie: entry.cookie, version: entry.version, requestId: 41, flags: Flags.Retry });
    t.is(parseErrorPayload(again.payload).code, "unavailable");

    // The controller says the secondary is down: the primary is the only one left (degraded mode).
    cluster.setStates({ [secondary]: "down" });
    const retried = await ask(at, id, "incr n", { cookie: entry.cookie, version: entry.version, requestId: 41, flags: Flags.Retry });
    t.is(retried.header.type, MessageType.Response);
    t.is(textOf(retried), "2", "the cached answer of the one apply");
    t.deepEqual(decodeCookie(retried.header.cookie), { primary, secondary: 0 });
    t.is((await client.request(id, "get n")).text, "2");
  }));

test("sync mode: a retry of an unacknowledged update is replicated to a new secondary before it is answered", (t) =>
  withRig({ servers: 3, tweaks: { peerTimeoutMs: 60, peerRetries: 1 } }, async ({ cluster, client }) => {
    const { id, primary, secondary } = await openSession(client);
    const third = thirdServer(primary, secondary);
    const entry = client.jar.get(id)!;
    await cluster.kill(secondary);
    // The third server refuses copies for now ("full" answers), as an overloaded one would.
    const thirdStore = cluster.server(third).store;
    const realPut = thirdStore.put.bind(thirdStore);
    thirdStore.put = () => ({ kind: "full" }) as ReturnType<typeof realPut>;
    const at = cluster.server(primary).dataEndpoint;
    const first = await ask(at, id, "incr n", { cookie: entry.cookie, version: entry.version, requestId: 7 });
    t.is(parseErrorPayload(first.payload).code, "unavailable");
    t.is(thirdStore.get(id), undefined);

    thirdStore.put = realPut;
    const retried = await ask(at, id, "incr n", { cookie: entry.cookie, version: entry.version, requestId: 7, flags: Flags.Retry });
    t.is(textOf(retried), "2");
    t.deepEqual(decodeCookie(retried.header.cookie), { primary, secondary: third });
    t.is(thirdStore.get(id)?.record.version, retried.header.sessionVersion, "acknowledged only once the new secondary holds it");
  }));

test("a failover whose replicas the controller wrongly marks down still fetches from the one that answers", (t) =>
  withRig({ servers: 3 }, async ({ cluster, vip, client }) => {
    const { id, primary, secondary } = await openSession(client, 2);
    const third = thirdServer(primary, secondary);
    await cluster.kill(primary);
    vip.live.delete(primary);
    // A verdict taken under overload: the secondary is alive but marked down.
    cluster.setStates({ [primary]: "down", [secondary]: "down" });
    const reply = await client.request(id, "incr n");
    t.is(reply.kind, "response", reply.text);
    t.is(reply.text, "3");
    t.is(decodeCookie(reply.cookie).primary, third);
  }));

test("a request whose replicas could not be asked gets 'unavailable', never 'unknown-session'", (t) =>
  withRig({ servers: 3, tweaks: { peerTimeoutMs: 60, peerRetries: 1 }, client: { timeoutMs: 800, retries: 1 } }, async ({ cluster, vip, client }) => {
    const { id, primary, secondary } = await openSession(client);
    await cluster.kill(primary);
    await cluster.kill(secondary);
    vip.live.delete(primary);
    // Marked down, but silent ones may be paused with the only copies: the truth is unknown.
    cluster.setStates({ [primary]: "down", [secondary]: "down" });
    const error = await t.throwsAsync(client.request(id, "incr n"), { instanceOf: ClientTimeoutError });
    t.regex(error?.lastTransientError ?? "", /^unavailable: /);
  }));
