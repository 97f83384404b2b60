import test from "ava";
import { join } from "node:path";
import protobuf from "protobufjs";
import { packageRoot } from "../../../bmv2/src/package_root.ts";
import { connect as tlsConnect } from "node:tls";
import { loadTlsIdentity } from "../../src/auth/cluster_files.ts";
import { decodeFrame, encodeFrame } from "../../src/session/peer_codec.ts";
import type { PeerMessage } from "../../src/session/peer_protocol.ts";
import { openPeerStream } from "../../src/session/peer_stream.ts";
import { FrameReader } from "../../src/transport/frames.ts";
import { MessageType, type SessionId, serverId } from "../../src/wire/session_header.ts";
import { testCredentials } from "./credentials.ts";
import { openSession, withRig } from "./harness.ts";

const session = {
  id: 0xfedcba9876543210n as SessionId,
  version: 0xffffffff,
  state: new Uint8Array([0, 1, 2, 255]),
  primary: serverId(65534),
  secondary: 0 as const,
  answers: [{ requestId: 7, type: MessageType.Response, payload: new TextEncoder().encode("ok") }],
};

test("peer frames: every message kind round-trips through protobuf, 64-bit ids and -1 versions included", (t) => {
  const messages: PeerMessage[] = [
    { kind: "put", rid: 1, from: 3, session },
    { kind: "get", rid: 2, from: 3, sessionId: session.id },
    { kind: "versions", rid: 3, from: 3, entries: [[session.id, 5], [1n as SessionId, 0]] },
    { kind: "drop", rid: 4, from: 3, sessionId: session.id, version: 9 },
    { kind: "put_ack", rid: 5, outcome: "stale", version: 12 },
    { kind: "get_reply", rid: 6, session },
    { kind: "get_reply", rid: 7, session: null },
    { kind: "versions_reply", rid: 8, mismatches: [[session.id, -1], [2n as SessionId, 4]], foreign: [[3n as SessionId, 1]] },
    { kind: "drop_ack", rid: 9, dropped: true },
    { kind: "error", rid: 10, reason: "nope" },
  ];
  const decoded = decodeFrame(encodeFrame(messages));
  t.true(decoded.ok);
  t.deepEqual(decoded.ok ? decoded.messages : [], messages);
});

test("peer frames: the hand-written put and put_ack codec speaks the schema's wire format both ways", (t) => {
  const frameType = protobuf.loadSync(join(packageRoot(import.meta.url), "proto/slb/peer.proto")).lookupType("slb.peer.Frame");
  const put: PeerMessage = { kind: "put", rid: 0xfffffffe, from: 3, session: { ...session, secondary: serverId(2), answers: [...session.answers, { requestId: 0, type: MessageType.Error, payload: new Uint8Array(300).fill(7) }] } };
  const ack: PeerMessage = { kind: "put_ack", rid: 2, outcome: "applied", version: 0 };
  // Hand-encoded, read by protobufjs.
  const read = frameType.toObject(frameType.decode(encodeFrame([put, ack])), { longs: String }) as { messages: { rid: number; put?: { session: { id: string; state: Uint8Array; answers: unknown[] } }; putAck?: object }[] };
  t.is(read.messages[0]!.rid, 0xfffffffe);
  t.is(read.messages[0]!.put!.session.id, 0xfedcba9876543210n.toString());
  t.deepEqual([...read.messages[0]!.put!.session.state], [0, 1, 2, 255]);
  t.is(read.messages[0]!.put!.session.answers.length, 2);
  t.deepEqual(read.messages[1]!.putAck, {});
  // Encoded by protobufjs, with defaults written out and a field this version does not know, read by hand.
  const generic = frameType.encode({
    messages: [
      { rid: 1, put: { from: 3, session: { id: { low: 0x76543210, high: 0xfedcba98 | 0, unsigned: true }, version: 0, state: new Uint8Array([9]), primary: 4, secondary: 0, answers: [{ requestId: 0, type: 2, payload: new Uint8Array() }] } } },
      { rid: 2, putAck: { outcome: 3, version: 12 } },
    ],
  }).finish();
  const withUnknown = new Uint8Array([...generic, 0x98, 0x06, 0x2a]); // field 99, varint 42
  const decoded = decodeFrame(withUnknown);
  t.deepEqual(decoded.ok ? decoded.messages : decoded.reason, [
    { kind: "put", rid: 1, from: 3, session: { id: 0xfedcba9876543210n, version: 0, state: new Uint8Array([9]), primary: 4, secondary: 0, answers: [{ requestId: 0, type: 2, payload: new Uint8Array() }] } },
    { kind: "put_ack", rid: 2, outcome: "full", version: 12 },
  ]);
  // Every truncation of a valid frame is refused or shorter, never a throw.
  const whole = encodeFrame([put, ack]);
  for (let n = 0; n < whole.length; n++) t.notThrows(() => decodeFrame(whole.subarray(0, n)));
  t.false(decodeFrame(whole.subarray(0, whole.length - 1)).ok);
});

