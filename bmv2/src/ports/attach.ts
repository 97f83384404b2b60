/**
 * Attaches switch ports to Linux interfaces: directly on packet rings when the addon loads and
 * the process may open packet sockets, otherwise through one socat process per interface
 * bridging the interface to a UDP wire of the port (one frame per datagram, the slow path).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import type { SwitchModel } from "../dataplane/api.ts";
import { type InterfaceBinding, InterfacePorts } from "./interface_ports.ts";
import { isPermissionError, loadPacketRings } from "./packet_rings.ts";
import { UdpWires } from "./udp_wires.ts";

export type AttachPath = "packet rings" | "socat bridges";

export interface AttachedInterfaces {
  readonly path: AttachPath;
  /** Why the packet rings are not used (absent on the direct path). */
  readonly fallbackReason?: string;
  stats(): Readonly<Record<string, number>>;
  stop(): Promise<void>;
}

export interface AttachOptions {
  readonly log?: (line: string) => void;
  /** Use the socat bridges even where the packet rings would work (tests of the fallback). */
  readonly forceSocat?: boolean;
}

export async function attachInterfaces(model: SwitchModel, bindings: readonly InterfaceBinding[], options: AttachOptions = {}): Promise<AttachedInterfaces> {
  const load = options.forceSocat ? { ok: false as const, reason: "socat requested" } : loadPacketRings();
  let reason: string;
  if (load.ok) {
    const ports = new InterfacePorts(model, load.addon, bindings, options.log);
    try {
      ports.start();
      return { path: "packet rings", stats: () => ports.stats(), stop: async () => ports.stop() };
    } catch (e) {
      if (!isPermissionError(e)) throw e;
      reason = `no permission to open packet sockets (CAP_NET_RAW): ${(e as Error).message}`;
    }
  } else reason = load.reason;
  return { ...(await bridgeWithSocat(model, bindings, options.log)), fallbackReason: reason };
}

/** A free UDP port on loopback for socat's end of a bridge (bound briefly, then released to socat). */
async function freeUdpPort(): Promise<number> {
  const s = createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    s.once("error", reject);
    s.bind(0, "127.0.0.1", () => resolve());
  });
  const p = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return p;
}

async function bridgeWithSocat(model: SwitchModel, bindings: readonly InterfaceBinding[], log?: (line: string) => void): Promise<Omit<AttachedInterfaces, "fallbackReason">> {
  const peers = new Map(await Promise.all(bindings.map(async (b) => [b.port, { address: "127.0.0.1", port: await freeUdpPort() }] as const)));
  const wires = new UdpWires(model, { ports: bindings.map((b) => b.port), basePort: 0, peers, ...(log ? { log } : {}) });
  await wires.start();
  const children: ChildProcess[] = [];
  for (const b of bindings) {
    const wire = wires.endpoint(b.port);
    const child = spawn("socat", ["-b", "65535", `INTERFACE:${b.ifname}`, `UDP-DATAGRAM:${wire.address}:${wire.port},bind=127.0.0.1:${peers.get(b.port)!.port}`], { stdio: ["ignore", "ignore", "pipe"] });
    child.stderr?.on("data", (d: Buffer) => log?.(`socat ${b.ifname}: ${d.toString().trim()}`));
    child.on("error", (e) => log?.(`socat ${b.ifname}: ${e.message}`));
    children.push(child);
  }
  return {
    path: "socat bridges",
    stats: () => wires.stats(),
    async stop() {
      for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
      await wires.stop();
    },
  };
}
