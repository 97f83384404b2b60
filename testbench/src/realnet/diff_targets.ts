/**
 * Switches under differential test, each with a P4Runtime address to program it. The reference
 * is our model: it runs a frame to completion synchronously, so what it emitted for each frame
 * is known exactly. The switch compared with it takes frames on a stream and hands back what it
 * transmits whenever that happens: the real simple_switch_grpc through its dataplane gRPC
 * service, or (to check the comparison itself) a second instance of our model.
 */
import { createSwitch, port, type SwitchModel } from "../../../bmv2/src/dataplane/index.ts";
import { startP4RuntimeServer } from "../../../bmv2/src/p4runtime/server.ts";
import { findSimpleSwitchGrpc, launchSimpleSwitchGrpc } from "../../../bmv2/src/real/simple_switch.ts";
import { DataplaneStream } from "./diff_dataplane.ts";
import { freeTcpPort } from "./ports.ts";
import { connect } from "node:net";

export interface Emitted {
  readonly port: number;
  readonly frame: Uint8Array;
}

/** Our model, one frame at a time. */
export interface ReferenceTarget {
  readonly name: string;
  readonly grpcAddress: string;
  /** Runs one frame through the switch; returns what it sent out and how many digests it raised. */
  inject(port: number, frame: Uint8Array): { readonly outputs: readonly Emitted[]; readonly digests: number };
  close(): Promise<void>;
}

/** The switch compared with the reference: frames in on a stream, frames out whenever it sends them. */
export interface StreamTarget {
  readonly name: string;
  readonly grpcAddress: string;
  submit(port: number, frame: Uint8Array): void;
  onFrame(listener: (e: Emitted) => void): () => void;
  /** Error lines of the switch's own log (bmv2's refusals say more than the P4Runtime status). */
  errorLog(): readonly string[];
  close(): Promise<void>;
}

async function modelWithServer(): Promise<{ model: SwitchModel; grpcAddress: string; stop(): Promise<void> }> {
  const model = createSwitch();
  const server = await startP4RuntimeServer({ model, address: "127.0.0.1:0" });
  return { model, grpcAddress: `127.0.0.1:${server.port}`, stop: () => server.stop() };
}

export async function startModelReference(name: string): Promise<ReferenceTarget> {
  const { model, grpcAddress, stop } = await modelWithServer();
  let outputs: Emitted[] = [];
  let digests = 0;
  const stopEgress = model.onEgress((p, frame) => outputs.push({ port: p, frame: frame.slice() }));
  const stopDigests = model.onDigest(() => digests++);
  return {
    name,
    grpcAddress,
    inject(p, frame) {
      outputs = [];
      digests = 0;
      model.inject(port(p), frame);
      return { outputs, digests };
    },
    async close() {
      stopEgress();
      stopDigests();
      await stop();
    },
  };
}

