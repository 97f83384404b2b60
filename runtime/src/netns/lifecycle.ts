import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sh, shQuiet, spawnDetached, which } from "./shell.ts";
import { hostLinkName, setUpMultihomedRoutes } from "./multihome.ts";
import { type NetHost, type NetTopology, mgmtBridgeName, mgmtInterfaceName, namespaceName, switchCount, switchInterfaceName, switchInterfacePattern, validateTopology } from "./topology.ts";

/** Where bridge pids are kept; /run is cleared at boot, which is also when the namespaces vanish. */
const RUN_DIR = "/run/slb-net";

export interface Bridge {
  /** The switch model's UDP wire for this port: frames from the veth go there. */
  readonly wireAddress: { readonly host: string; readonly port: number };
  /** Our end of the bridge; the switch sends the port's egress frames here. */
  readonly bridgePort: number;
}

export interface UpOptions {
  /** Bridge each switch-side veth to the UDP wire of the same port number of switch `sw` (a switch model). */
  readonly bridge?: (switchPort: number, sw: number) => Bridge;
}

export class NetError extends Error {
  override readonly name = "NetError";
}

/** What `up` needs that is not in Node: reported all at once so the user can install them in one go. */
export function missingPrerequisites(withBridge: boolean): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push("root (network namespaces need CAP_NET_ADMIN)");
  for (const tool of ["ip", "ethtool", ...(withBridge ? ["socat"] : [])]) {
    if (!which(tool)) missing.push(`${tool} (apt install ${tool === "ip" ? "iproute2" : tool})`);
  }
  return missing;
}

/**
 * Creates the hosts. Idempotent: it first removes anything left by an earlier run with the same
 * prefix, so a crashed run never blocks the next one.
 */
export async function netUp(topo: NetTopology, options: UpOptions = {}): Promise<void> {
  const problems = validateTopology(topo);
  if (problems.length > 0) throw new NetError(`bad topology:\n  ${problems.join("\n  ")}`);
  const missing = missingPrerequisites(options.bridge !== undefined);
  if (missing.length > 0) throw new NetError(`cannot create namespaces, missing: ${missing.join(", ")}`);
  await netDown(topo.prefix);
  try {
    if (topo.mgmt) {
      const bridge = mgmtBridgeName(topo.prefix);
      await sh(["ip", "link", "add", bridge, "type", "bridge"]);
      await sh(["ip", "addr", "add", topo.mgmt.bridgeAddress, "dev", bridge]);
      await sh(["ip", "link", "set", bridge, "up"]);
    }
    const switches = switchCount(topo);
    for (const host of topo.hosts) {
      const ns = namespaceName(topo, host);
      await sh(["ip", "netns", "add", ns]);
      for (let sw = 0; sw < switches; sw++) await addSwitchLink(topo, host, sw);
      await sh(["ip", "-n", ns, "link", "set", "lo", "up"]);
      // The address sits on eth0 only: a namespace answers for it on any of its links.
      await sh(["ip", "-n", ns, "addr", "add", host.address, "dev", "eth0"]);
      if (host.gateway && switches === 1) {
        await sh(["ip", "-n", ns, "neigh", "replace", host.gateway.ip, "lladdr", host.gateway.mac, "dev", "eth0", "nud", "permanent"]);
        await sh(["ip", "-n", ns, "route", "replace", "default", "via", host.gateway.ip, "dev", "eth0", "onlink"]);
      }
      if (host.gateway && switches > 1) {
        await setUpMultihomedRoutes({ ns, ip: host.address.split("/")[0]!, gateway: host.gateway, switches, preferred: host.preferredSwitch ?? 0 });
      }
      for (const entry of host.arp ?? []) {
        for (let sw = 0; sw < switches; sw++) await sh(["ip", "-n", ns, "neigh", "replace", entry.ip, "lladdr", entry.mac, "dev", hostLinkName(sw), "nud", "permanent"]);
      }
      if (host.mgmtAddress !== undefined) await addMgmtLink(topo, host, host.mgmtAddress);
    }
    if (options.bridge) for (let sw = 0; sw < switches; sw++) startSwitchBridges(topo, sw, options.bridge);
  } catch (err) {
    await netDown(topo.prefix);
    throw err;
  }
}

/** The host's veth to switch `sw`: `eth<sw>` inside, with the host's MAC (every switch sees the same host). */
async function addSwitchLink(topo: NetTopology, host: NetHost, sw: number): Promise<void> {
  const ns = namespaceName(topo, host);
  const outside = switchInterfaceName(topo, host, sw);
  const inside = hostLinkName(sw);
  await sh(["ip", "link", "add", outside, "type", "veth", "peer", "name", inside, "netns", ns]);
  await sh(["ip", "-n", ns, "link", "set", inside, "address", host.mac]);
  for (const [ifname, netns] of [[inside, ns], [outside, undefined]] as const) {
    const inNs = netns ? ["ip", "netns", "exec", netns] : [];
    // Checksum offload would leave partial UDP checksums in the frames the switch sees.
    await sh([...inNs, "ethtool", "-K", ifname, "tx", "off", "rx", "off"]);
    await shQuiet([...inNs, "sysctl", "-q", "-w", `net.ipv6.conf.${ifname}.disable_ipv6=1`]);
  }
  await sh(["ip", "-n", ns, "link", "set", inside, "up"]);
  await sh(["ip", "link", "set", outside, "up"]);
}

/** Starts the frame bridges between switch `sw`'s veths and its model's UDP wires; returns their pids. */
export function startSwitchBridges(topo: NetTopology, sw: number, bridge: (switchPort: number, sw: number) => Bridge): number[] {
  return topo.hosts.map((host) => startBridge(topo.prefix, switchInterfaceName(topo, host, sw), bridge(host.switchPort, sw)));
}

