/**
 * The management protocol between the controller and each session server.
 *
 * One JSON object per UDP datagram on the server's management port (kernel UDP, never through
 * the switch, so the controller can still reach a server whose data path is broken). Every
 * object carries `slbctl: 1` (so stray traffic is recognised and ignored), a `kind` and a
 * `nonce` the reply echoes, so the sender matches replies to requests and retransmits freely.
 *
 *   probe          controller -> server   health check
 *   probe_ack      server -> controller   {serverId, epoch, sessions, load}
 *   membership     controller -> server   {epoch, servers[]}: the live-server set the server
 *                                         picks secondaries from; older epochs are ignored
 *   membership_ack server -> controller   {serverId, epoch}: the epoch the server now holds
 *                                         (higher than the one sent if the pushed one was stale)
 *   error          either way            {reason}: the request was understood as ours but bad
 *
 * Authentication: with a cluster key, every datagram both ways is sealed (auth/seal.ts) and an
 * unsealed or forged one is not answered; without one (insecure mode) datagrams are plain JSON.
 *
 * The format is stable: fields and kinds may be added, never changed or removed.
 */
import { createSocket, type Socket } from "node:dgram";
import { randomInt } from "node:crypto";
import type { Endpoint } from "../transport/endpoint.ts";
import { seal, unseal } from "../auth/seal.ts";
import { parseJsonObject } from "./json_datagram.ts";

export const CONTROL_PROTOCOL_VERSION = 1;
/** Management datagrams stay well under one Ethernet MTU worth of payload times a few. */
export const MAX_CONTROL_DATAGRAM_BYTES = 60_000;

export type ServerState = "up" | "down" | "draining";

export interface MemberServer {
  readonly id: number;
  /** IPv4 address of the server's data and peer sockets. */
  readonly address: string;
  readonly dataPort: number;
  /** Server-to-server replication port (SessionServer's peer protocol). */
  readonly peerPort: number;
  readonly state: ServerState;
}

export interface ProbeMessage {
  readonly kind: "probe";
  readonly nonce: number;
}
export interface ProbeAckMessage {
  readonly kind: "probe_ack";
  readonly nonce: number;
  readonly serverId: number;
  /** The membership epoch the server holds (0 before the first membership push). */
  readonly epoch: number;
  /** Sessions stored (as primary or secondary). */
  readonly sessions: number;
  /** Fraction of the server's session capacity in use, 0..1. */
  readonly load: number;
}
export interface MembershipMessage {
  readonly kind: "membership";
  readonly nonce: number;
  readonly epoch: number;
  readonly servers: readonly MemberServer[];
}
export interface MembershipAckMessage {
  readonly kind: "membership_ack";
  readonly nonce: number;
  readonly serverId: number;
  readonly epoch: number;
}
export interface ControlErrorMessage {
  readonly kind: "error";
  readonly nonce: number;
  readonly reason: string;
}

export type ControlRequest = ProbeMessage | MembershipMessage;
export type ControlReply = ProbeAckMessage | MembershipAckMessage | ControlErrorMessage;
export type ControlMessage = ControlRequest | ControlReply;

export type ControlDecodeResult =
  | { readonly ok: true; readonly message: ControlMessage }
  | { readonly ok: false; readonly reason: string; /** the nonce, when the datagram was ours enough to answer */ readonly nonce?: number };

export function encodeControl(message: ControlMessage): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ slbctl: CONTROL_PROTOCOL_VERSION, ...message }));
}

const SERVER_STATES: readonly string[] = ["up", "down", "draining"];

function isUint(v: unknown, max = 0xffffffff): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= max;
}

function decodeMember(v: unknown): MemberServer | string {
  if (typeof v !== "object" || v === null) return "server entry is not an object";
  const o = v as Record<string, unknown>;
  if (!isUint(o.id, 65534) || o.id === 0) return "server id must be 1..65534";
  if (typeof o.address !== "string" || !/^\d{1,3}(\.\d{1,3}){3}$/.test(o.address)) return "server address must be a dotted quad";
  if (!isUint(o.dataPort, 65535) || !isUint(o.peerPort, 65535)) return "server ports must be 0..65535";
  if (typeof o.state !== "string" || !SERVER_STATES.includes(o.state)) return "server state must be up, down or draining";
  return { id: o.id, address: o.address, dataPort: o.dataPort, peerPort: o.peerPort, state: o.state as ServerState };
}

