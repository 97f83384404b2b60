/**
 * Protobuf encoding of the peer protocol (proto/slb/peer.proto) for the stream transport: one
 * Frame holds a batch of PeerMessages. Decoding validates what the JSON decoder validates
 * (server ids, counts, answer types) and never throws.
 */
import { join } from "node:path";
import protobuf from "protobufjs";
import { packageRoot } from "../../../bmv2/src/package_root.ts";
import { MAX_SERVER_ID, MessageType, type ServerId, type SessionId } from "../wire/session_header.ts";
import type { PeerMessage, PutOutcomeKind } from "./peer_protocol.ts";
import { type CachedAnswer, MAX_CACHED_ANSWERS, type SessionRecord } from "./record.ts";

const PROTO_FILE = join(packageRoot(import.meta.url), "proto/slb/peer.proto");

let frameType: protobuf.Type | undefined;
function frame(): protobuf.Type {
  frameType ??= protobuf.loadSync(PROTO_FILE).lookupType("slb.peer.Frame");
  return frameType;
}

interface LongLike {
  readonly low: number;
  readonly high: number;
}

const OUTCOMES: readonly PutOutcomeKind[] = ["applied", "equal", "stale", "full"];

function toLong(id: bigint): LongLike & { unsigned: true } {
  return { low: Number(id & 0xffffffffn) | 0, high: Number(id >> 32n) | 0, unsigned: true };
}

function fromLong(v: unknown): bigint {
  if (typeof v === "number") return BigInt(v);
  const l = v as LongLike;
  return (BigInt(l.high >>> 0) << 32n) | BigInt(l.low >>> 0);
}

function signedNumber(v: unknown): number {
  if (typeof v === "number") return v;
  const l = v as LongLike;
  return l.high * 4294967296 + (l.low >>> 0);
}

function sessionOut(s: SessionRecord): unknown {
  return {
    id: toLong(s.id),
    version: s.version,
    state: s.state,
    primary: s.primary,
    secondary: s.secondary,
    answers: s.answers.map((a) => ({ requestId: a.requestId, type: a.type, payload: a.payload })),
  };
}

const pairsOut = (pairs: readonly (readonly [SessionId, number])[]): unknown[] => pairs.map(([id, version]) => ({ id: toLong(id), version }));

function messageOut(m: PeerMessage): unknown {
  switch (m.kind) {
    case "put":
      return { rid: m.rid, put: { from: m.from, session: sessionOut(m.session) } };
    case "get":
      return { rid: m.rid, get: { from: m.from, sessionId: toLong(m.sessionId) } };
    case "versions":
      return { rid: m.rid, versions: { from: m.from, entries: pairsOut(m.entries) } };
    case "drop":
      return { rid: m.rid, drop: { from: m.from, sessionId: toLong(m.sessionId), version: m.version } };
    case "put_ack":
      return { rid: m.rid, putAck: { outcome: OUTCOMES.indexOf(m.outcome), version: m.version } };
    case "get_reply":
      return { rid: m.rid, getReply: m.session ? { session: sessionOut(m.session) } : {} };
    case "versions_reply":
      return { rid: m.rid, versionsReply: { mismatches: pairsOut(m.mismatches), foreign: pairsOut(m.foreign) } };
    case "drop_ack":
      return { rid: m.rid, dropAck: { dropped: m.dropped } };
    case "error":
      return { rid: m.rid, error: { reason: m.reason } };
  }
}

/** One frame body (without the length prefix). */
export function encodeFrame(messages: readonly PeerMessage[]): Uint8Array {
  return frame().encode({ messages: messages.map(messageOut) }).finish();
}

class Malformed extends Error {}

const isServer = (v: number): v is ServerId => v >= 1 && v <= MAX_SERVER_ID;

function from(v: { from: number }): number {
  if (!isServer(v.from)) throw new Malformed("bad from");
  return v.from;
}

interface WireSession {
  id: unknown;
  version: number;
  state: Uint8Array;
  primary: number;
  secondary: number;
  answers: { requestId: number; type: number; payload: Uint8Array }[];
}

function sessionIn(s: WireSession | null | undefined): SessionRecord {
  if (!s) throw new Malformed("missing session");
  if (!isServer(s.primary)) throw new Malformed("bad primary");
  if (s.secondary !== 0 && !isServer(s.secondary)) throw new Malformed("bad secondary");
  if (s.answers.length > MAX_CACHED_ANSWERS) throw new Malformed("bad answers");
  const answers: CachedAnswer[] = s.answers.map((a) => {
    if (a.type !== MessageType.Response && a.type !== MessageType.Error) throw new Malformed("bad answer");
    return { requestId: a.requestId, type: a.type, payload: new Uint8Array(a.payload) };
  });
  // Copies: the decoded bytes are views of the whole received chunk, which the store must not pin.
  return { id: fromLong(s.id) as SessionId, version: s.version, state: new Uint8Array(s.state), primary: s.primary, secondary: s.secondary as ServerId | 0, answers };
}

function pairsIn(entries: { id: unknown; version: unknown }[], allowMissing: boolean): [SessionId, number][] {
  return entries.map((e) => {
    const version = signedNumber(e.version);
    if (!(Number.isInteger(version) && version <= 0xffffffff && (version >= 0 || (allowMissing && version === -1)))) throw new Malformed("bad version entry");
    return [fromLong(e.id) as SessionId, version];
  });
}

// protobufjs decodes to untyped message objects; every field used is checked here.
function messageIn(m: any): PeerMessage {
  const rid: number = m.rid;
  if (m.put) return { kind: "put", rid, from: from(m.put), session: sessionIn(m.put.session) };
  if (m.get) return { kind: "get", rid, from: from(m.get), sessionId: fromLong(m.get.sessionId) as SessionId };
  if (m.versions) return { kind: "versions", rid, from: from(m.versions), entries: pairsIn(m.versions.entries, false) };
  if (m.drop) return { kind: "drop", rid, from: from(m.drop), sessionId: fromLong(m.drop.sessionId) as SessionId, version: m.drop.version };
  if (m.putAck) {
    const outcome = OUTCOMES[m.putAck.outcome as number];
    if (!outcome) throw new Malformed("bad put_ack outcome");
    return { kind: "put_ack", rid, outcome, version: m.putAck.version };
  }
  if (m.getReply) return { kind: "get_reply", rid, session: m.getReply.session ? sessionIn(m.getReply.session) : null };
  if (m.versionsReply) return { kind: "versions_reply", rid, mismatches: pairsIn(m.versionsReply.mismatches, true), foreign: pairsIn(m.versionsReply.foreign, false) };
  if (m.dropAck) return { kind: "drop_ack", rid, dropped: m.dropAck.dropped === true };
  if (m.error) return { kind: "error", rid, reason: String(m.error.reason) };
  throw new Malformed("message without a body");
}

export type FrameDecodeResult = { readonly ok: true; readonly messages: PeerMessage[] } | { readonly ok: false; readonly reason: string };

/** Decodes one frame body; never throws. */
export function decodeFrame(bytes: Uint8Array): FrameDecodeResult {
  try {
    const decoded = frame().decode(bytes) as unknown as { messages: unknown[] };
    return { ok: true, messages: decoded.messages.map(messageIn) };
  } catch (err) {
    return { ok: false, reason: err instanceof Malformed ? err.message : `not a peer frame (${String((err as Error).message ?? err).slice(0, 80)})` };
  }
}
