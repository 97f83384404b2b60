import test from "ava";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CookieJar } from "../../src/client/cookie_jar.ts";
import { ClientTimeoutError, SessionClient } from "../../src/client/session_client.ts";
import { openUdpTransport } from "../../src/transport/udp.ts";
import { type Cookie, Flags, MessageType, type SessionHeader, type SessionId, decodeSessionMessage, encodeSessionMessage, makeCookie, serverId } from "../../src/wire/session_header.ts";

/** A fake VIP that answers through a script, recording every request it sees. */
async function fakeVip(answer: (header: SessionHeader, seen: number) => Uint8Array[] | undefined) {
  const transport = await openUdpTransport();
  const seen: SessionHeader[] = [];
  transport.onReceive((src, bytes) => {
    const d = decodeSessionMessage(bytes);
    if (!d.ok) return;
    seen.push(d.message.header);
    for (const reply of answer(d.message.header, seen.length) ?? []) transport.send(src, reply);
  });
  return { transport, seen };
}

function response(request: SessionHeader, fields: Partial<SessionHeader>, payload = "ok"): Uint8Array {
  return encodeSessionMessage({ ...request, type: MessageType.Response, flags: 0, ...fields }, new TextEncoder().encode(payload));
}

test("the client retransmits with the same request id and the RETRY flag, and keeps the cookie and version of the answer", async (t) => {
  const cookie = makeCookie(serverId(3), serverId(7));
  const vip = await fakeVip((h, n) => (n < 3 ? undefined : [response(h, { cookie, sessionVersion: 4 }, "4")]));
  const client = new SessionClient({ transport: await openUdpTransport(), vip: vip.transport.local, timeoutMs: 100, backoff: 1, retries: 4 });
  try {
    const id = SessionClient.newSessionId();
    const reply = await client.request(id, "incr n");
    t.is(reply.attempts, 3);
    t.is(reply.text, "4");
    t.deepEqual(vip.seen.map((h) => h.requestId), Array(3).fill(vip.seen[0]!.requestId));
    t.deepEqual(vip.seen.map((h) => h.flags & Flags.Retry), [0, Flags.Retry, Flags.Retry]);
    t.is(vip.seen[0]!.cookie as number, 0, "a new session starts with cookie 0");
    t.deepEqual(client.jar.get(id), { cookie, version: 4 });
    t.is(client.jar.get(id)!.cookie as number, 3 * 65536 + 7, "stored cookie is the sum of the two numbers");

    await client.request(id, "get n");
    const next = vip.seen.at(-1)!;
    t.is(next.cookie, cookie, "the stored cookie goes out with the next request");
    t.is(next.sessionVersion, 4);
    t.is(next.requestId, vip.seen[0]!.requestId + 1);
  } finally {
    await client.close();
    await vip.transport.close();
  }
});

test("answers are matched by request id and session; strays are ignored; errors leave the cookie alone", async (t) => {
  const cookie = makeCookie(serverId(1), serverId(2));
  const vip = await fakeVip((h) => [
    response(h, { requestId: (h.requestId + 100) >>> 0, cookie: 99 as Cookie }, "stray"),
    response(h, { sessionId: (h.sessionId + 1n) as SessionId, cookie: 98 as Cookie }, "other session"),
    new Uint8Array([1, 2, 3]),
    h.sessionVersion === 0 ? response(h, { cookie, sessionVersion: 1 }, "mine") : encodeSessionMessage({ ...h, type: MessageType.Error }, new TextEncoder().encode("app: nope")),
  ]);
  const client = new SessionClient({ transport: await openUdpTransport(), vip: vip.transport.local, timeoutMs: 500, retries: 0 });
  try {
    const id = SessionClient.newSessionId();
    const reply = await client.request(id, "x");
    t.is(reply.text, "mine");
    t.is(client.counters.strays, 3);
    const error = await client.request(id, "bad");
    t.is(error.kind, "error");
    t.deepEqual(client.jar.get(id), { cookie, version: 1 });
  } finally {
    await client.close();
    await vip.transport.close();
  }
});

test("a request nobody answers rejects with ClientTimeoutError after all attempts", async (t) => {
  const vip = await fakeVip(() => undefined);
  const client = new SessionClient({ transport: await openUdpTransport(), vip: vip.transport.local, timeoutMs: 10, retries: 2 });
  try {
    const error = await t.throwsAsync(client.request(SessionClient.newSessionId(), "x"), { instanceOf: ClientTimeoutError });
    t.is(error?.attempts, 3);
    t.is(vip.seen.length, 3);
  } finally {
    await client.close();
    await vip.transport.close();
  }
});

test("the cookie jar persists to JSON and refuses malformed files; versions never go down", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "slb-jar-"));
  try {
    const path = join(dir, "jar.json");
    t.deepEqual((await CookieJar.load(path)).sessions(), [], "a missing file is an empty jar");
    const jar = new CookieJar();
    const id = 0xfedcba9876543210n as SessionId;
    jar.update(id, makeCookie(serverId(2), serverId(5)), 9);
    jar.update(id, makeCookie(serverId(4), serverId(5)), 3);
    await jar.save(path);
    const loaded = await CookieJar.load(path);
    t.deepEqual(loaded.get(id), { cookie: 4 * 65536 + 5, version: 9 });
    t.true((await readFile(path, "utf8")).includes("18364758544493064720"));
    await writeFile(path, JSON.stringify({ sessions: { abc: { cookie: 1, version: 1 } } }));
    await t.throwsAsync(CookieJar.load(path));
    await writeFile(path, JSON.stringify({ sessions: { "12": { cookie: -1, version: 1 } } }));
    await t.throwsAsync(CookieJar.load(path));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("transient error answers are retried with the same request id; only a final answer or the last attempt ends the request", async (t) => {
  const cookie = makeCookie(serverId(2), serverId(3));
  const unavailable = (h: SessionHeader) => encodeSessionMessage({ ...h, type: MessageType.Error, flags: 0 }, new TextEncoder().encode("unavailable: replica silent"));
  const vip = await fakeVip((h, n) => [n <= 2 ? unavailable(h) : response(h, { cookie, sessionVersion: 8 }, "8")]);
  const client = new SessionClient({ transport: await openUdpTransport(), vip: vip.transport.local, timeoutMs: 250, backoff: 1, retries: 4 });
  try {
    const id = SessionClient.newSessionId();
    const reply = await client.request(id, "incr n");
    t.is(reply.kind, "response");
    t.is(reply.attempts, 3);
    t.is(new Set(vip.seen.map((h) => h.requestId)).size, 1, "one request id throughout");
    t.is(client.counters.transientErrors, 2);

    const stuck = await fakeVip((h) => [unavailable(h)]);
    const stuckClient = new SessionClient({ transport: await openUdpTransport(), vip: stuck.transport.local, timeoutMs: 100, backoff: 1, retries: 2 });
    const error = await t.throwsAsync(stuckClient.request(id, "incr n"), { instanceOf: ClientTimeoutError });
    t.is(error?.lastTransientError, "unavailable: replica silent");
    t.is(stuck.seen.length, 3);
    await stuckClient.close();
    await stuck.transport.close();
  } finally {
    await client.close();
    await vip.transport.close();
  }
});
