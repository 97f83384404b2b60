/**
 * DatagramTransport over the slb_udp addon (bmv2/native/src/udp.c): received datagrams come in
 * batches (one recvmmsg and one JS call per batch), and every send made during one turn of the
 * event loop leaves in one sendmmsg at the end of it. Same semantics as node:dgram otherwise:
 * IPv4, fire and forget, a datagram the kernel refuses is dropped and counted.
 */
import { nativeAddon } from "../../../bmv2/src/native_addon.ts";
import type { DatagramTransport, ReceiveHandler } from "./datagram.ts";
import { type Endpoint, formatIpv4, parseIpv4 } from "./endpoint.ts";

type UdpHandle = { readonly __udp: unique symbol };

interface UdpAddon {
  open(ip: string, port: number): UdpHandle;
  port(h: UdpHandle): number;
  receive(h: UdpHandle, batch: ArrayBuffer, descriptors: Uint32Array, callback: (count: number) => void): void;
  send(h: UdpHandle, data: Uint8Array, descriptors: Uint32Array, count: number): number;
  stats(h: UdpHandle): BatchedUdpStats;
  close(h: UdpHandle): void;
}

export interface BatchedUdpStats {
  readonly rxDatagrams: number;
  readonly rxBatches: number;
  readonly txDatagrams: number;
  readonly txDropped: number;
}

export const loadBatchedUdp = nativeAddon<UdpAddon>("slb_udp", "the slb_udp addon", "batched UDP needs Linux (recvmmsg, sendmmsg)");

/** Every receive slot holds the largest IPv4 datagram; the kernel touches only the bytes it writes. */
const SLOT_BYTES = 65536;
const RECEIVE_SLOTS = 32;
const DESC_WORDS = 4;
const FIRST_SEND_BUFFER_BYTES = 64 * 1024;
const FIRST_SEND_SLOTS = 256;

export interface BatchedUdpTransport extends DatagramTransport {
  stats(): BatchedUdpStats;
}

export function openBatchedUdp(addon: UdpAddon, ip: string, port: number): BatchedUdpTransport {
  const handle = addon.open(ip, port);
  const local: Endpoint = { ip, port: addon.port(handle) };
  let handler: ReceiveHandler | undefined;
  let closed = false;

  const batch = new ArrayBuffer(SLOT_BYTES * RECEIVE_SLOTS);
  const received = new Uint32Array(RECEIVE_SLOTS * DESC_WORDS);
  // Sources repeat (a client, a peer): one Endpoint object per address, not one per datagram.
  const sources = new Map<number, Endpoint>();
  addon.receive(handle, batch, received, (count) => {
    if (!handler) return;
    let bytes = 0;
    for (let i = 0; i < count; i++) bytes += received[i * DESC_WORDS + 1]!;
    // The batch buffer is refilled by the next call: handlers keep their datagrams, so each batch gets one copy of its own.
    const own = new Uint8Array(bytes);
    let at = 0;
    for (let i = 0; i < count && handler; i++) {
      const offset = received[i * DESC_WORDS]!;
      const length = received[i * DESC_WORDS + 1]!;
      const ip = received[i * DESC_WORDS + 2]!;
      const srcPort = received[i * DESC_WORDS + 3]!;
      const key = ip * 65536 + srcPort;
      let src = sources.get(key);
      if (!src) {
        if (sources.size >= 4096) sources.clear();
        src = { ip: formatIpv4(ip), port: srcPort };
        sources.set(key, src);
      }
      own.set(new Uint8Array(batch, offset, length), at);
      handler(src, own.subarray(at, at + length));
      at += length;
    }
  });

  let outBytes = new Uint8Array(FIRST_SEND_BUFFER_BYTES);
  let outDesc = new Uint32Array(FIRST_SEND_SLOTS * DESC_WORDS);
  let outCount = 0;
  let outUsed = 0;
  let flushScheduled = false;
  let invalidDestinations = 0;

  const flush = (): void => {
    flushScheduled = false;
    if (closed || outCount === 0) return;
    addon.send(handle, outBytes, outDesc, outCount);
    outCount = 0;
    outUsed = 0;
  };

  return {
    local,
    send(dst, payload) {
      if (closed) return;
      const ip = parseIpv4(dst.ip);
      if (ip === undefined || !Number.isInteger(dst.port) || dst.port < 0 || dst.port > 65535) {
        invalidDestinations++;
        return;
      }
      if (outUsed + payload.length > outBytes.length) {
        const grown = new Uint8Array(Math.max(outBytes.length * 2, outUsed + payload.length));
        grown.set(outBytes.subarray(0, outUsed));
        outBytes = grown;
      }
      if ((outCount + 1) * DESC_WORDS > outDesc.length) {
        const grown = new Uint32Array(outDesc.length * 2);
        grown.set(outDesc);
        outDesc = grown;
      }
      outBytes.set(payload, outUsed);
      const d = outCount * DESC_WORDS;
      outDesc[d] = outUsed;
      outDesc[d + 1] = payload.length;
      outDesc[d + 2] = ip;
      outDesc[d + 3] = dst.port;
      outUsed += payload.length;
      outCount++;
      if (flushScheduled) return;
      flushScheduled = true;
      // After the poll phase: everything answered while this turn's I/O is handled leaves together.
      setImmediate(flush);
    },
    onReceive(h) {
      handler = h;
    },
    stats() {
      const s = addon.stats(handle);
      return { ...s, txDropped: s.txDropped + invalidDestinations };
    },
    async close() {
      if (closed) return;
      flush();
      closed = true;
      handler = undefined;
      addon.close(handle);
    },
  };
}
