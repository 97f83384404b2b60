/**
 * The peer stream: replication between session servers over one TCP connection per peer pair
 * and direction, mutual TLS by default. Messages are protobuf (peer_codec.ts) in
 * length-prefixed frames (transport/frames.ts). Calls made in the same turn of the event loop
 * go out as one frame (batching) without waiting for earlier replies (pipelining); the replies
 * to one frame come back as one frame. TCP carries the flow control: a sender whose socket is
 * full waits for it to drain, and a receiver stops reading while its replies cannot be written.
 *
 * Authentication: both ends present a certificate of the cluster CA naming a server
 * (identity.ts). The caller checks that the certificate names the server it meant to call; the
 * callee refuses connections without such a certificate and any request whose `from` is not
 * the server the certificate names. Refusals are counted and logged, and never reach the store.
 * `insecure` (plain TCP, no identities) exists only behind an explicit option.
 */
import { type Server as NetServer, type Socket, connect as netConnect, createServer as netCreateServer } from "node:net";
import { type SecureContext, type TLSSocket, connect as tlsConnect, createSecureContext, createServer as tlsCreateServer } from "node:tls";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import type { TlsIdentity } from "../auth/cluster_files.ts";
import { type Identity, describeIdentity, identityOf, subjectName } from "../auth/identity.ts";
import type { Endpoint } from "../transport/endpoint.ts";
import { FRAME_HEADER_BYTES, FrameReader, writeFramed } from "../transport/frames.ts";
import { decodeFrame, encodeFrame } from "./peer_codec.ts";
import { type PeerLink, type PeerLinkCounters, type PeerCallOptions, type PeerRequestBody, type PeerRequestHandler, type PeerTarget, emptyPeerLinkCounters } from "./peer_link.ts";
import { type PeerMessage, type PeerReply, type PeerRequest, isPeerRequest } from "./peer_protocol.ts";
import { answer } from "./peer_rpc.ts";

/** Sessions up to 1 MiB replicate. */
export const STREAM_MAX_STATE_BYTES = 1 << 20;
/** A frame holds one largest record with room to spare; longer length prefixes end the connection. */
export const MAX_FRAME_BYTES = 32 << 20;
/** A batch is cut into frames of about this much session data. */
const FRAME_TARGET_BYTES = 1 << 20;

export type PeerStreamSecurity = { readonly kind: "mtls"; readonly tls: TlsIdentity } | { readonly kind: "insecure" };

export interface PeerStreamOptions {
  readonly ip?: string;
  /** 0 (default) picks an ephemeral port. */
  readonly port?: number;
  readonly security: PeerStreamSecurity;
  readonly log?: (line: string) => void;
}

interface Pending {
  readonly resolve: (reply: PeerReply | undefined) => void;
  readonly timeoutMs: number;
  /** performance.now() after which the call ends without a reply; the clock starts once the connection is up. */
  deadline: number;
}

const TLS_VERSION = "TLSv1.3";
const CONNECT_TIMEOUT_MS = 1000;
/** How many of its own timeouts a call may wait longer while its peer keeps answering other calls. */
const BUSY_PEER_GRACE = 20;

function messageBytes(m: PeerMessage): number {
  if (m.kind === "put") return 64 + m.session.state.length + m.session.answers.reduce((n, a) => n + a.payload.length + 16, 0);
  if (m.kind === "versions") return 32 + m.entries.length * 16;
  return 32;
}

/** One outbound connection to a peer, carrying this server's calls and their replies. */
class Outbound {
  readonly pending = new Map<number, Pending>();
  private queue: PeerMessage[] = [];
  private flushScheduled = false;
  private sweepTimer: NodeJS.Timeout | undefined;
  private lastReplyAt = -Infinity;
  private waitingForDrain = false;
  private connected = false;
  private closed = false;