/**
 * Stops switch `sw`'s frame bridges (a dead switch's ports carry nothing; a restarted one gets
 * new bridges) and waits until they are gone, so that the new ones can bind the same ports.
 */
export async function stopSwitchBridges(topo: NetTopology, sw: number): Promise<void> {
  const pids: number[] = [];
  for (const host of topo.hosts) {
    const file = join(RUN_DIR, topo.prefix, `${switchInterfaceName(topo, host, sw)}.pid`);
    try {
      const pid = Number(readFileSync(file, "utf8").trim());
      process.kill(pid, "SIGKILL");
      pids.push(pid);
    } catch {
      // no bridge or already gone
    }
    rmSync(file, { force: true });
  }
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (let i = 0; i < 100 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 20));
}

/** The host's second veth (`mgmt0` inside), its outer end enslaved to the management bridge. */
async function addMgmtLink(topo: NetTopology, host: NetHost, address: string): Promise<void> {
  const ns = namespaceName(topo, host);
  const outside = mgmtInterfaceName(topo, host);
  await sh(["ip", "link", "add", outside, "type", "veth", "peer", "name", "mgmt0", "netns", ns]);
  await sh(["ip", "-n", ns, "addr", "add", address, "dev", "mgmt0"]);
  await shQuiet(["ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.mgmt0.disable_ipv6=1"]);
  await sh(["ip", "-n", ns, "link", "set", "mgmt0", "up"]);
  await sh(["ip", "link", "set", outside, "master", mgmtBridgeName(topo.prefix)]);
  await sh(["ip", "link", "set", outside, "up"]);
}

function startBridge(prefix: string, ifname: string, bridge: Bridge): number {
  const pid = spawnDetached([
    "socat",
    "-b",
    "65535",
    `INTERFACE:${ifname}`,
    `UDP-DATAGRAM:${bridge.wireAddress.host}:${bridge.wireAddress.port},bind=127.0.0.1:${bridge.bridgePort}`,
  ]);
  mkdirSync(join(RUN_DIR, prefix), { recursive: true });
  writeFileSync(join(RUN_DIR, prefix, `${ifname}.pid`), `${pid}\n`);
  return pid;
}

export interface DownReport {
  readonly namespaces: number;
  /** veths and the management bridge. */
  readonly links: number;
  /** socat frame bridges stopped. */
  readonly bridges: number;
  /** Processes still running inside the namespaces, killed. */
  readonly processes: number;
}

/** Removes every namespace, veth, bridge and namespace process of the prefix. Safe to run any number of times. */
export async function netDown(prefix: string): Promise<DownReport> {
  let bridges = 0;
  const pidDir = join(RUN_DIR, prefix);
  for (const file of safeReaddir(pidDir)) {
    const pid = Number(readFileSync(join(pidDir, file), "utf8").trim());
    try {
      process.kill(pid, "SIGTERM");
      bridges++;
    } catch {
      // already gone: the pid file is all that is left of it
    }
  }
  rmSync(pidDir, { recursive: true, force: true });
  const namespaces = (await listNamespaces()).filter((ns) => ns.startsWith(`${prefix}-`));
  // A process inside a namespace outlives `ip netns del` (it keeps the namespace alive, unnamed and unreachable).
  let processes = 0;
  for (const ns of namespaces) processes += await killNamespaceProcesses(ns);
  // Links next: deleting a namespace also takes the veth's outer end, but asynchronously.
  const ours = switchInterfacePattern(prefix);
  const links = (await listLinks()).filter((l) => ours.test(l) || l === mgmtBridgeName(prefix));
  for (const link of links) await shQuiet(["ip", "link", "del", link]);
  for (const ns of namespaces) await shQuiet(["ip", "netns", "del", ns]);
  return { namespaces: namespaces.length, links: links.length, bridges, processes };
}

/** SIGKILLs every process in a namespace and waits (briefly) until they are gone. */
async function killNamespaceProcesses(ns: string): Promise<number> {
  const pids = await namespacePids(ns);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // exited meanwhile
    }
  }
  for (let i = 0; i < 50 && (await namespacePids(ns)).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
  return pids.length;
}

/** Pids of the processes running in a namespace. */
export async function namespacePids(ns: string): Promise<number[]> {
  try {
    return (await sh(["ip", "netns", "pids", ns])).split("\n").filter((l) => /^\d+$/.test(l.trim())).map(Number);
  } catch {
    return [];
  }
}

/** Pids of the prefix's running frame bridges (socat), as recorded by `up`. */
export function bridgePids(prefix: string): number[] {
  const pidDir = join(RUN_DIR, prefix);
  return safeReaddir(pidDir).map((file) => Number(readFileSync(join(pidDir, file), "utf8").trim()));
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export async function listNamespaces(): Promise<string[]> {
  const out = await sh(["ip", "netns", "list"]);
  return out
    .split("\n")
    .map((l) => l.split(" ")[0]!.trim())
    .filter((l) => l !== "");
}

export async function listLinks(): Promise<string[]> {
  const out = await sh(["ip", "-o", "link", "show"]);
  return out
    .split("\n")
    .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1])
    .filter((l): l is string => l !== undefined);
}

/** The argv that runs a command inside a host's namespace. */
export function execArgv(topo: NetTopology, hostName: string, command: readonly string[]): string[] {
  const host = topo.hosts.find((h) => h.name === hostName);
  if (!host) throw new NetError(`no host '${hostName}' in topology '${topo.prefix}' (hosts: ${topo.hosts.map((h) => h.name).join(", ")})`);
  return ["ip", "netns", "exec", namespaceName(topo, host), ...command];
}
