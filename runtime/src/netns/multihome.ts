/**
 * A host with a first hop through each of several switches, in plain Linux routing:
 *
 * - New traffic takes the preferred switch: one default route per switch link, the preferred
 *   one with the lowest metric. A dead switch's links lose carrier; with
 *   `ignore_routes_with_linkdown` the kernel then skips every route through them, so the next
 *   metric's switch carries the host's traffic until the links come back.
 * - A flow's packets leave through the switch its peer was last heard on: every packet coming
 *   in on `eth<k>` stamps its conntrack entry with mark k+1, every packet going out takes its
 *   flow's mark as firewall mark, and mark k+1 looks up a table whose one route is switch k's.
 *   A server therefore answers a request through the switch the request crossed, which the
 *   switch's data-plane failure detector needs (it counts a server's answers against its
 *   requests, per switch). When that switch's links are down its table has no usable route and
 *   the lookup falls through to the main table.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nftBinary } from "./faults.ts";
import { sh, shQuiet } from "./shell.ts";

/** Routing tables and marks of switch k: table FIRST_TABLE + k, mark k + 1. */
const FIRST_TABLE = 100;
const NFT_TABLE = "slbmultihome";

export function hostLinkName(sw: number): string {
  return `eth${sw}`;
}

/** The nftables ruleset that pins each flow's answers to the switch link it was last heard on. */
export function multihomeNftScript(switches: number): string {
  const stamps = Array.from({ length: switches }, (_, k) => `    iifname "${hostLinkName(k)}" ct mark set ${k + 1}`);
  return [
    `table ip ${NFT_TABLE} {`,
    "  chain heard {",
    "    type filter hook prerouting priority -150; policy accept;",
    ...stamps,
    "  }",
    "  chain answer {",
    "    type route hook output priority -150; policy accept;",
    "    ct mark != 0 meta mark set ct mark",
    "  }",
    "}",
    "",
  ].join("\n");
}

/** Metric of the host's default route through switch k: the preferred switch first, then the next ones in turn. */
export function routeMetric(sw: number, preferred: number, switches: number): number {
  return 10 + ((sw - preferred + switches) % switches);
}

export interface MultihomeHost {
  readonly ns: string;
  /** The host's address, without prefix length. */
  readonly ip: string;
  readonly gateway: { readonly ip: string; readonly mac: string };
  readonly switches: number;
  readonly preferred: number;
}

export async function setUpMultihomedRoutes(host: MultihomeHost): Promise<void> {
  const nft = nftBinary();
  if (!nft) throw new Error("hosts on several switches need nftables' nft (apt install nftables)");
  const inNs = ["ip", "netns", "exec", host.ns];
  const sysctl = async (key: string, value: number): Promise<void> => void (await sh([...inNs, "sysctl", "-q", "-w", `${key}=${value}`]));
  const devices = ["all", "default", ...Array.from({ length: host.switches }, (_, k) => hostLinkName(k))];
  for (const dev of devices) {
    // A request may arrive on a link the address is not on, and its answer leave by another.
    await sysctl(`net.ipv4.conf.${dev}.rp_filter`, 0);
    await sysctl(`net.ipv4.conf.${dev}.ignore_routes_with_linkdown`, 1);
  }
  for (let k = 0; k < host.switches; k++) {
    const dev = hostLinkName(k);
    const route = ["default", "via", host.gateway.ip, "dev", dev, "onlink", "src", host.ip];
    await sh(["ip", "-n", host.ns, "neigh", "replace", host.gateway.ip, "lladdr", host.gateway.mac, "dev", dev, "nud", "permanent"]);
    await sh(["ip", "-n", host.ns, "route", "add", ...route, "metric", String(routeMetric(k, host.preferred, host.switches))]);
    await sh(["ip", "-n", host.ns, "route", "add", ...route, "table", String(FIRST_TABLE + k)]);
    await sh(["ip", "-n", host.ns, "rule", "add", "fwmark", String(k + 1), "lookup", String(FIRST_TABLE + k), "priority", String(FIRST_TABLE + k)]);
  }
  const dir = mkdtempSync(join(tmpdir(), "slb-multihome-"));
  try {
    const file = join(dir, "rules.nft");
    writeFileSync(file, multihomeNftScript(host.switches));
    await sh([...inNs, nft, "-f", file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Takes a switch's links down (its ports lose carrier, as a dead switch's do) or up again. */
export async function setSwitchLinks(interfaces: readonly string[], up: boolean): Promise<void> {
  for (const ifname of interfaces) await shQuiet(["ip", "link", "set", ifname, up ? "up" : "down"]);
}