  constructor(
    readonly key: string,
    private readonly socket: Socket | TLSSocket,
    readyEvent: "connect" | "secureConnect",
    readonly target: PeerTarget,
    private readonly onGone: (outbound: Outbound, reason: string) => void,
    private readonly counters: PeerLinkCounters,
    private readonly log: ((line: string) => void) | undefined,
  ) {
    socket.setNoDelay(true);
    const reader = new FrameReader(MAX_FRAME_BYTES, (body) => this.onFrame(body), (length) => this.fail(`frame of ${length} bytes from ${this.where}`));
    socket.on("data", (chunk: Buffer) => reader.push(chunk));
    // Connecting has its own time limit, so a handshake slowed by load does not eat the calls'
    // time; a peer that never completes one is given up on, and the next call dials again.
    const connectTimer = setTimeout(() => {
      if (!this.connected) this.fail(`${this.where}: no connection within ${CONNECT_TIMEOUT_MS} ms`);
    }, CONNECT_TIMEOUT_MS);
    socket.on(readyEvent, () => {
      clearTimeout(connectTimer);
      this.ready();
    });
    socket.on("close", () => clearTimeout(connectTimer));
    socket.on("error", (err) => this.fail(`${this.where}: ${err.message}`));
    socket.on("close", () => this.fail(`${this.where}: connection closed`));
  }

  get where(): string {
    return `server ${this.target.id} at ${this.target.endpoint.ip}:${this.target.endpoint.port}`;
  }

  /**
   * Queues a request for the next frame. One timer per connection ends overdue calls (cheaper
   * than one per call at tens of thousands a second); it walks the calls in the order they were
   * made, so a call with a shorter timeout than an earlier one may end late, never early.
   */
  call(message: PeerRequest, timeoutMs: number): Promise<PeerReply | undefined> {
    return new Promise((resolve) => {
      this.pending.set(message.rid, { resolve, timeoutMs, deadline: this.connected ? performance.now() + timeoutMs : Infinity });
      this.queue.push(message);
      if (this.connected) this.sweepTimer ??= setTimeout(() => this.sweepAfterIo(), timeoutMs);
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    });
  }

  /** The handshake is done: calls made while it ran get their full time from now. */
  private ready(): void {
    this.connected = true;
    const now = performance.now();
    for (const p of this.pending.values()) p.deadline = now + p.timeoutMs;
    if (!this.sweepTimer && this.pending.size > 0) this.sweepTimer = setTimeout(() => this.sweepAfterIo(), this.pending.values().next().value!.timeoutMs);
  }

  /**
   * Timers run before the event loop reads sockets: after the loop was busy, a reply may be
   * waiting unread past its call's deadline. Reading first (setImmediate runs after the poll
   * phase) keeps load from turning replies that came in time into timeouts.
   */
  private sweepAfterIo(): void {
    setImmediate(() => this.sweep());
  }

  private sweep(): void {
    this.sweepTimer = undefined;
    if (this.closed) return;
    const now = performance.now();
    for (const [rid, p] of this.pending) {
      // A peer still answering earlier calls is busy, not gone: calls queued behind large
      // records (a burst of 1 MiB sessions) wait while replies keep coming, up to a hard limit.
      const expires = Math.max(p.deadline, Math.min(this.lastReplyAt + p.timeoutMs, p.deadline + p.timeoutMs * BUSY_PEER_GRACE));
      if (expires > now) {
        this.sweepTimer = setTimeout(() => this.sweepAfterIo(), expires - now + 1);
        return;
      }
      this.pending.delete(rid);
      this.counters.timeouts++;
      p.resolve(undefined);
    }
  }

  /** Ends every call with no reply and the connection with them. */
  fail(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    for (const [rid, p] of this.pending) {
      this.pending.delete(rid);
      this.counters.timeouts++;
      p.resolve(undefined);
    }
    this.queue = [];
    this.socket.destroy();
    this.onGone(this, reason);
  }

  private flush(): void {
    this.flushScheduled = false;
    while (this.queue.length > 0 && !this.waitingForDrain && !this.closed) {
      let bytes = 0;
      let n = 0;
      while (n < this.queue.length && (n === 0 || bytes < FRAME_TARGET_BYTES)) bytes += messageBytes(this.queue[n++]!);
      const batch = n === this.queue.length ? this.queue : this.queue.slice(0, n);
      this.queue = n === this.queue.length ? [] : this.queue.slice(n);
      this.counters.framesSent++;
      if (!writeFramed(this.socket, encodeFrame(batch, FRAME_HEADER_BYTES))) {
        this.waitingForDrain = true;
        this.socket.once("drain", () => {
          this.waitingForDrain = false;
          this.flush();
        });
      }
    }
  }