/** Decodes one datagram; never throws. */
export function decodeControl(bytes: Uint8Array): ControlDecodeResult {
  if (bytes.length > MAX_CONTROL_DATAGRAM_BYTES) return { ok: false, reason: "datagram too large" };
  const json = parseJsonObject(bytes);
  if (!json.ok) return json;
  const o = json.object;
  if (o.slbctl !== CONTROL_PROTOCOL_VERSION) return { ok: false, reason: "not an slb control message" };
  if (!isUint(o.nonce)) return { ok: false, reason: "nonce must be a 32-bit unsigned integer" };
  const nonce = o.nonce;
  const bad = (reason: string): ControlDecodeResult => ({ ok: false, reason, nonce });
  switch (o.kind) {
    case "probe":
      return { ok: true, message: { kind: "probe", nonce } };
    case "probe_ack": {
      if (!isUint(o.serverId, 65534) || !isUint(o.epoch, Number.MAX_SAFE_INTEGER) || !isUint(o.sessions, Number.MAX_SAFE_INTEGER)) {
        return bad("probe_ack needs serverId, epoch, sessions");
      }
      if (typeof o.load !== "number" || !Number.isFinite(o.load) || o.load < 0) return bad("probe_ack load must be a non-negative number");
      return { ok: true, message: { kind: "probe_ack", nonce, serverId: o.serverId, epoch: o.epoch, sessions: o.sessions, load: o.load } };
    }
    case "membership": {
      if (!isUint(o.epoch, Number.MAX_SAFE_INTEGER)) return bad("membership epoch must be a non-negative integer");
      if (!Array.isArray(o.servers)) return bad("membership servers must be an array");
      const servers: MemberServer[] = [];
      const seen = new Set<number>();
      for (const entry of o.servers) {
        const member = decodeMember(entry);
        if (typeof member === "string") return bad(member);
        if (seen.has(member.id)) return bad(`server ${member.id} listed twice`);
        seen.add(member.id);
        servers.push(member);
      }
      return { ok: true, message: { kind: "membership", nonce, epoch: o.epoch, servers } };
    }
    case "membership_ack":
      if (!isUint(o.serverId, 65534) || !isUint(o.epoch, Number.MAX_SAFE_INTEGER)) return bad("membership_ack needs serverId and epoch");
      return { ok: true, message: { kind: "membership_ack", nonce, serverId: o.serverId, epoch: o.epoch } };
    case "error":
      return { ok: true, message: { kind: "error", nonce, reason: typeof o.reason === "string" ? o.reason : "unspecified" } };
    default:
      return bad(`unknown kind ${JSON.stringify(o.kind)}`);
  }
}

export interface SendControlOptions {
  /** Time to wait for a reply to each attempt. */
  readonly timeoutMs?: number;
  /** Retransmissions after the first attempt (same nonce). */
  readonly retries?: number;
  /** The cluster key: requests go out sealed and only replies sealed under it are accepted. Omitted: insecure. */
  readonly key?: Uint8Array;
}

export class ControlTimeoutError extends Error {
  override readonly name = "ControlTimeoutError";
}

type WithoutNonce<T> = T extends unknown ? Omit<T, "nonce"> : never;
export type ControlRequestBody = WithoutNonce<ControlRequest>;

/** The reply kind that answers each request kind; an `error` reply can answer any. */
export type ReplyFor<R extends ControlRequestBody> =
  | (R extends { kind: "probe" } ? ProbeAckMessage : R extends { kind: "membership" } ? MembershipAckMessage : never)
  | ControlErrorMessage;

const EXPECTED_REPLY: Record<ControlRequest["kind"], ControlReply["kind"]> = { probe: "probe_ack", membership: "membership_ack" };

/**
 * Sends one request from a fresh ephemeral kernel-UDP socket and resolves with the matching reply
 * (same nonce). Rejects with ControlTimeoutError after `retries + 1` unanswered attempts.
 */
export function sendControl<R extends ControlRequestBody>(dst: Endpoint, body: R, options: SendControlOptions = {}): Promise<ReplyFor<R>> {
  const timeoutMs = options.timeoutMs ?? 200;
  const attempts = (options.retries ?? 2) + 1;
  const nonce = randomInt(0, 0xffffffff);
  const plain = encodeControl({ ...body, nonce } as ControlMessage);
  const key = options.key;
  const request = key ? seal(key, plain) : plain;
  const expected = EXPECTED_REPLY[body.kind];
  return new Promise((resolve, reject) => {
    const socket: Socket = createSocket("udp4");
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const finish = (outcome: () => void): void => {
      if (timer) clearTimeout(timer);
      socket.close();
      outcome();
    };
    const attempt = (): void => {
      if (sent === attempts) {
        finish(() => reject(new ControlTimeoutError(`no ${expected} from ${dst.ip}:${dst.port} after ${attempts} attempts of ${timeoutMs} ms`)));
        return;
      }
      sent++;
      socket.send(request, dst.port, dst.ip);
      timer = setTimeout(attempt, timeoutMs);
    };
    socket.on("message", (bytes) => {
      const opened = key ? unseal(key, bytes) : { ok: true as const, body: bytes };
      if (!opened.ok) return;
      const decoded = decodeControl(opened.body);
      if (!decoded.ok || decoded.message.nonce !== nonce) return;
      const reply = decoded.message;
      if (reply.kind === expected || reply.kind === "error") finish(() => resolve(reply as ReplyFor<R>));
    });
    socket.on("error", (err) => finish(() => reject(err)));
    socket.bind(0, attempt);
  });
}

export function probeServer(dst: Endpoint, options?: SendControlOptions): Promise<ProbeAckMessage | ControlErrorMessage> {
  return sendControl(dst, { kind: "probe" }, options);
}

export function pushMembership(
  dst: Endpoint,
  membership: { readonly epoch: number; readonly servers: readonly MemberServer[] },
  options?: SendControlOptions,
): Promise<MembershipAckMessage | ControlErrorMessage> {
  return sendControl(dst, { kind: "membership", epoch: membership.epoch, servers: membership.servers }, options);
}
