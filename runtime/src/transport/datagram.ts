/**
 * What servers and clients send datagrams through, so the same code runs over kernel UDP
 * (`udp.ts`) or over the userspace host stack attached to a switch port (`hoststack.ts`).
 */
import type { Endpoint } from "./endpoint.ts";

export type ReceiveHandler = (src: Endpoint, payload: Uint8Array) => void;

export interface DatagramTransport {
  /** The local address and port datagrams are sent from and received on. */
  readonly local: Endpoint;
  /** Fire and forget, as UDP: a datagram that cannot be sent is dropped, never thrown. */
  send(dst: Endpoint, payload: Uint8Array): void;
  /** Replaces the handler; datagrams arriving with no handler set are dropped. */
  onReceive(handler: ReceiveHandler): void;
  close(): Promise<void>;
}
