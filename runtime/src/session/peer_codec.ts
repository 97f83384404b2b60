/**
 * Protobuf encoding of the peer protocol (proto/slb/peer.proto) for the stream transport: one
 * Frame holds a batch of PeerMessages. Decoding validates what the JSON decoder validates
 * (server ids, counts, answer types) and never throws. Puts and their acks, nearly all of the
 * traffic, are written and read by hand (peer_codec_fast.ts); the other kinds use protobufjs.
 */
import { join } from "node:path";
import protobuf from "protobufjs";
import { packageRoot } from "../../../bmv2/src/package_root.ts";
import { MAX_SERVER_ID, MessageType, type ServerId, type SessionId } from "../wire/session_header.ts";
import type { PeerMessage } from "./peer_protocol.ts";
import {
  FIELD_MESSAGE_PUT,
  FIELD_MESSAGE_PUT_ACK,
  FrameCursor,
  FrameWriter,
  Malformed,
  OUTCOMES,
  TAG_FRAME_MESSAGE,
  TAG_MESSAGE_RID,
  putAckMessageSize,
  putMessageSize,
  sessionSize,
  varintBytes,
} from "./peer_codec_fast.ts";
import { type CachedAnswer, MAX_CACHED_ANSWERS, type SessionRecord } from "./record.ts";

const PROTO_FILE = join(packageRoot(import.meta.url), "proto/slb/peer.proto");

let messageTypeLoaded: protobuf.Type | undefined;
function messageType(): protobuf.Type {
  messageTypeLoaded ??= protobuf.loadSync(PROTO_FILE).lookupType("slb.peer.Message");
  return messageTypeLoaded;
}

interface LongLike {
  readonly low: number;
  readonly high: number;
}

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

/**
 * One frame body, after `room` bytes left free at the start (for the stream's length prefix,
 * so a frame goes out as one buffer).
 */
export function encodeFrame(messages: readonly PeerMessage[], room = 0): Buffer {
  const sizes: number[] = new Array<number>(messages.length);
  /** Per message: a put's Session size, or another kind's bytes from protobufjs. */
  const parts: (number | Uint8Array | undefined)[] = new Array<number | Uint8Array | undefined>(messages.length);
  let total = room;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    let size: number;
    if (m.kind === "put") {
      const sessionBytes = sessionSize(m.session);
      parts[i] = sessionBytes;
      size = putMessageSize(m.rid, m.from, sessionBytes);
    } else if (m.kind === "put_ack") size = putAckMessageSize(m.rid, OUTCOMES.indexOf(m.outcome), m.version);
    else {
      const bytes = messageType().encode(messageOut(m) as Record<string, unknown>).finish();
      parts[i] = bytes;
      size = bytes.length;
    }
    sizes[i] = size;
    total += 1 + varintBytes(size) + size;
  }
  const w = new FrameWriter(Buffer.allocUnsafe(total), room);
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    w.head(TAG_FRAME_MESSAGE, sizes[i]!);
    if (m.kind === "put") w.putMessage(m.rid, m.from, m.session, parts[i] as number);
    else if (m.kind === "put_ack") w.putAckMessage(m.rid, OUTCOMES.indexOf(m.outcome), m.version);
    else w.raw(parts[i] as Uint8Array);
  }
  return w.buf;
}

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

const EMPTY: Uint8Array = new Uint8Array(0);

/** The session at the cursor (a length-delimited field); the cursor moves past it. */
function fastSession(r: FrameCursor): SessionRecord {
  const outer = r.enter();
  let id = 0n;
  let version = 0;
  let state = EMPTY;
  let primary = 0;
  let secondary = 0;
  const answers: CachedAnswer[] = [];
  while (!r.done) {
    const tag = r.varint();
    if (tag === 0x09) id = r.fixed64();
    else if (tag === 0x10) version = r.varint();
    else if (tag === 0x1a) state = r.copyField();
    else if (tag === 0x20) primary = r.varint();
    else if (tag === 0x28) secondary = r.varint();
    else if (tag === 0x32) {
      if (answers.length === MAX_CACHED_ANSWERS) throw new Malformed("bad answers");
      answers.push(fastAnswer(r));
    } else r.skip(tag & 7);
  }
  r.leave(outer);
  if (!isServer(primary)) throw new Malformed("bad primary");
  if (secondary !== 0 && !isServer(secondary)) throw new Malformed("bad secondary");
  return { id: id as SessionId, version, state, primary, secondary: secondary as ServerId | 0, answers };
}

