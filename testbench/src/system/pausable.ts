/**
 * A DatagramTransport that can be paused: while paused nothing is delivered or sent, as if the
 * process were stopped. The server's management port runs over kernel UDP (not through the
 * switch), so pausing a server needs this besides blackholing its switch wire.
 */
import type { DatagramTransport, ReceiveHandler } from "../../../runtime/src/transport/datagram.ts";

export interface PausableTransport extends DatagramTransport {
  paused: boolean;
}

export function pausable(inner: DatagramTransport): PausableTransport {
  let handler: ReceiveHandler | undefined;
  const transport: PausableTransport = {
    paused: false,
    local: inner.local,
    send(dst, payload) {
      if (!transport.paused) inner.send(dst, payload);
    },
    onReceive(h) {
      handler = h;
    },
    close: () => inner.close(),
  };
  inner.onReceive((src, payload) => {
    if (!transport.paused) handler?.(src, payload);
  });
  return transport;
}
