/**
 * A whole switch in one call: our model, a UDP wire per data port, the CPU
 * port behind the P4Runtime gRPC server, and optionally a program loaded at
 * start (as `simple_switch_grpc --json` would, but with its P4Info too so the
 * server can serve it before any controller pushes one).
 */
import { readFileSync } from "node:fs";
import { createSwitch, port, type PortNumber, type SwitchModel } from "./dataplane/index.ts";
import { parseP4InfoText } from "./p4runtime/p4info_index.ts";
import { P4RuntimeServer, type TlsFiles } from "./p4runtime/server.ts";
import { type AttachedInterfaces, attachInterfaces } from "./ports/attach.ts";
import type { InterfaceBinding } from "./ports/interface_ports.ts";
import { type UdpEndpoint, UdpWires } from "./ports/udp_wires.ts";

export interface StartSwitchOptions {
  /** gRPC listen address; default 127.0.0.1:9559, port 0 picks a free one. */
  readonly grpcAddress?: string;
  /** P4Runtime device id; default 0 (as simple_switch_grpc). */
  readonly deviceId?: number;
  /** Data ports 0..ports-1 get UDP wires (the CPU port is skipped); default 8. */
  readonly ports?: number;
  /** UDP port of switch port 0 (port N listens on wireBasePort + N); 0 lets the OS pick; default 20000. */
  readonly wireBasePort?: number;
  /** Address the wires bind; default 127.0.0.1. */
  readonly wireHost?: string;
  /**
   * Send data port P's frames to 127.0.0.1:peerBasePort + P from the start, instead of to
   * whoever last sent on that wire: hosts that only listen (a bridged veth whose server has not
   * spoken yet) are reachable before their first frame.
   */
  readonly peerBasePort?: number;
  /** CPU port for packet-in / packet-out; default 255 (simple_switch_grpc's usual --cpu-port). */
  readonly cpuPort?: number;
  /**
   * Ports on Linux interfaces (simple_switch's `-i 1@veth1`): packet rings when the addon is
   * usable, else socat bridges (one log line says which and why). These ports get no UDP wire.
   */
  readonly interfaces?: readonly InterfaceBinding[];
  /** Attach the interfaces through socat even where packet rings would work (to exercise the fallback). */
  readonly forceSocatInterfaces?: boolean;
  /** BMv2 JSON and P4Info text files to load at start (both or neither). */
  readonly jsonFile?: string;
  readonly p4infoFile?: string;
  readonly tls?: TlsFiles;
  readonly log?: (line: string) => void;
}

export interface SwitchHandle {
  readonly model: SwitchModel;
  readonly server: P4RuntimeServer;
  /** "host:port" the gRPC server listens on. */
  readonly grpcAddress: string;
  readonly cpuPort: PortNumber;
  /** How the interfaces are attached, if any were given. */
  readonly interfaces?: AttachedInterfaces;
  /** Where data port `p` listens for frames. */
  wire(p: number): UdpEndpoint;
  stop(): Promise<void>;
}

export async function startSwitch(opts: StartSwitchOptions = {}): Promise<SwitchHandle> {
  const cpuPort = port(opts.cpuPort ?? 255);
  const log = opts.log;
  if ((opts.jsonFile === undefined) !== (opts.p4infoFile === undefined)) throw new Error("a program needs both the BMv2 JSON and its P4Info");
  const model = createSwitch({ cpuPort, ...(log ? { log } : {}) });
  const onInterface = new Set((opts.interfaces ?? []).map((b) => b.port));
  const dataPorts = Array.from({ length: opts.ports ?? 8 }, (_, i) => port(i)).filter((p) => p !== cpuPort && !onInterface.has(p));
  const peerBase = opts.peerBasePort;
  const peers = peerBase === undefined ? undefined : new Map(dataPorts.map((p) => [p, { address: "127.0.0.1", port: peerBase + p }] as const));
  const wires = new UdpWires(model, {
    ports: dataPorts,
    basePort: opts.wireBasePort ?? 20000,
    ...(opts.wireHost ? { host: opts.wireHost } : {}),
    ...(peers ? { peers } : {}),
    ...(log ? { log } : {}),
  });
  const server = new P4RuntimeServer({
    model,
    address: opts.grpcAddress ?? "127.0.0.1:9559",
    deviceId: opts.deviceId ?? 0,
    cpuPort,
    // A config is tried on a scratch model first, so a bad one never disturbs the running pipeline.
    verifyDeviceConfig: (json) => createSwitch({ cpuPort }).loadPipeline(json),
    ...(opts.tls ? { tls: opts.tls } : {}),
    ...(log ? { log } : {}),
  });
  if (opts.jsonFile !== undefined && opts.p4infoFile !== undefined) {
    server.loadPipeline(parseP4InfoText(readFileSync(opts.p4infoFile, "utf8")), readFileSync(opts.jsonFile));
  }
  await wires.start();
  let boundPort: number;
  let attached: AttachedInterfaces | undefined;
  try {
    if (opts.interfaces && opts.interfaces.length > 0) {
      attached = await attachInterfaces(model, opts.interfaces, { ...(log ? { log } : {}), ...(opts.forceSocatInterfaces ? { forceSocat: true } : {}) });
      if (attached.fallbackReason !== undefined) log?.(`interfaces through socat bridges, not packet rings: ${attached.fallbackReason}`);
    }
    boundPort = await server.start();
  } catch (err) {
    await attached?.stop();
    await wires.stop();
    await server.stop();
    throw err;
  }
  const host = (opts.grpcAddress ?? "127.0.0.1:9559").replace(/:\d+$/, "");
  return {
    model,
    server,
    grpcAddress: `${host}:${boundPort}`,
    cpuPort,
    ...(attached ? { interfaces: attached } : {}),
    wire: (p) => wires.endpoint(port(p)),
    async stop() {
      await server.stop();
      await attached?.stop();
      await wires.stop();
    },
  };
}
