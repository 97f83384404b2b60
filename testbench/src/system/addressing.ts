/**
 * The embedded system's address plan: which switch port, IP and MAC each server and client
 * gets. Fixed and documented so a packet capture or a counter read is easy to interpret.
 *
 *   switch (gateway) MAC   02:00:00:00:00:fe
 *   VIP                    10.0.0.100:7700
 *   server i (1..N)        port i,        10.0.1.i,   MAC 02:00:00:00:01:ii
 *   client c (0..)         port 100 + c,  10.0.2.(c+1), MAC 02:00:00:00:02:cc
 */
import type { MacAddress } from "../../../runtime/src/hoststack/ethernet.ts";
import { DEFAULT_VIP_PORT, type ServerId } from "../../../runtime/src/wire/session_header.ts";
import type { Endpoint } from "../../../runtime/src/transport/endpoint.ts";

export const GATEWAY_MAC = 0x0200000000fe as MacAddress;
export const VIP: Endpoint = { ip: "10.0.0.100", port: DEFAULT_VIP_PORT };
export const SERVER_PEER_PORT = 7701;
export const CLIENT_PORT_BASE = 100;
export const MAX_CLIENTS = 100;

export interface HostAddress {
  readonly switchPort: number;
  readonly ip: string;
  readonly mac: MacAddress;
}

export function serverAddress(id: ServerId): HostAddress {
  if (id > 250) throw new RangeError(`the embedded address plan has room for servers 1..250, not ${id}`);
  return { switchPort: id, ip: `10.0.1.${id}`, mac: (0x020000000100 + id) as MacAddress };
}

export function clientAddress(index: number): HostAddress {
  if (index < 0 || index >= MAX_CLIENTS) throw new RangeError(`client index must be 0..${MAX_CLIENTS - 1}`);
  return { switchPort: CLIENT_PORT_BASE + index, ip: `10.0.2.${index + 1}`, mac: (0x020000000200 + index) as MacAddress };
}

/** The subnet routes the controller installs towards clients: one /32 per client port. */
export function clientRoute(index: number): { readonly prefix: string; readonly prefixLength: number; readonly port: number; readonly mac: MacAddress } {
  const a = clientAddress(index);
  return { prefix: a.ip, prefixLength: 32, port: a.switchPort, mac: a.mac };
}