  private onFrame(body: Uint8Array): void {
    this.lastReplyAt = performance.now();
    const decoded = decodeFrame(body);
    if (!decoded.ok) {
      this.counters.malformed++;
      this.log?.(`peer stream: malformed frame from ${this.where} (${decoded.reason}); reconnecting`);
      this.fail(decoded.reason);
      return;
    }
    for (const reply of decoded.messages) {
      if (isPeerRequest(reply)) continue;
      const p = this.pending.get(reply.rid);
      if (!p) continue;
      this.pending.delete(reply.rid);
      p.resolve(reply);
    }
  }
}

export class PeerStream implements PeerLink {
  readonly kind = "stream";
  readonly maxStateBytes = STREAM_MAX_STATE_BYTES;
  readonly counters: PeerLinkCounters = emptyPeerLinkCounters();
  private readonly outbound = new Map<string, Outbound>();
  private readonly byTarget = new WeakMap<PeerTarget, Outbound>();
  private readonly inbound = new Set<Socket>();
  private handler: PeerRequestHandler | undefined;
  /** Built once: parsing the CA and key for every connection costs more than the handshake. */
  private readonly clientContext: SecureContext | undefined;
  private nextRid = 1;
  private closed = false;

  private constructor(
    private readonly server: NetServer,
    readonly local: Endpoint,
    private readonly options: PeerStreamOptions,
  ) {
    const security = options.security;
    this.clientContext = security.kind === "mtls" ? createSecureContext({ ca: security.tls.ca, cert: security.tls.cert, key: security.tls.key, minVersion: TLS_VERSION }) : undefined;
  }

  get authenticated(): boolean {
    return this.options.security.kind === "mtls";
  }

  static async open(options: PeerStreamOptions): Promise<PeerStream> {
    const security = options.security;
    let stream: PeerStream | undefined;
    const server =
      security.kind === "mtls"
        ? tlsCreateServer({ ca: security.tls.ca, cert: security.tls.cert, key: security.tls.key, requestCert: true, rejectUnauthorized: true, minVersion: TLS_VERSION }, (socket) =>
            stream?.accept(socket, identityOf(socket.getPeerCertificate())),
          )
        : netCreateServer((socket) => stream?.accept(socket, undefined));
    server.on("tlsClientError", (err: Error, socket: TLSSocket) => stream?.refuse(socket, `TLS handshake failed: ${err.message}`));
    server.listen(options.port ?? 0, options.ip ?? "127.0.0.1");
    await Promise.race([
      once(server, "listening"),
      once(server, "error").then(([err]) => {
        throw err;
      }),
    ]);
    const address = server.address() as AddressInfo;
    stream = new PeerStream(server, { ip: address.address, port: address.port }, options);
    return stream;
  }

  serve(handler: PeerRequestHandler): void {
    this.handler = handler;
  }

  /** Dials peers ahead of the first call, so no request waits for a handshake. */
  prepare(targets: readonly PeerTarget[]): void {
    if (this.closed) return;
    for (const target of targets) this.connection(target);
  }

