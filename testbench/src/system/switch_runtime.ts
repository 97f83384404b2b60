/**
 * The switch as the orchestrator runs it: our switch model in this process, one UDP wire per
 * port, and its P4Runtime gRPC server for the controller. A restart builds a new, empty model
 * on the same gRPC port and the same wire sockets' ports, so the controller's reconnect and
 * the hosts' wires find it again (and the controller has to reconcile an empty switch).
 */
import { createSwitch, port as portNumber, type PortNumber, type SwitchModel } from "../../../bmv2/src/dataplane/index.ts";
import { startP4RuntimeServer, type P4RuntimeServer } from "../../../bmv2/src/p4runtime/server.ts";
import { type AttachedInterfaces, attachInterfaces } from "../../../bmv2/src/ports/attach.ts";
import type { InterfaceBinding } from "../../../bmv2/src/ports/interface_ports.ts";
import { UdpWires } from "../../../bmv2/src/ports/udp_wires.ts";
import type { Endpoint } from "../../../runtime/src/transport/endpoint.ts";

export interface SwitchRuntime {
  readonly grpcAddress: string;
  wire(port: number): Endpoint;
  /** The in-process model, for counters and benchmarks. */
  readonly model: SwitchModel;
  /** Frames in and out over all wires, frames dropped for want of a peer. */
  wireStats(): Record<string, number>;
  stop(): Promise<void>;
}

export interface SwitchRuntimeOptions {
  readonly ports: readonly number[];
  /** Where each port's host listens (frames leave there even before the host has sent anything). */
  readonly hosts?: ReadonlyMap<number, Endpoint>;
  /** Reuse this gRPC port (after a restart); absent picks a free one. */
  readonly grpcPort?: number;
  /** Reuse these wire ports (after a restart). */
  readonly wirePorts?: ReadonlyMap<number, number>;
  /**
   * Ports on Linux interfaces (veths of namespace hosts) instead of UDP wires: packet rings, or
   * socat bridges where the addon cannot be used. List these ports here and not in `ports`.
   */
  readonly interfaces?: readonly InterfaceBinding[];
  readonly log?: (line: string) => void;
}

/** Binds the wires one by one at the requested ports (UdpWires binds basePort + N, or any). */
async function startWires(model: SwitchModel, options: SwitchRuntimeOptions): Promise<{ wires: UdpWires[]; endpoint: (p: number) => Endpoint }> {
  const peers = new Map<PortNumber, { address: string; port: number }>();
  for (const [p, e] of options.hosts ?? []) peers.set(portNumber(p), { address: e.ip, port: e.port });
  const wiresByPort = new Map<number, UdpWires>();
  const all: UdpWires[] = [];
  if (!options.wirePorts) {
    const wires = new UdpWires(model, { ports: options.ports.map(portNumber), basePort: 0, peers, ...(options.log ? { log: options.log } : {}) });
    await wires.start();
    all.push(wires);
    for (const p of options.ports) wiresByPort.set(p, wires);
  } else {
    // basePort + N addressing cannot express arbitrary earlier ports: one UdpWires per port.
    for (const p of options.ports) {
      const wanted = options.wirePorts.get(p) ?? 0;
      const wires = new UdpWires(model, { ports: [portNumber(p)], basePort: wanted === 0 ? 0 : wanted - p, peers, ...(options.log ? { log: options.log } : {}) });
      await wires.start();
      all.push(wires);
      wiresByPort.set(p, wires);
    }
  }
  return {
    wires: all,
    endpoint: (p) => {
      const w = wiresByPort.get(p);
      if (!w) throw new RangeError(`switch port ${p} has no wire`);
      const e = w.endpoint(portNumber(p));
      return { ip: e.address, port: e.port };
    },
  };
}

export async function startSwitchRuntime(options: SwitchRuntimeOptions): Promise<SwitchRuntime> {
  const model = createSwitch(options.log ? { log: options.log } : {});
  const { wires, endpoint } = await startWires(model, options);
  let server: P4RuntimeServer;
  let attached: AttachedInterfaces | undefined;
  try {
    if (options.interfaces && options.interfaces.length > 0) attached = await attachInterfaces(model, options.interfaces, options.log ? { log: options.log } : {});
    if (attached?.fallbackReason !== undefined) options.log?.(`interfaces through socat bridges, not packet rings: ${attached.fallbackReason}`);
    server = await startP4RuntimeServer({ model, address: `127.0.0.1:${options.grpcPort ?? 0}`, ...(options.log ? { log: options.log } : {}) });
  } catch (err) {
    await attached?.stop();
    for (const w of wires) await w.stop();
    throw err;
  }
  return {
    grpcAddress: `127.0.0.1:${server.port}`,
    wire: endpoint,
    model,
    wireStats() {
      const total: Record<string, number> = {};
      for (const w of wires) for (const [k, v] of Object.entries(w.stats())) total[k] = (total[k] ?? 0) + v;
      for (const [k, v] of Object.entries(attached?.stats() ?? {})) total[k] = (total[k] ?? 0) + v;
      return total;
    },
    async stop() {
      await server.stop();
      await attached?.stop();
      for (const w of wires) await w.stop();
    },
  };
}
