/**
 * What a session server replicates through: request/reply with its peers. Two transports
 * implement it: the authenticated stream (peer_stream.ts: mutual TLS, length-prefixed protobuf
 * frames, batched and pipelined) and the legacy datagram one (peer_rpc.ts: JSON in UDP,
 * unauthenticated, a record must fit one datagram), which the host-stack testbench still speaks.
 */
import type { Endpoint } from "../transport/endpoint.ts";
import type { ServerId } from "../wire/session_header.ts";
import type { PeerReply, PeerRequest } from "./peer_protocol.ts";

type WithoutRid<T> = T extends unknown ? Omit<T, "rid"> : never;
export type PeerRequestBody = WithoutRid<PeerRequest>;

export interface PeerCallOptions {
  /**
   * The datagram transport waits this long per attempt. The stream does not retransmit: it waits
   * timeoutMs * (retries + 1) from the end of the handshake, longer while the peer keeps answering
   * earlier calls on the connection (a busy peer is not a dead one).
   */
  readonly timeoutMs: number;
  readonly retries: number;
}

/** A peer to call: its id (checked against its certificate on the stream) and where it listens. */
export interface PeerTarget {
  readonly id: ServerId;
  readonly endpoint: Endpoint;
}

/** Answers one request from a peer; synchronous, so a batch of requests gets a batch of replies. */
export type PeerRequestHandler = (request: PeerRequest) => PeerReply;

export interface PeerLinkCounters {
  requestsSent: number;
  /** Frames (stream) or datagrams carrying those requests: requestsSent / framesSent is the batching. */
  framesSent: number;
  /** Calls that got no reply (timeout, connection refused or lost). */
  timeouts: number;
  requestsServed: number;
  /** Bytes or frames that were not the peer protocol. */
  malformed: number;
  /** Connections without a valid cluster certificate, and requests whose sender differs from the certificate's. */
  refused: number;
}

export interface PeerLink {
  readonly kind: "stream" | "datagram";
  /** Whether every request served came from a peer that proved its identity. */
  readonly authenticated: boolean;
  readonly local: Endpoint;
  /** Largest session state this transport carries (a datagram must hold a whole record). */
  readonly maxStateBytes: number;
  readonly counters: PeerLinkCounters;
  /** Resolves with the reply, or undefined when none came (the caller treats the peer as silent). */
  call(target: PeerTarget, body: PeerRequestBody, options: PeerCallOptions): Promise<PeerReply | undefined>;
  serve(handler: PeerRequestHandler): void;
  /** Gets ready to call these peers (the stream dials them); calls work without it. */
  prepare(targets: readonly PeerTarget[]): void;
  close(): Promise<void>;
}

export function emptyPeerLinkCounters(): PeerLinkCounters {
  return { requestsSent: 0, framesSent: 0, timeouts: 0, requestsServed: 0, malformed: 0, refused: 0 };
}