function fastAnswer(r: FrameCursor): CachedAnswer {
  const outer = r.enter();
  let requestId = 0;
  let type = 0;
  let payload = EMPTY;
  while (!r.done) {
    const tag = r.varint();
    if (tag === 0x08) requestId = r.varint();
    else if (tag === 0x10) type = r.varint();
    else if (tag === 0x1a) payload = r.copyField();
    else r.skip(tag & 7);
  }
  r.leave(outer);
  if (type !== MessageType.Response && type !== MessageType.Error) throw new Malformed("bad answer");
  return { requestId, type, payload };
}

function fastPut(rid: number, r: FrameCursor): PeerMessage {
  let sender = 0;
  let session: SessionRecord | undefined;
  while (!r.done) {
    const tag = r.varint();
    if (tag === 0x08) sender = r.varint();
    else if (tag === 0x12) session = fastSession(r);
    else r.skip(tag & 7);
  }
  if (!isServer(sender)) throw new Malformed("bad from");
  if (!session) throw new Malformed("missing session");
  return { kind: "put", rid, from: sender, session };
}

function fastPutAck(rid: number, r: FrameCursor): PeerMessage {
  let outcome = 0;
  let version = 0;
  while (!r.done) {
    const tag = r.varint();
    if (tag === 0x08) outcome = r.varint();
    else if (tag === 0x10) version = r.varint();
    else r.skip(tag & 7);
  }
  const kind = OUTCOMES[outcome];
  if (!kind) throw new Malformed("bad put_ack outcome");
  return { kind: "put_ack", rid, outcome: kind, version };
}

/** The Message at the cursor (a length-delimited field): puts and acks by hand, any other body through protobufjs. */
function messageAt(r: FrameCursor): PeerMessage {
  const outer = r.enter();
  const start = r.pos;
  const end = r.end;
  let rid = 0;
  let field = 0;
  let bodyStart = 0;
  let bodyEnd = 0;
  while (!r.done) {
    const tag = r.varint();
    if (tag === TAG_MESSAGE_RID) rid = r.varint();
    else if ((tag & 7) === 2 && tag >>> 3 >= FIELD_MESSAGE_PUT && tag >>> 3 <= 10) {
      // A oneof: the last body wins, as in any protobuf decoder.
      field = tag >>> 3;
      bodyEnd = r.fieldEnd();
      bodyStart = r.pos;
      r.pos = bodyEnd;
    } else r.skip(tag & 7);
  }
  if (field === 0) throw new Malformed("message without a body");
  let message: PeerMessage;
  if (field === FIELD_MESSAGE_PUT || field === FIELD_MESSAGE_PUT_ACK) {
    r.pos = bodyStart;
    r.end = bodyEnd;
    message = field === FIELD_MESSAGE_PUT ? fastPut(rid, r) : fastPutAck(rid, r);
  } else message = messageIn(messageType().decode(r.buf.subarray(start, end)));
  r.pos = end;
  r.end = outer;
  return message;
}

/** Decodes one frame body; never throws. */
export function decodeFrame(bytes: Uint8Array): FrameDecodeResult {
  try {
    const messages: PeerMessage[] = [];
    const r = new FrameCursor(bytes, 0, bytes.length);
    while (!r.done) {
      const tag = r.varint();
      if (tag !== TAG_FRAME_MESSAGE) {
        r.skip(tag & 7);
        continue;
      }
      messages.push(messageAt(r));
    }
    return { ok: true, messages };
  } catch (err) {
    return { ok: false, reason: err instanceof Malformed ? err.message : `not a peer frame (${String((err as Error).message ?? err).slice(0, 80)})` };
  }
}
