/**
 * The server-to-server replication protocol, on each server's peer port.
 *
 * One JSON object per UDP datagram, tagged `slbpeer: 1`, with a `kind` and a request id `rid`
 * that the reply echoes (the sender matches replies by it and retransmits with the same rid;
 * every request is idempotent, so a duplicate does no harm). Session ids travel as decimal
 * strings (they are 64-bit), state and cached answers as base64.
 *
 *   put       {from, session}          store this copy if its version is higher than yours
 *     -> put_ack {outcome: applied | equal | stale | full, version}   (version: what you now hold)
 *   get       {from, sessionId}        send me your copy (failover, stale refresh)
 *     -> get_reply {session | null}
 *   versions  {from, entries: [[sessionId, version], ...]}   the batched periodic version check
 *     -> versions_reply {mismatches: [[sessionId, yourVersion or -1 when missing], ...],
 *                        foreign: [[sessionId, yourVersion], ...]}   copies whose primary is
 *                        not the sender any more (another server took the session over)
 *   drop      {from, sessionId, version}   the primary expired the session: drop your copy
 *     -> drop_ack {dropped}                  (kept when your copy is newer than `version`)
 *   error     {reason}                 the datagram was ours but malformed
 *
 * A copy sent by `put` carries its replica pair, so the receiver learns who is primary now.
 */
import { MAX_SERVER_ID, MessageType, type ServerId, type SessionId } from "../wire/session_header.ts";
import { type CachedAnswer, MAX_CACHED_ANSWERS, type SessionRecord } from "./record.ts";
import { parseJsonObject } from "../wire/json_datagram.ts";

export const PEER_PROTOCOL_VERSION = 1;
/** Version-check entries per datagram: ~30 bytes each keeps a batch near 6 KB. */
export const VERSION_BATCH_SIZE = 200;

export type PutOutcomeKind = "applied" | "equal" | "stale" | "full";

export type PeerRequest =
  | { readonly kind: "put"; readonly rid: number; readonly from: number; readonly session: SessionRecord }
  | { readonly kind: "get"; readonly rid: number; readonly from: number; readonly sessionId: SessionId }
  | { readonly kind: "versions"; readonly rid: number; readonly from: number; readonly entries: readonly (readonly [SessionId, number])[] }
  | { readonly kind: "drop"; readonly rid: number; readonly from: number; readonly sessionId: SessionId; readonly version: number };

export type PeerReply =
  | { readonly kind: "put_ack"; readonly rid: number; readonly outcome: PutOutcomeKind; readonly version: number }
  | { readonly kind: "get_reply"; readonly rid: number; readonly session: SessionRecord | null }
  | {
      readonly kind: "versions_reply";
      readonly rid: number;
      readonly mismatches: readonly (readonly [SessionId, number])[];
      readonly foreign: readonly (readonly [SessionId, number])[];
    }
  | { readonly kind: "drop_ack"; readonly rid: number; readonly dropped: boolean }
  | { readonly kind: "error"; readonly rid: number; readonly reason: string };

export type PeerMessage = PeerRequest | PeerReply;

export type PeerDecodeResult = { readonly ok: true; readonly message: PeerMessage } | { readonly ok: false; readonly reason: string; readonly rid?: number };

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");

function sessionToJson(s: SessionRecord): unknown {
  return {
    id: s.id.toString(),
    version: s.version,
    state: b64(s.state),
    primary: s.primary,
    secondary: s.secondary,
    answers: s.answers.map((a) => ({ requestId: a.requestId, type: a.type, payload: b64(a.payload) })),
  };
}

export function encodePeer(message: PeerMessage): Uint8Array {
  const body: Record<string, unknown> = { slbpeer: PEER_PROTOCOL_VERSION, ...message };
  if (message.kind === "put") body.session = sessionToJson(message.session);
  if (message.kind === "get_reply") body.session = message.session ? sessionToJson(message.session) : null;
  if (message.kind === "get" || message.kind === "drop") body.sessionId = message.sessionId.toString();
  if (message.kind === "versions") body.entries = message.entries.map(([id, v]) => [id.toString(), v]);
  if (message.kind === "versions_reply") {
    body.mismatches = message.mismatches.map(([id, v]) => [id.toString(), v]);
    body.foreign = message.foreign.map(([id, v]) => [id.toString(), v]);
  }
  return new TextEncoder().encode(JSON.stringify(body));
}

const isUint32 = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
const isServer = (v: unknown): v is ServerId => typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= MAX_SERVER_ID;

function parseSessionId(v: unknown): SessionId | undefined {
  if (typeof v !== "string" || !/^\d{1,20}$/.test(v)) return undefined;
  const id = BigInt(v);
  return id < 1n << 64n ? (id as SessionId) : undefined;
}

function parseBase64(v: unknown): Uint8Array | undefined {
  if (typeof v !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) return undefined;
  return new Uint8Array(Buffer.from(v, "base64"));
}

