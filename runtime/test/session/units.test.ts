import test from "ava";
import { kvApp } from "../../src/session/app.ts";
import { MembershipView } from "../../src/session/membership.ts";
import { decodePeer, encodePeer, type PeerMessage } from "../../src/session/peer_protocol.ts";
import { CACHED_ANSWER_BUDGET_BYTES, MAX_CACHED_ANSWERS, type SessionRecord, recordBytes, withAnswer } from "../../src/session/record.ts";
import { SessionStore } from "../../src/session/store.ts";
import { MessageType, type SessionId, serverId } from "../../src/wire/session_header.ts";

const utf8 = new TextEncoder();
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

function run(commands: string[]): string[] {
  let state = kvApp.initialState();
  return commands.map((c) => {
    const out = kvApp.handle(utf8.encode(c), state);
    if (out.kind === "error") return `error`;
    if (out.kind === "write") state = out.state;
    return `${out.kind}:${text(out.response)}`;
  });
}

test("the default app counts, stores and reads per session", (t) => {
  t.deepEqual(run(["incr a", "incr a 5", "get a", "put b hello world", "get b", "keys", "del a", "get a", "incr b", "frob a", "incr", "incr a x"]), [
    "write:1",
    "write:6",
    "read:6",
    "write:ok",
    "read:hello world",
    "read:a b",
    "write:ok",
    "read:",
    "error",
    "error",
    "error",
    "error",
  ]);
});

const record = (id: bigint, version: number, stateBytes = 10): SessionRecord => ({
  id: id as SessionId,
  version,
  state: new Uint8Array(stateBytes),
  primary: serverId(1),
  secondary: serverId(2),
  answers: [],
});

test("the store applies only higher versions, lets equal ones move the pair, and enforces both bounds", (t) => {
  const store = new SessionStore({ maxSessions: 2, maxBytes: 10_000 }, () => 0);
  t.is(store.put(record(1n, 3)).kind, "applied");
  t.deepEqual(store.put(record(1n, 2)), { kind: "stale", storedVersion: 3 });
  t.is(store.put({ ...record(1n, 3, 99), secondary: serverId(7) }).kind, "equal");
  t.is(store.get(1n as SessionId)!.record.state.length, 10, "equal version: state not applied");
  t.is(store.get(1n as SessionId)!.record.secondary as number, 7, "but the pair moved");
  t.is(store.put(record(2n, 1)).kind, "applied");
  t.is(store.put(record(3n, 1)).kind, "full", "session bound");
  t.is(store.put(record(2n, 2, 20_000)).kind, "full", "byte bound");
  t.is(store.bytes, recordBytes(record(1n, 3)) + recordBytes(record(2n, 1)));
  store.delete(2n as SessionId);
  t.is(store.size, 1);
  t.is(store.put(record(3n, 1)).kind, "applied");
});

test("the answer cache keeps the newest answer and older ones within count and byte budget", (t) => {
  const answer = (requestId: number, bytes: number) => ({ requestId, type: MessageType.Response, payload: new Uint8Array(bytes) });
  let answers = withAnswer([], answer(1, 10));
  for (let i = 2; i <= 20; i++) answers = withAnswer(answers, answer(i, 10));
  t.deepEqual(answers.map((a) => a.requestId), Array.from({ length: MAX_CACHED_ANSWERS }, (_, i) => 20 - i));
  answers = withAnswer(answers, answer(21, CACHED_ANSWER_BUDGET_BYTES * 2));
  t.is(answers[0]!.requestId, 21, "the newest is kept whatever its size");
  answers = withAnswer(answers, answer(22, 10));
  t.deepEqual(answers.map((a) => a.requestId), [22], "an older answer over the budget is let go");
});

test("peer messages round-trip and malformed ones are rejected without throwing", (t) => {
  const messages: PeerMessage[] = [
    { kind: "put", rid: 1, from: 2, session: { ...record(0xffffffffffffffffn, 9), answers: [{ requestId: 5, type: MessageType.Error, payload: utf8.encode("app: x") }] } },
    { kind: "get", rid: 2, from: 3, sessionId: 42n as SessionId },
    { kind: "versions", rid: 3, from: 1, entries: [[1n as SessionId, 4], [2n as SessionId, 7]] },
    { kind: "versions_reply", rid: 3, mismatches: [[2n as SessionId, -1]], foreign: [[5n as SessionId, 2]] },
    { kind: "put_ack", rid: 1, outcome: "equal", version: 9 },
    { kind: "get_reply", rid: 2, session: null },
    { kind: "drop", rid: 4, from: 1, sessionId: 8n as SessionId, version: 3 },
    { kind: "drop_ack", rid: 4, dropped: true },
  ];
  for (const m of messages) t.deepEqual(decodePeer(encodePeer(m)), { ok: true, message: m });
  const bad = (v: unknown) => decodePeer(utf8.encode(JSON.stringify(v)));
  t.false(decodePeer(new Uint8Array([0xc3, 0x28])).ok);
  t.false(bad({ slbpeer: 1, rid: 1, kind: "get", from: 0, sessionId: "1" }).ok);
  t.false(bad({ slbpeer: 1, rid: 1, kind: "get", from: 1, sessionId: "18446744073709551616" }).ok, "session id over 64 bits");
  t.false(bad({ slbpeer: 1, rid: 1, kind: "versions", from: 1, entries: [["1", -1]] }).ok);
  t.false(bad({ slbpeer: 1, rid: 1, kind: "put", from: 1, session: { ...JSON.parse(text(encodePeer(messages[0]!))).session, state: "!!" } }).ok);
  t.false(bad({ slbpeer: 2, rid: 1, kind: "get", from: 1, sessionId: "1" }).ok);
});

test("secondaries are picked deterministically among live servers, never self, excluded or down ones", (t) => {
  let now = 0;
  const view = new MembershipView(serverId(1), () => now, 1000);
  const servers = [1, 2, 3, 4].map((id) => ({ id, address: "10.0.1." + id, dataPort: 7700, peerPort: 7701, state: "up" as const }));
  t.true(view.update(0, servers.slice(0, 2)), "a first (static) membership is adopted at epoch 0");
  t.true(view.update(1, servers), "and replaced by the controller's first push");
  t.false(view.update(1, []), "same epoch is not adopted");
  t.false(view.update(0, []), "nor an older one");
  const picks = Array.from({ length: 200 }, (_, i) => view.pickSecondary(BigInt(i + 1) as SessionId));
  t.false(picks.includes(serverId(1)));
  t.deepEqual([...new Set(picks)].sort(), [2, 3, 4], "spread over every other live server");
  t.deepEqual(view.pickSecondary(7n as SessionId), picks[6], "deterministic");
  const first = view.pickSecondary(7n as SessionId)!;
  view.suspect(first);
  t.not(view.pickSecondary(7n as SessionId), first, "a silent peer is avoided");
  now += 1001;
  t.is(view.pickSecondary(7n as SessionId), first, "for a while only");
  view.update(2, servers.map((s) => (s.id === first ? { ...s, state: "draining" as const } : s)));
  t.not(view.pickSecondary(7n as SessionId), first, "draining servers take no new copies");
  t.true(view.isAlive(first), "but still hold and serve what they have");
  t.is(view.pickSecondary(7n as SessionId, [2, 3, 4]), undefined);
});
