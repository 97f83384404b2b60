/**
 * A namespace topology: hosts as Linux network namespaces, each joined to one port of the switch
 * by a veth pair. Every resource is named from the topology's prefix so that `down` can find and
 * remove all of it even after a crash, without any state file being needed.
 */

export interface NetHost {
  /** Short name; the namespace is `<prefix>-<name>`. */
  readonly name: string;
  /** Switch port the host's veth is bridged to. */
  readonly switchPort: number;
  /** Address with prefix length, e.g. "10.0.1.1/16". */
  readonly address: string;
  readonly mac: string;
  /** Default gateway (the switch's side); its ARP entry is static so no ARP is needed. */
  readonly gateway?: { readonly ip: string; readonly mac: string };
  /** Further static ARP entries (e.g. the VIP). */
  readonly arp?: readonly { readonly ip: string; readonly mac: string }[];
  /** Address on the management network ("192.168.77.1/24"), on a second veth `mgmt0`; needs the topology's `mgmt`. */
  readonly mgmtAddress?: string;
  /** With several switches: the one whose first hop the host's new traffic takes while its link is up (default 0). */
  readonly preferredSwitch?: number;
}

/**
 * A management network: a Linux bridge in the root namespace that every host with a
 * `mgmtAddress` joins by a second veth, so processes on the host (the controller) reach the
 * hosts' management ports without going through the switch under test.
 */
export interface MgmtNetwork {
  /** The root namespace's address on the bridge, e.g. "192.168.77.254/24". */
  readonly bridgeAddress: string;
}

export interface NetTopology {
  /** At most 8 characters: Linux interface names are limited to 15. */
  readonly prefix: string;
  readonly hosts: readonly NetHost[];
  readonly mgmt?: MgmtNetwork;
  /**
   * Switches side by side (default 1, at most 4): every host gets a veth to each (`eth<k>` in
   * the host, `<prefix><p|q|r|s><port>` outside). See lifecycle.ts for how a host picks one.
   */
  readonly switches?: number;
}

/** Letters of the switch-side veth names, one per switch; "m" is the management veth. */
const SWITCH_LETTERS = "pqrs";
export const MAX_SWITCHES = SWITCH_LETTERS.length;

export function switchCount(topo: NetTopology): number {
  return topo.switches ?? 1;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const IP = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const NAME = /^[a-z0-9]{1,8}$/;

export function namespaceName(topo: NetTopology, host: NetHost): string {
  return `${topo.prefix}-${host.name}`;
}

/** The switch-side end of a host's veth to switch `sw`, in the root namespace. */
export function switchInterfaceName(topo: NetTopology, host: NetHost, sw = 0): string {
  return `${topo.prefix}${SWITCH_LETTERS[sw]}${host.switchPort}`;
}

/** Every switch-side veth name of a prefix, whatever the switch (for teardown). */
export function switchInterfacePattern(prefix: string): RegExp {
  return new RegExp(`^${prefix}[${SWITCH_LETTERS}m]\\d+$`);
}

/** A host's management veth, root-namespace end. */
export function mgmtInterfaceName(topo: NetTopology, host: NetHost): string {
  return `${topo.prefix}m${host.switchPort}`;
}

/** The management bridge of a topology's prefix. */
export function mgmtBridgeName(prefix: string): string {
  return `${prefix}br`;
}

function badCidr(text: string): boolean {
  const cidr = CIDR.exec(text);
  return !cidr || cidr.slice(1, 5).some((o) => Number(o) > 255) || Number(cidr[5]) > 32;
}

/** Checks a topology before anything is created, so a typo never leaves half a network behind. */
export function validateTopology(topo: NetTopology): string[] {
  const problems: string[] = [];
  if (!NAME.test(topo.prefix)) problems.push(`prefix '${topo.prefix}' must be 1-8 lowercase letters or digits`);
  const switches = switchCount(topo);
  if (!Number.isInteger(switches) || switches < 1 || switches > MAX_SWITCHES) problems.push(`switches must be 1..${MAX_SWITCHES}, got ${switches}`);
  const names = new Set<string>();
  const ports = new Set<number>();
  for (const h of topo.hosts) {
    const where = `host '${h.name}'`;
    if (!NAME.test(h.name)) problems.push(`${where}: name must be 1-8 lowercase letters or digits`);
    if (names.has(h.name)) problems.push(`${where}: duplicate name`);
    names.add(h.name);
    if (!Number.isInteger(h.switchPort) || h.switchPort < 0 || h.switchPort > 510) problems.push(`${where}: switchPort must be 0..510`);
    if (ports.has(h.switchPort)) problems.push(`${where}: switch port ${h.switchPort} used twice`);
    ports.add(h.switchPort);
    if (badCidr(h.address)) problems.push(`${where}: address '${h.address}' is not a.b.c.d/len`);
    if (h.mgmtAddress !== undefined) {
      if (badCidr(h.mgmtAddress)) problems.push(`${where}: mgmtAddress '${h.mgmtAddress}' is not a.b.c.d/len`);
      if (!topo.mgmt) problems.push(`${where}: has a mgmtAddress but the topology has no mgmt network`);
    }
    if (h.preferredSwitch !== undefined && !(Number.isInteger(h.preferredSwitch) && h.preferredSwitch >= 0 && h.preferredSwitch < switches)) problems.push(`${where}: preferredSwitch must be 0..${switches - 1}`);
    if (!MAC.test(h.mac)) problems.push(`${where}: mac '${h.mac}' is not aa:bb:cc:dd:ee:ff`);
    for (const entry of [...(h.gateway ? [h.gateway] : []), ...(h.arp ?? [])]) {
      if (!IP.test(entry.ip)) problems.push(`${where}: '${entry.ip}' is not an IPv4 address`);
      if (!MAC.test(entry.mac)) problems.push(`${where}: '${entry.mac}' is not a MAC address`);
    }
  }
  if (topo.mgmt && badCidr(topo.mgmt.bridgeAddress)) problems.push(`mgmt: bridgeAddress '${topo.mgmt.bridgeAddress}' is not a.b.c.d/len`);
  return problems;
}
