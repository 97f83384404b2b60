/**
 * The legacy datagram peer transport: JSON in UDP (peer_protocol.ts). Retransmits with the same
 * rid until a reply or the last timeout, answers incoming requests through a handler, and
 * answers garbage that looks like ours with an error (garbage that does not is dropped), so no
 * datagram can crash a server. It authenticates nobody: anyone who can reach the port is
 * served, which is why only the host-stack testbench and explicitly insecure setups use it.
 */
import { randomInt } from "node:crypto";
import type { DatagramTransport } from "../transport/datagram.ts";
import type { Endpoint } from "../transport/endpoint.ts";
import { type PeerLink, type PeerLinkCounters, type PeerRequestBody, type PeerCallOptions, type PeerRequestHandler, type PeerTarget, emptyPeerLinkCounters } from "./peer_link.ts";
import { type PeerReply, type PeerRequest, decodePeer, encodePeer, isPeerRequest } from "./peer_protocol.ts";

/** A record must fit one datagram with its base64 and JSON overhead (answers take up to 8 KiB more). */
export const DATAGRAM_MAX_STATE_BYTES = 12288;

interface Pending {
  readonly resolve: (reply: PeerReply | undefined) => void;
  timer: NodeJS.Timeout;
}

export class PeerRpc implements PeerLink {
  readonly kind = "datagram";
  readonly authenticated = false;
  readonly maxStateBytes = DATAGRAM_MAX_STATE_BYTES;
  readonly counters: PeerLinkCounters = emptyPeerLinkCounters();
  retransmissions = 0;
  private readonly pending = new Map<number, Pending>();
  private nextRid = randomInt(1, 0x7fffffff);
  private handler: PeerRequestHandler | undefined;
  private closed = false;

  constructor(private readonly transport: DatagramTransport) {
    transport.onReceive((src, bytes) => this.receive(src, bytes));
  }

  get local(): Endpoint {
    return this.transport.local;
  }

  serve(handler: PeerRequestHandler): void {
    this.handler = handler;
  }

  prepare(): void {
    // Datagrams need no connection.
  }

  call(target: PeerTarget, body: PeerRequestBody, options: PeerCallOptions): Promise<PeerReply | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const dst = target.endpoint;
    const rid = this.nextRid;
    this.nextRid = this.nextRid === 0xffffffff ? 1 : this.nextRid + 1;
    const bytes = encodePeer({ ...body, rid } as PeerRequest);
    this.counters.requestsSent++;
    return new Promise((resolve) => {
      let attemptsLeft = options.retries;
      const onTimeout = (): void => {
        if (attemptsLeft === 0) {
          this.pending.delete(rid);
          this.counters.timeouts++;
          resolve(undefined);
          return;
        }
        attemptsLeft--;
        this.retransmissions++;
        this.transport.send(dst, bytes);
        entry.timer = setTimeout(onTimeout, options.timeoutMs);
      };
      const entry: Pending = { resolve, timer: setTimeout(onTimeout, options.timeoutMs) };
      this.pending.set(rid, entry);
      this.counters.framesSent++;
      this.transport.send(dst, bytes);
    });
  }

  /** Resolves every outstanding call with undefined, stops answering and closes the socket. */
  async close(): Promise<void> {
    this.closed = true;
    for (const [rid, entry] of this.pending) {
      clearTimeout(entry.timer);
      this.pending.delete(rid);
      entry.resolve(undefined);
    }
    await this.transport.close();
  }

  private receive(src: Endpoint, bytes: Uint8Array): void {
    if (this.closed) return;
    const decoded = decodePeer(bytes);
    if (!decoded.ok) {
      this.counters.malformed++;
      if (decoded.rid !== undefined) this.transport.send(src, encodePeer({ kind: "error", rid: decoded.rid, reason: decoded.reason }));
      return;
    }
    const message = decoded.message;
    if (!isPeerRequest(message)) {
      const entry = this.pending.get(message.rid);
      if (!entry) return;
      clearTimeout(entry.timer);
      this.pending.delete(message.rid);
      entry.resolve(message);
      return;
    }
    if (!this.handler) return;
    this.counters.requestsServed++;
    this.transport.send(src, encodePeer(answer(this.handler, message)));
  }
}

/** Runs the handler, turning a throw into an error reply so one bad request cannot take the port down. */
export function answer(handler: PeerRequestHandler, request: PeerRequest): PeerReply {
  try {
    return handler(request);
  } catch (err) {
    return { kind: "error", rid: request.rid, reason: `internal: ${String(err).slice(0, 200)}` };
  }
}