  call(target: PeerTarget, body: PeerRequestBody, options: PeerCallOptions): Promise<PeerReply | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const outbound = this.connection(target);
    const rid = this.nextRid;
    this.nextRid = this.nextRid === 0xffffffff ? 1 : this.nextRid + 1;
    this.counters.requestsSent++;
    return outbound.call({ ...body, rid } as PeerRequest, options.timeoutMs * (options.retries + 1));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const outbound of [...this.outbound.values()]) outbound.fail("closing");
    for (const socket of this.inbound) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private connection(target: PeerTarget): Outbound {
    // Callers pass the same target object call after call: skip building its key each time.
    const recent = this.byTarget.get(target);
    if (recent && this.outbound.get(recent.key) === recent) return recent;
    const key = `${target.id}@${target.endpoint.ip}:${target.endpoint.port}`;
    const existing = this.outbound.get(key);
    if (existing) {
      this.byTarget.set(target, existing);
      return existing;
    }
    const security = this.options.security;
    const { ip: host, port } = target.endpoint;
    const expected = subjectName({ role: "server", id: target.id });
    const socket =
      security.kind === "mtls"
        ? tlsConnect({
            host,
            port,
            secureContext: this.clientContext,
            // Peers are dialled by address: what matters is that the certificate names the server meant.
            checkServerIdentity: (_host, cert) => {
              const named = identityOf(cert);
              return named?.role === "server" && named.id === target.id ? undefined : new Error(`expected ${expected}, the certificate names ${describeIdentity(named)}`);
            },
          })
        : netConnect({ host, port });
    const outbound = new Outbound(
      key,
      socket,
      security.kind === "mtls" ? "secureConnect" : "connect",
      target,
      (gone, reason) => {
        if (this.outbound.get(key) === gone) this.outbound.delete(key);
        if (!this.closed && gone.pending.size > 0) this.options.log?.(`peer stream: ${reason}`);
      },
      this.counters,
      this.options.log,
    );
    this.outbound.set(key, outbound);
    this.byTarget.set(target, outbound);
    return outbound;
  }

  private refuse(socket: Socket, reason: string): void {
    this.counters.refused++;
    this.options.log?.(`peer stream: refused ${socket.remoteAddress}:${socket.remotePort}: ${reason}`);
    socket.destroy();
  }

  private accept(socket: Socket, identity: Identity | undefined): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    if (this.authenticated && identity?.role !== "server") {
      this.refuse(socket, `certificate names ${describeIdentity(identity)}, not a server`);
      return;
    }
    socket.setNoDelay(true);
    this.inbound.add(socket);
    const peer = identity?.role === "server" ? identity.id : undefined;
    const where = `${socket.remoteAddress}:${socket.remotePort}${peer === undefined ? "" : ` (server ${peer})`}`;
    const reader = new FrameReader(
      MAX_FRAME_BYTES,
      (body) => this.onRequests(socket, peer, where, body),
      (length) => {
        this.counters.malformed++;
        this.options.log?.(`peer stream: ${where} announced a frame of ${length} bytes; closed`);
        socket.destroy();
      },
    );
    socket.on("data", (chunk: Buffer) => reader.push(chunk));
    socket.on("error", () => socket.destroy());
    socket.on("close", () => this.inbound.delete(socket));
  }

  private onRequests(socket: Socket, peer: number | undefined, where: string, body: Uint8Array): void {
    const decoded = decodeFrame(body);
    if (!decoded.ok) {
      this.counters.malformed++;
      this.options.log?.(`peer stream: malformed frame from ${where} (${decoded.reason}); closed`);
      socket.destroy();
      return;
    }
    const replies: PeerReply[] = [];
    let forged = 0;
    for (const message of decoded.messages) {
      if (!isPeerRequest(message)) continue;
      if (peer !== undefined && message.from !== peer) {
        forged++;
        replies.push({ kind: "error", rid: message.rid, reason: `refused: sender ${message.from} is not the certificate's server ${peer}` });
        continue;
      }
      if (!this.handler) continue;
      this.counters.requestsServed++;
      replies.push(answer(this.handler, message));
    }
    if (forged > 0) {
      this.counters.refused += forged;
      this.options.log?.(`peer stream: refused ${forged} request(s) from ${where} claiming another server's id`);
    }
    if (replies.length === 0 || socket.destroyed) return;
    if (!writeFramed(socket, encodeFrame(replies, FRAME_HEADER_BYTES))) {
      // Flow control: read no more requests until the peer has taken these replies.
      socket.pause();
      socket.once("drain", () => socket.resume());
    }
  }
}

export const openPeerStream = (options: PeerStreamOptions): Promise<PeerStream> => PeerStream.open(options);
