/**
 * Request/reply over the peer port: retransmits with the same rid until a reply or the last
 * timeout, answers incoming requests through a handler, and answers garbage that looks like
 * ours with an error (garbage that does not is dropped), so no datagram can crash a server.
 */
import { randomInt } from "node:crypto";
import type { DatagramTransport } from "../transport/datagram.ts";
import type { Endpoint } from "../transport/endpoint.ts";
import { type PeerReply, type PeerRequest, decodePeer, encodePeer, isPeerRequest } from "./peer_protocol.ts";

type WithoutRid<T> = T extends unknown ? Omit<T, "rid"> : never;
export type PeerRequestBody = WithoutRid<PeerRequest>;

export interface PeerCallOptions {
  readonly timeoutMs: number;
  readonly retries: number;
}

export interface PeerRpcCounters {
  requestsSent: number;
  retransmissions: number;
  timeouts: number;
  requestsServed: number;
  malformed: number;
}

interface Pending {
  readonly resolve: (reply: PeerReply | undefined) => void;
  timer: NodeJS.Timeout;
}

export type PeerRequestHandler = (src: Endpoint, request: PeerRequest) => Promise<PeerReply>;

export class PeerRpc {
  readonly counters: PeerRpcCounters = { requestsSent: 0, retransmissions: 0, timeouts: 0, requestsServed: 0, malformed: 0 };
  private readonly pending = new Map<number, Pending>();
  private nextRid = randomInt(1, 0x7fffffff);
  private closed = false;

  constructor(
    private readonly transport: DatagramTransport,
    private readonly handler: PeerRequestHandler,
  ) {
    transport.onReceive((src, bytes) => this.receive(src, bytes));
  }

  /** Resolves with the reply, or undefined when every attempt timed out (or the rpc was closed). */
  call(dst: Endpoint, body: PeerRequestBody, options: PeerCallOptions): Promise<PeerReply | undefined> {
    if (this.closed) return Promise.resolve(undefined);
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
        this.counters.retransmissions++;
        this.transport.send(dst, bytes);
        entry.timer = setTimeout(onTimeout, options.timeoutMs);
      };
      const entry: Pending = { resolve, timer: setTimeout(onTimeout, options.timeoutMs) };
      this.pending.set(rid, entry);
      this.transport.send(dst, bytes);
    });
  }

  /** Resolves every outstanding call with undefined and stops answering. */
  close(): void {
    this.closed = true;
    for (const [rid, entry] of this.pending) {
      clearTimeout(entry.timer);
      this.pending.delete(rid);
      entry.resolve(undefined);
    }
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
    this.counters.requestsServed++;
    this.handler(src, message).then(
      (reply) => {
        if (!this.closed) this.transport.send(src, encodePeer(reply));
      },
      (err: unknown) => {
        if (!this.closed) this.transport.send(src, encodePeer({ kind: "error", rid: message.rid, reason: `internal: ${String(err).slice(0, 200)}` }));
      },
    );
  }
}
