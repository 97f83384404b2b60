/**
 * A switch model with the LB program and a minimal, fixed configuration written straight
 * through its control plane (names from p4/CONTROL_PLANE.md): a VIP, two servers, a route to
 * each server and to one client. Benchmarks use it to time the data plane alone, without a
 * controller; plus the frames they push through it.
 */
import { createSwitch, port, type SwitchModel } from "../../../bmv2/src/dataplane/index.ts";
import { type MacAddress, ETHERTYPE_IPV4, encodeEthernet } from "../../../runtime/src/hoststack/ethernet.ts";
import { IP_PROTOCOL_UDP, encodeIpv4 } from "../../../runtime/src/hoststack/ipv4.ts";
import { encodeUdp } from "../../../runtime/src/hoststack/udp.ts";
import { parseIpv4 } from "../../../runtime/src/transport/endpoint.ts";
import { type Cookie, MessageType, type SessionId, encodeSessionMessage, makeCookie, serverId } from "../../../runtime/src/wire/session_header.ts";
import { GATEWAY_MAC, VIP, clientAddress, serverAddress } from "../system/addressing.ts";

const P = "SessionLbIngress.";
const exact = (value: bigint) => ({ kind: "exact", value }) as const;
const ip = (text: string): bigint => BigInt(parseIpv4(text)!);

export const CLIENT_PORT = clientAddress(0).switchPort;
export const SERVER_PORT = serverAddress(serverId(1)).switchPort;

/** Programs an LB switch model: VIP, servers 1 and 2 (up, no data-plane marking), routes. */
export function programLb(model: SwitchModel): void {
  const c = model.control;
  const vip = ip(VIP.ip);
  c.tableAdd(`${P}classify.vip`, [exact(vip), exact(BigInt(VIP.port))], { kind: "action", call: { action: `${P}classify.set_vip`, args: [] } });
  const group = c.groupCreate(`${P}session_select.new_session_selector`);
  const failoverGroups = new Map<number, ReturnType<typeof c.groupCreate>>();
  for (const id of [1, 2]) {
    const a = serverAddress(serverId(id));
    const addr = ip(a.ip);
    c.tableAdd(`${P}classify.server_source`, [exact(addr), exact(BigInt(VIP.port))], {
      kind: "action",
      call: { action: `${P}classify.from_server`, args: [BigInt(id), vip, BigInt(VIP.port)] },
    });
    const member = c.memberAdd(`${P}session_select.new_session_selector`, { action: `${P}session_select.pick_new_server`, args: [BigInt(id), addr, BigInt(VIP.port)] });
    c.groupAddMember(`${P}session_select.new_session_selector`, group, member);
    // Generation 0: the data plane never marks these down, so the benchmark measures forwarding only.
    c.tableAdd(`${P}session_select.server_map`, [exact(BigInt(id))], { kind: "action", call: { action: `${P}session_select.set_primary`, args: [addr, BigInt(VIP.port), 0n] } });
    c.tableAdd(`${P}forwarding.ipv4_lpm`, [{ kind: "lpm", value: addr, prefixLength: 32 }], {
      kind: "action",
      call: { action: `${P}forwarding.route`, args: [BigInt(a.switchPort), BigInt(GATEWAY_MAC), BigInt(a.mac)] },
    });
    const failoverMember = c.memberAdd(`${P}failover.failover_selector`, { action: `${P}failover.pick_failover_server`, args: [BigInt(id), addr, BigInt(VIP.port)] });
    // Server id X's failover group holds every server but X.
    const other = id === 1 ? 2 : 1;
    const g = failoverGroups.get(other) ?? c.groupCreate(`${P}failover.failover_selector`);
    failoverGroups.set(other, g);
    c.groupAddMember(`${P}failover.failover_selector`, g, failoverMember);
  }
  for (const [secondary, g] of failoverGroups) c.tableAdd(`${P}failover.failover_select`, [exact(BigInt(secondary))], { kind: "group", group: g });
  c.tableAdd(`${P}session_select.new_session_select`, [exact(vip)], { kind: "group", group });
  const client = clientAddress(0);
  c.tableAdd(`${P}forwarding.ipv4_lpm`, [{ kind: "lpm", value: ip(client.ip), prefixLength: 32 }], {
    kind: "action",
    call: { action: `${P}forwarding.route`, args: [BigInt(client.switchPort), BigInt(GATEWAY_MAC), BigInt(client.mac)] },
  });
}

export function lbSwitch(bmv2Json: string): SwitchModel {
  const model = createSwitch();
  model.loadPipeline(JSON.parse(bmv2Json));
  programLb(model);
  return model;
}

/** A client request to the VIP with a cookie naming servers 1 and 2 (so it is DNAT'd to server 1). */
export function requestFrame(sessionId: bigint, requestId: number): Uint8Array {
  const client = clientAddress(0);
  const src = parseIpv4(client.ip)!;
  const dst = parseIpv4(VIP.ip)!;
  const cookie: Cookie = makeCookie(serverId(1), serverId(2));
  const session = encodeSessionMessage({ type: MessageType.Request, flags: 0, cookie, sessionId: sessionId as SessionId, sessionVersion: 1, requestId }, new TextEncoder().encode("incr c"));
  const udp = encodeUdp({ srcPort: 50000, dstPort: VIP.port, payload: session }, src, dst);
  const ipv4 = encodeIpv4({ src, dst, protocol: IP_PROTOCOL_UDP, ttl: 64, identification: requestId & 0xffff, payload: udp });
  return encodeEthernet({ dst: GATEWAY_MAC, src: client.mac as MacAddress, etherType: ETHERTYPE_IPV4, payload: ipv4 });
}

export { port };