function parseSession(v: unknown): SessionRecord | string {
  if (typeof v !== "object" || v === null) return "session is not an object";
  const o = v as Record<string, unknown>;
  const id = parseSessionId(o.id);
  const state = parseBase64(o.state);
  if (id === undefined) return "bad session id";
  if (!isUint32(o.version)) return "bad session version";
  if (state === undefined) return "bad session state";
  if (!isServer(o.primary)) return "bad primary";
  if (o.secondary !== 0 && !isServer(o.secondary)) return "bad secondary";
  if (!Array.isArray(o.answers) || o.answers.length > MAX_CACHED_ANSWERS) return "bad answers";
  const answers: CachedAnswer[] = [];
  for (const a of o.answers as unknown[]) {
    if (typeof a !== "object" || a === null) return "bad answer";
    const ao = a as Record<string, unknown>;
    const payload = parseBase64(ao.payload);
    if (!isUint32(ao.requestId) || (ao.type !== MessageType.Response && ao.type !== MessageType.Error) || payload === undefined) return "bad answer";
    answers.push({ requestId: ao.requestId, type: ao.type, payload });
  }
  return { id, version: o.version, state, primary: o.primary, secondary: o.secondary as ServerId | 0, answers };
}

function parsePairs(v: unknown, allowMissing: boolean): [SessionId, number][] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: [SessionId, number][] = [];
  for (const entry of v as unknown[]) {
    if (!Array.isArray(entry) || entry.length !== 2) return undefined;
    const id = parseSessionId(entry[0]);
    const version = entry[1];
    if (id === undefined || !(isUint32(version) || (allowMissing && version === -1))) return undefined;
    out.push([id, version as number]);
  }
  return out;
}

/** Decodes one datagram; never throws. */
export function decodePeer(bytes: Uint8Array): PeerDecodeResult {
  const json = parseJsonObject(bytes);
  if (!json.ok) return json;
  const o = json.object;
  if (o.slbpeer !== PEER_PROTOCOL_VERSION) return { ok: false, reason: "not an slb peer message" };
  if (!isUint32(o.rid)) return { ok: false, reason: "bad rid" };
  const rid = o.rid;
  const bad = (reason: string): PeerDecodeResult => ({ ok: false, reason, rid });
  const needsFrom = o.kind === "put" || o.kind === "get" || o.kind === "versions" || o.kind === "drop";
  if (needsFrom && !isServer(o.from)) return bad("bad from");
  const from = o.from as number;
  switch (o.kind) {
    case "put": {
      const session = parseSession(o.session);
      return typeof session === "string" ? bad(session) : { ok: true, message: { kind: "put", rid, from, session } };
    }
    case "get": {
      const sessionId = parseSessionId(o.sessionId);
      return sessionId === undefined ? bad("bad sessionId") : { ok: true, message: { kind: "get", rid, from, sessionId } };
    }
    case "versions": {
      const entries = parsePairs(o.entries, false);
      return entries === undefined ? bad("bad entries") : { ok: true, message: { kind: "versions", rid, from, entries } };
    }
    case "drop": {
      const sessionId = parseSessionId(o.sessionId);
      if (sessionId === undefined || !isUint32(o.version)) return bad("bad drop");
      return { ok: true, message: { kind: "drop", rid, from, sessionId, version: o.version } };
    }
    case "drop_ack":
      return typeof o.dropped === "boolean" ? { ok: true, message: { kind: "drop_ack", rid, dropped: o.dropped } } : bad("bad drop_ack");
    case "put_ack":
      if ((o.outcome !== "applied" && o.outcome !== "equal" && o.outcome !== "stale" && o.outcome !== "full") || !isUint32(o.version)) return bad("bad put_ack");
      return { ok: true, message: { kind: "put_ack", rid, outcome: o.outcome, version: o.version } };
    case "get_reply": {
      if (o.session === null) return { ok: true, message: { kind: "get_reply", rid, session: null } };
      const session = parseSession(o.session);
      return typeof session === "string" ? bad(session) : { ok: true, message: { kind: "get_reply", rid, session } };
    }
    case "versions_reply": {
      const mismatches = parsePairs(o.mismatches, true);
      const foreign = parsePairs(o.foreign ?? [], false);
      if (mismatches === undefined || foreign === undefined) return bad("bad versions_reply");
      return { ok: true, message: { kind: "versions_reply", rid, mismatches, foreign } };
    }
    case "error":
      return { ok: true, message: { kind: "error", rid, reason: typeof o.reason === "string" ? o.reason : "unspecified" } };
    default:
      return bad(`unknown kind ${JSON.stringify(o.kind)?.slice(0, 40)}`);
  }
}

export function isPeerRequest(m: PeerMessage): m is PeerRequest {
  return m.kind === "put" || m.kind === "get" || m.kind === "versions" || m.kind === "drop";
}
