/**
 * DatagramTransport over the userspace host stack: attaches a HostStack to a switch port's UDP
 * wire and opens one UDP port on it. Use `HostStack.openPort` directly to share one host (one
 * IP and MAC) between several ports, as a server does for its data and peer ports.
 */
import { type MacAddress } from "../hoststack/ethernet.ts";
import { openUdpWire } from "../hoststack/link.ts";
import { HostStack } from "../hoststack/stack.ts";
import type { DatagramTransport } from "./datagram.ts";
import { type Endpoint, parseIpv4 } from "./endpoint.ts";

export interface HostAttachment {
  /** The switch port's wire socket. */
  readonly wire: Endpoint;
  /** This host's socket on the wire (0: ephemeral). */
  readonly wireLocalPort?: number;
  readonly ip: string;
  readonly mac: MacAddress;
  readonly gatewayMac: MacAddress;
  /** Send a gratuitous ARP on attach so a learning switch can reach this host at once (default true). */
  readonly announce?: boolean;
}

export async function attachHostStack(attachment: HostAttachment): Promise<HostStack> {
  const ip = parseIpv4(attachment.ip);
  if (ip === undefined) throw new RangeError(`bad IPv4 address '${attachment.ip}'`);
  const link = await openUdpWire({ switchPort: attachment.wire, localPort: attachment.wireLocalPort ?? 0 });
  const stack = new HostStack({ link, ip, mac: attachment.mac, gatewayMac: attachment.gatewayMac });
  if (attachment.announce ?? true) stack.announce();
  return stack;
}

/** One port on its own host stack; closing the transport detaches the host. */
export async function openHostStackTransport(attachment: HostAttachment, port = 0): Promise<DatagramTransport> {
  const stack = await attachHostStack(attachment);
  const transport = stack.openPort(port);
  return {
    local: transport.local,
    send: (dst, payload) => transport.send(dst, payload),
    onReceive: (handler) => transport.onReceive(handler),
    close: async () => {
      await transport.close();
      await stack.close();
    },
  };
}