/** A second instance of our model behind the stream interface (frames come back on a later tick, as from a real switch). */
export async function startModelStream(name: string): Promise<StreamTarget> {
  const { model, grpcAddress, stop } = await modelWithServer();
  const listeners = new Set<(e: Emitted) => void>();
  const stopEgress = model.onEgress((p, frame) => {
    const emitted = { port: p, frame: frame.slice() };
    setImmediate(() => {
      for (const l of listeners) l(emitted);
    });
  });
  return {
    name,
    grpcAddress,
    submit: (p, frame) => model.inject(port(p), frame),
    onFrame(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    errorLog: () => [],
    async close() {
      stopEgress();
      await stop();
    },
  };
}

/** Why the real bmv2 cannot be compared here, or undefined. */
export function bmv2TargetUnavailable(): string | undefined {
  if (findSimpleSwitchGrpc() === undefined) return "simple_switch_grpc is not installed (not found on PATH)";
  return undefined;
}

const LOG_LINES_KEPT = 200;

/**
 * The real simple_switch_grpc, no program loaded, its ports served over its dataplane gRPC
 * service (no interfaces, so no root and nothing shared with other runs but three free TCP ports).
 */
export async function startBmv2Stream(name: string): Promise<StreamTarget> {
  const dataplaneAddress = `127.0.0.1:${await freeTcpPort()}`;
  const launched = await launchSimpleSwitchGrpc({
    grpcAddress: `127.0.0.1:${await freeTcpPort()}`,
    thriftPort: await freeTcpPort(),
    dataplaneGrpcAddress: dataplaneAddress,
    // Errors only: a refused write is explained in the log, while per-packet logging would slow the switch down.
    logConsole: true,
    logLevel: "error",
  });
  if (launched.kind !== "running") throw new Error(`${name}: ${launched.message}`);
  const errors: string[] = [];
  let partial = "";
  const keep = (chunk: Buffer): void => {
    const lines = (partial + chunk.toString()).split("\n");
    partial = lines.pop() ?? "";
    // bmv2 logs refusals as "[E]" lines, JSON it cannot load with the reason before "bad json:".
    for (const line of lines) if (/\[E\]|bad json|does not have|[Ii]nvalid|[Ee]rror/.test(line)) errors.push(line.trim());
    if (errors.length > LOG_LINES_KEPT) errors.splice(0, errors.length - LOG_LINES_KEPT);
  };
  launched.process.stdout?.on("data", keep);
  launched.process.stderr?.on("data", keep);
  if (!(await acceptsConnections(dataplaneAddress, 10_000))) {
    await launched.stop();
    throw new Error(`${name}: its dataplane service did not start listening on ${dataplaneAddress}`);
  }
  // The dataplane service answers "not ready" until a program is loaded: the stream opens on the first frame.
  let stream: DataplaneStream | undefined;
  const listeners = new Set<(e: Emitted) => void>();
  return {
    name,
    grpcAddress: launched.grpcAddress,
    submit(p, frame) {
      if (!stream) {
        stream = new DataplaneStream(dataplaneAddress);
        stream.onFrame((e) => {
          for (const l of listeners) l(e);
        });
      }
      if (stream.error) throw new Error(`${name}: its dataplane stream failed: ${stream.error.message}`);
      stream.send(p, frame);
    },
    onFrame(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    errorLog: () => [...errors, ...(stream?.error ? [`dataplane stream: ${stream.error.message}`] : [])],
    async close() {
      stream?.close();
      await launched.stop();
    },
  };
}

/** Whether a TCP listener at "host:port" accepts a connection before `timeoutMs`. */
async function acceptsConnections(address: string, timeoutMs: number): Promise<boolean> {
  const colon = address.lastIndexOf(":");
  const [host, portNumber] = [address.slice(0, colon), Number(address.slice(colon + 1))];
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port: portNumber });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => {
        socket.destroy();
        resolve(false);
      });
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** A switch seen one frame at a time: what it sent for a frame is whatever arrived until it was quiet for `settleMs`. */
export interface DiffTarget {
  readonly name: string;
  readonly grpcAddress: string;
  send(port: number, frame: Uint8Array): Promise<Emitted[]>;
  close(): Promise<void>;
}

/** The real simple_switch_grpc one frame at a time (for tests that compare where single frames go). */
export async function startBmv2Target(name: string, settleMs = 250): Promise<DiffTarget> {
  const stream = await startBmv2Stream(name);
  let collected: Emitted[] = [];
  let lastArrival = 0;
  stream.onFrame((e) => {
    collected.push(e);
    lastArrival = performance.now();
  });
  return {
    name,
    grpcAddress: stream.grpcAddress,
    async send(p, frame) {
      collected = [];
      lastArrival = performance.now();
      stream.submit(p, frame);
      while (performance.now() - lastArrival < settleMs) await new Promise((r) => setTimeout(r, Math.max(1, settleMs / 4)));
      return collected;
    },
    close: () => stream.close(),
  };
}
