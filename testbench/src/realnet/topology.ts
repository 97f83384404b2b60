/**
 * The load balancer's namespace topology: the embedded system's address plan
 * (testbench/src/system/addressing.ts) with real hosts. Server i is namespace `<prefix>-s<i>` on
 * switch port i with 10.0.1.i, client c is `<prefix>-c<c>` on port 100 + c with 10.0.2.(c+1);
 * every host has a /32 and a default route through the switch's MAC, so all its traffic
 * (the VIP, peers, clients) goes through the switch as in the embedded system. Servers also sit
 * on a management bridge (192.168.77.i, the controller on the root namespace's .254) for the
 * controller's probes and membership pushes.
 */
import type { NetHost, NetTopology } from "../../../runtime/src/netns/topology.ts";
import { singleSwitchTopology, type ServerConfig, type ServerId as ControllerServerId, type TopologyConfig } from "../../../runtime/src/controller/config.ts";
import { formatMac } from "../../../runtime/src/hoststack/ethernet.ts";
import { DEFAULT_MGMT_PORT } from "../../../runtime/src/session/create.ts";
import { serverId } from "../../../runtime/src/wire/session_header.ts";
import { GATEWAY_MAC, SERVER_PEER_PORT, VIP, clientAddress, clientRoute, serverAddress } from "../system/addressing.ts";

/** Never routed by the switch: the hosts only need its MAC (static ARP), the address is nominal. */
export const GATEWAY_IP = "10.0.0.254";
/** The default management /24; runs that may overlap (tests in parallel) each take their own. */
export const DEFAULT_MGMT_SUBNET = "192.168.77";

export interface LbNetPlan {
  readonly prefix: string;
  readonly servers: number;
  readonly clients: number;
  /** First three octets of the management /24, default DEFAULT_MGMT_SUBNET; "none" leaves the management network out. */
  readonly mgmtSubnet?: string;
  /** LB switches side by side, each host cabled to every one (default 1); hosts spread their first hops over them. */
  readonly switches?: number;
}

const gatewayMac = (): string => formatMac(GATEWAY_MAC);

export function serverHostName(id: number): string {
  return `s${id}`;
}

export function clientHostName(index: number): string {
  return `c${index}`;
}

export function serverMgmtIp(plan: LbNetPlan, id: number): string {
  return `${plan.mgmtSubnet ?? DEFAULT_MGMT_SUBNET}.${id}`;
}

export function lbNetTopology(plan: LbNetPlan): NetTopology {
  const gateway = { ip: GATEWAY_IP, mac: gatewayMac() };
  const withMgmt = plan.mgmtSubnet !== "none";
  const switches = plan.switches ?? 1;
  // Hosts spread over the switches, as ECMP would spread them.
  const spread = (i: number): Pick<NetHost, "preferredSwitch"> => (switches > 1 ? { preferredSwitch: i % switches } : {});
  const hosts: NetHost[] = [];
  for (let i = 1; i <= plan.servers; i++) {
    const a = serverAddress(serverId(i));
    hosts.push({ name: serverHostName(i), switchPort: a.switchPort, address: `${a.ip}/32`, mac: formatMac(a.mac), gateway, ...spread(i), ...(withMgmt ? { mgmtAddress: `${serverMgmtIp(plan, i)}/24` } : {}) });
  }
  for (let c = 0; c < plan.clients; c++) {
    const a = clientAddress(c);
    hosts.push({ name: clientHostName(c), switchPort: a.switchPort, address: `${a.ip}/32`, mac: formatMac(a.mac), gateway, ...spread(c) });
  }
  return { prefix: plan.prefix, hosts, ...(switches > 1 ? { switches } : {}), ...(withMgmt ? { mgmt: { bridgeAddress: `${serverMgmtIp(plan, 254)}/24` } } : {}) };
}

/** Switch ports the plan uses (servers 1..N, clients 100..). */
export function lbSwitchPorts(plan: LbNetPlan): number[] {
  return lbNetTopology(plan).hosts.map((h) => h.switchPort);
}

/** The controller's topology for the namespace hosts: same servers, probes over the management bridge; every switch alike but for its address. */
export function lbControllerTopology(
  plan: LbNetPlan,
  switches: readonly { readonly address: string; readonly deviceId: number }[],
  timing: { readonly health: TopologyConfig["health"]; readonly responseTimeoutUs: number },
): TopologyConfig {
  const servers: Omit<ServerConfig, "vip">[] = [];
  for (let i = 1; i <= plan.servers; i++) {
    const a = serverAddress(serverId(i));
    servers.push({
      id: i as ControllerServerId,
      ip: a.ip,
      mac: formatMac(a.mac),
      switchPort: a.switchPort,
      dataPort: VIP.port,
      peerPort: SERVER_PEER_PORT,
      mgmt: { ip: serverMgmtIp(plan, i), port: DEFAULT_MGMT_PORT },
    });
  }
  const routes = Array.from({ length: plan.clients }, (_, c) => {
    const r = clientRoute(c);
    return { prefix: `${r.prefix}/${r.prefixLength}`, switchPort: r.port, mac: formatMac(r.mac) };
  });
  const single = singleSwitchTopology({
    switch: { ...switches[0]!, electionId: 1n },
    pipeline: { kind: "compiled", jsonFile: "(in memory)", p4infoFile: "(in memory)" },
    vip: { ip: VIP.ip, port: VIP.port, mac: gatewayMac() },
    servers,
    routes,
    health: timing.health,
    failure: { responseTimeoutUs: timing.responseTimeoutUs },
    admin: "127.0.0.1:0",
  });
  const [first, ...others] = switches.map((sw, i) => ({ ...single.switches[0], ...sw, name: `s${i + 1}` }));
  if (!first) throw new RangeError("the controller needs at least one switch");
  return { ...single, switches: [first, ...others] };
}