test("peer frames: garbage and out-of-range fields are rejected without throwing", (t) => {
  t.false(decodeFrame(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f])).ok);
  const badFrom = decodeFrame(encodeFrame([{ kind: "get", rid: 1, from: 0, sessionId: 1n as SessionId }]));
  t.deepEqual(badFrom, { ok: false, reason: "bad from" });
  const badAnswer = decodeFrame(encodeFrame([{ kind: "put", rid: 1, from: 2, session: { ...session, answers: [{ requestId: 1, type: MessageType.Request, payload: new Uint8Array() }] } }]));
  t.deepEqual(badAnswer, { ok: false, reason: "bad answer" });
});

test("peer frames: a decoded put owns its bytes, so reusing the received chunk cannot change a stored record", (t) => {
  const put: PeerMessage = { kind: "put", rid: 1, from: 3, session: { ...session, answers: [{ requestId: 7, type: MessageType.Response, payload: new Uint8Array(100).fill(5) }, ...session.answers] } };
  // As the stream hands it over: a Buffer view into a larger chunk.
  const frame = encodeFrame([put]);
  const chunk = Buffer.concat([Buffer.from([1, 2, 3]), frame, Buffer.from([4])]);
  const decoded = decodeFrame(chunk.subarray(3, 3 + frame.length));
  chunk.fill(0);
  t.deepEqual(decoded.ok ? decoded.messages : decoded.reason, [put]);
});

test("frame reader: frames split across chunks and several in one chunk come out whole; an oversize length stops it", (t) => {
  const frames: string[] = [];
  const oversize: number[] = [];
  const reader = new FrameReader(16, (body) => frames.push(Buffer.from(body).toString()), (n) => oversize.push(n));
  const frame = (text: string): Buffer => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(text.length);
    return Buffer.concat([head, Buffer.from(text)]);
  };
  const bytes = Buffer.concat([frame("alpha"), frame(""), frame("beta"), frame("gamma!")]);
  for (let i = 0; i < bytes.length; i += 3) reader.push(bytes.subarray(i, i + 3));
  reader.push(Buffer.concat([frame("x"), frame("y")]));
  t.deepEqual(frames, ["alpha", "", "beta", "gamma!", "x", "y"]);
  reader.push(frame("this is longer than sixteen"));
  reader.push(frame("z"));
  t.deepEqual(oversize, [27]);
  t.is(frames.length, 6, "nothing is read after a bad length");
});

test("an authenticated peer sending garbage frames is cut off and counted; the server keeps replicating", (t) =>
  withRig({ servers: 2 }, async ({ cluster, client }) => {
    const { id, primary, secondary } = await openSession(client, 1);
    const target = cluster.server(secondary);
    const me = loadTlsIdentity(await testCredentials(), { role: "server", id: serverId(primary) });
    const socket = tlsConnect({ host: "127.0.0.1", port: target.peerEndpoint.port, ca: me.ca, cert: me.cert, key: me.key, checkServerIdentity: () => undefined });
    socket.on("error", () => undefined);
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.write(Buffer.from([0, 0, 0, 5, 0xff, 0xff, 0xff, 0xff, 0xff]));
    await closed;
    t.is(target.peerLink.counters.malformed, 1);
    t.is((await client.request(id, "incr n")).text, "2");
    t.is(target.store.get(id)!.record.version, cluster.server(primary).store.get(id)!.record.version, "replication goes on");
  }));

test("a stream call to a server that is not there ends at once with no reply", async (t) => {
  const tls = loadTlsIdentity(await testCredentials(), { role: "server", id: serverId(1) });
  const lonely = await openPeerStream({ security: { kind: "mtls", tls } });
  const closedPort = await openPeerStream({ security: { kind: "insecure" } });
  const port = closedPort.local.port;
  await closedPort.close();
  try {
    const started = performance.now();
    const reply = await lonely.call({ id: serverId(2), endpoint: { ip: "127.0.0.1", port } }, { kind: "get", from: 1, sessionId: 1n as SessionId }, { timeoutMs: 60_000, retries: 0 });
    t.is(reply, undefined);
    t.true(performance.now() - started < 30_000, "a refused connection does not wait for the minute-long timeout");
  } finally {
    await lonely.close();
  }
});
