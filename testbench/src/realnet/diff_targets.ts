/**
 * Switches under differential test, all seen the same way: inject a frame on a port, get back
 * what the switch emitted, and a P4Runtime address to program it. Our model is driven directly;
 * the real simple_switch_grpc sits on veths whose other ends socat bridges to UDP "tap" sockets
 * (the same bridge the namespace hosts use), and a frame's output is what arrives until the
 * taps have been quiet for a while.
 */
import { type Socket, createSocket } from "node:dgram";
import { findSimpleSwitchGrpc, launchSimpleSwitchGrpc } from "../../../bmv2/src/real/simple_switch.ts";
import { NetError, listLinks } from "../../../runtime/src/netns/lifecycle.ts";
import { sh, shQuiet, spawnDetached } from "../../../runtime/src/netns/shell.ts";
import { port } from "../../../bmv2/src/dataplane/api.ts";
import { startSwitchRuntime } from "../system/switch_runtime.ts";
import { freeTcpPort } from "./ports.ts";

export interface Emitted {
  readonly port: number;
  readonly frame: Uint8Array;
}

export interface DiffTarget {
  readonly name: string;
  readonly grpcAddress: string;
  /** Injects one frame on a port and returns every frame the switch emitted for it. */
  send(port: number, frame: Uint8Array): Promise<Emitted[]>;
  close(): Promise<void>;
}

/** One bound UDP socket per port; `wire(p)` is where the port's frames must be sent. */
class Taps {
  private readonly sockets = new Map<number, Socket>();
  private collected: Emitted[] = [];
  private lastArrival = 0;

  private constructor(private readonly settleMs: number) {}

  static async bind(ports: readonly number[], settleMs: number): Promise<Taps> {
    const taps = new Taps(settleMs);
    for (const p of ports) {
      const socket = createSocket("udp4");
      socket.on("message", (frame) => {
        taps.collected.push({ port: p, frame: new Uint8Array(frame) });
        taps.lastArrival = performance.now();
      });
      await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
      taps.sockets.set(p, socket);
    }
    return taps;
  }

  localPort(p: number): number {
    return this.sockets.get(p)!.address().port;
  }

  async send(p: number, frame: Uint8Array, wire: { readonly ip: string; readonly port: number }): Promise<Emitted[]> {
    const socket = this.sockets.get(p);
    if (!socket) throw new RangeError(`no tap on port ${p}`);
    this.collected = [];
    const sentAt = performance.now();
    this.lastArrival = sentAt;
    await new Promise<void>((resolve, reject) => socket.send(frame, wire.port, wire.ip, (err) => (err ? reject(err) : resolve())));
    while (performance.now() - this.lastArrival < this.settleMs) await new Promise((r) => setTimeout(r, Math.max(1, this.settleMs / 4)));
    return this.collected;
  }

  close(): void {
    for (const s of this.sockets.values()) s.close();
  }
}

/**
 * Our switch model with its P4Runtime server. Frames go straight into the model: it runs a
 * frame to completion synchronously, so what it emitted is known exactly, with no waiting.
 */
export async function startModelTarget(name: string, ports: readonly number[]): Promise<DiffTarget> {
  const sw = await startSwitchRuntime({ ports });
  let collected: Emitted[] = [];
  const unsubscribe = sw.model.onEgress((p, frame) => collected.push({ port: p, frame: new Uint8Array(frame) }));
  return {
    name,
    grpcAddress: sw.grpcAddress,
    async send(p, frame) {
      collected = [];
      sw.model.inject(port(p), frame);
      return collected;
    },
    async close() {
      unsubscribe();
      await sw.stop();
    },
  };
}

/** Why the real bmv2 target cannot run here, or undefined. */
export function bmv2TargetUnavailable(): string | undefined {
  if (findSimpleSwitchGrpc() === undefined) return "simple_switch_grpc is not installed (not found on PATH)";
  if (process.getuid?.() !== 0) return "the real bmv2 target needs root (it attaches to veths)";
  return undefined;
}

/** Veth names of the bmv2 target: `<prefix>x<p>` for the switch, `<prefix>y<p>` for the bridge. */
async function removeVeths(prefix: string): Promise<void> {
  const ours = new RegExp(`^${prefix}[xy]\\d+$`);
  for (const link of (await listLinks()).filter((l) => ours.test(l))) await shQuiet(["ip", "link", "del", link]);
}

/** The real simple_switch_grpc on veths, each bridged by socat to a tap. */
export async function startBmv2Target(name: string, ports: readonly number[], prefix: string, settleMs = 250): Promise<DiffTarget> {
  const unavailable = bmv2TargetUnavailable();
  if (unavailable) throw new NetError(unavailable);
  await removeVeths(prefix);
  const taps = await Taps.bind(ports, settleMs);
  const bridgePids: number[] = [];
  const bridgePorts = new Map<number, number>();
  const stopBridges = async (): Promise<void> => {
    for (const pid of bridgePids) {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    await removeVeths(prefix);
    taps.close();
  };
  try {
    for (const p of ports) {
      const [sw, br] = [`${prefix}x${p}`, `${prefix}y${p}`];
      await sh(["ip", "link", "add", sw, "type", "veth", "peer", "name", br]);
      for (const ifname of [sw, br]) {
        await sh(["ethtool", "-K", ifname, "tx", "off", "rx", "off"]);
        // Router solicitations and MLD reports would show up as frames the model never sends.
        await shQuiet(["sysctl", "-q", "-w", `net.ipv6.conf.${ifname}.disable_ipv6=1`]);
        await sh(["ip", "link", "set", ifname, "up"]);
      }
      const bridgePort = await freeUdpPort();
      bridgePorts.set(p, bridgePort);
      bridgePids.push(spawnDetached(["socat", "-b", "65535", `INTERFACE:${br}`, `UDP-DATAGRAM:127.0.0.1:${taps.localPort(p)},bind=127.0.0.1:${bridgePort}`]));
    }
    const launched = await launchSimpleSwitchGrpc({
      interfaces: ports.map((p) => ({ port: p, iface: `${prefix}x${p}` })),
      grpcAddress: `127.0.0.1:${await freeTcpPort()}`,
      thriftPort: await freeTcpPort(),
    });
    if (launched.kind !== "running") throw new NetError(launched.message);
    return {
      name,
      grpcAddress: launched.grpcAddress,
      send: (p, frame) => taps.send(p, frame, { ip: "127.0.0.1", port: bridgePorts.get(p)! }),
      async close() {
        await launched.stop();
        await stopBridges();
      },
    };
  } catch (err) {
    await stopBridges();
    throw err;
  }
}

function freeUdpPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createSocket("udp4");
    s.bind(0, "127.0.0.1", () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}
