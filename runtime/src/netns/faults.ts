/**
 * Faults on a namespace host's data link (`eth0`, the veth to the switch), in the kernel:
 * random loss and partitions (frames to and from named peer addresses dropped, in both
 * directions) as an nftables table of the host's own namespace, and a fixed delay as a netem
 * qdisc on the veth. Each call states the host's whole fault, replacing the previous one, so
 * healing is the empty fault. The management link (`mgmt0`) is never touched: a fault on the
 * data path must not blind the controller's probes by accident.
 */
import { execFileSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { join } from "node:path";

export interface HostFault {
  /** Probability in 0..1 that a frame is dropped, applied in each direction. */
  readonly lossRate: number;
  /** Extra delay, in ms, on frames the host sends (netem). */
  readonly delayMs: number;
  /** Peer IPv4 addresses whose frames are dropped, both ways. */
  readonly partitionedFrom: readonly string[];
}

export const NO_HOST_FAULT: HostFault = { lossRate: 0, delayMs: 0, partitionedFrom: [] };

const TABLE = "slbfault";
const DATA_IFACE = "eth0";
/** numgen draws in 0..LOSS_SCALE-1; the rate is kept to a millionth. */
const LOSS_SCALE = 1_000_000;

export class FaultError extends Error {
  override readonly name = "FaultError";
}

function run(ns: string, argv: readonly string[], input?: string): void {
  try {
    execFileSync("ip", ["netns", "exec", ns, ...argv], { input, stdio: ["pipe", "ignore", "pipe"], encoding: "utf8" });
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? "").trim();
    throw new FaultError(`${argv.join(" ")} in ${ns}: ${stderr || (err as Error).message}`);
  }
}

/** The nftables script that makes the host's table exactly `fault` (an empty table when healed). */
export function nftScript(fault: HostFault): string {
  const rules = (dir: "in" | "out"): string[] => {
    const iface = dir === "in" ? `iifname "${DATA_IFACE}"` : `oifname "${DATA_IFACE}"`;
    const peer = dir === "in" ? "saddr" : "daddr";
    const out: string[] = [];
    if (fault.partitionedFrom.length > 0) out.push(`${iface} ip ${peer} { ${fault.partitionedFrom.join(", ")} } drop`);
    const threshold = Math.round(Math.min(1, Math.max(0, fault.lossRate)) * LOSS_SCALE);
    // numgen's comparison value must stay below the modulus: every frame lost is a plain drop.
    if (threshold >= LOSS_SCALE) out.push(`${iface} drop`);
    else if (threshold > 0) out.push(`${iface} numgen random mod ${LOSS_SCALE} < ${threshold} drop`);
    return out;
  };
  const chain = (name: "in" | "out", hook: "input" | "output"): string =>
    [`  chain ${name} {`, `    type filter hook ${hook} priority 0; policy accept;`, ...rules(name).map((r) => `    ${r}`), "  }"].join("\n");
  // "table" then "delete table" first makes the replacement work whether or not it existed.
  return [`table inet ${TABLE}`, `delete table inet ${TABLE}`, `table inet ${TABLE} {`, chain("in", "input"), chain("out", "output"), "}", ""].join("\n");
}

/** Makes `fault` the host's whole data-link fault. */
export function setHostFault(ns: string, fault: HostFault): void {
  if (fault.delayMs > 0 && !netemAvailable()) throw new FaultError(netemMissing());
  const nft = nftBinary();
  if ((fault.lossRate > 0 || fault.partitionedFrom.length > 0) && !nft) throw new FaultError("loss and partitions need nftables' nft (apt install nftables)");
  if (nft) run(ns, [nft, "-f", "-"], nftScript(fault));
  if (fault.delayMs > 0) run(ns, ["tc", "qdisc", "replace", "dev", DATA_IFACE, "root", "netem", "delay", `${fault.delayMs}ms`]);
  else if (netemAvailable()) {
    try {
      run(ns, ["tc", "qdisc", "del", "dev", DATA_IFACE, "root"]);
    } catch {
      // no qdisc of ours there: nothing to remove
    }
  }
}

/**
 * nftables' nft, looked up outside node_modules: npm puts node_modules/.bin first on PATH, and
 * a JavaScript package there is also called `nft` (and answers a ruleset with exit code 0).
 */
export function nftBinary(): string | undefined {
  const dirs = ["/usr/sbin", "/sbin", "/usr/bin", ...(process.env["PATH"] ?? "").split(":").filter((d) => d !== "" && !d.includes("node_modules"))];
  for (const dir of dirs) {
    try {
      accessSync(join(dir, "nft"), constants.X_OK);
      return join(dir, "nft");
    } catch {
      // not here
    }
  }
  return undefined;
}

let netem: boolean | undefined;

/** Whether the kernel has netem (sch_netem): tried once on a dummy link in a scratch namespace. */
export function netemAvailable(): boolean {
  if (netem !== undefined) return netem;
  const ns = `slbnetem${process.pid}`;
  try {
    execFileSync("ip", ["netns", "add", ns], { stdio: "ignore" });
    execFileSync("ip", ["-n", ns, "link", "add", "probe0", "type", "dummy"], { stdio: "ignore" });
    execFileSync("ip", ["netns", "exec", ns, "tc", "qdisc", "add", "dev", "probe0", "root", "netem", "delay", "1ms"], { stdio: "ignore" });
    netem = true;
  } catch {
    netem = false;
  } finally {
    try {
      execFileSync("ip", ["netns", "del", ns], { stdio: "ignore" });
    } catch {
      // never created (no root): nothing to remove
    }
  }
  return netem;
}

export function netemMissing(): string {
  return "a delay on the veths needs tc netem, which this kernel lacks (CONFIG_NET_SCH_NETEM)";
}

/** What the faults of a scenario need that this machine lacks; empty when they can run. */
export function missingFaultTools(needs: { readonly lossOrPartition: boolean; readonly delay: boolean }): string[] {
  const missing: string[] = [];
  if (needs.lossOrPartition && !nftBinary()) missing.push("nft (apt install nftables) for packet loss and partitions");
  if (needs.delay && !netemAvailable()) missing.push(netemMissing());
  return missing;
}
