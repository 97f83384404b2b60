/**
 * Launcher for the real `simple_switch_grpc` (bmv2), when it is installed, so
 * that the same controller and tests can drive the reference switch. Target
 * options come first (ports, device id, program or --no-p4); the gRPC
 * options go after `--`, where simple_switch_grpc expects them.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { connect } from "node:net";
import { delimiter, join } from "node:path";

export const SIMPLE_SWITCH_GRPC = "simple_switch_grpc";

export interface PortBinding {
  /** bmv2 port number. */
  readonly port: number;
  /** Linux interface (e.g. a veth) attached to it. */
  readonly iface: string;
}

export interface SimpleSwitchGrpcOptions {
  /** Path of the binary; default: found on `searchPath`. */
  readonly binary?: string;
  /** Directories to search for the binary; default $PATH. */
  readonly searchPath?: string;
  readonly interfaces?: readonly PortBinding[];
  /** BMv2 JSON to start with; without it the switch starts with --no-p4 and waits for SetForwardingPipelineConfig. */
  readonly jsonFile?: string;
  readonly deviceId?: number;
  /** Default 127.0.0.1:9559. */
  readonly grpcAddress?: string;
  readonly cpuPort?: number;
  readonly thriftPort?: number;
  readonly logConsole?: boolean;
  /** bmv2's `--log-level` (trace, debug, info, warn, error, off) for the console log. */
  readonly logLevel?: "trace" | "debug" | "info" | "warn" | "error" | "off";
  /** Serve the ports over gRPC (`--dp-grpc-server-addr`, packets in and out on a stream) instead of interfaces. */
  readonly dataplaneGrpcAddress?: string;
}

export type LaunchResult =
  | { readonly kind: "not-installed"; readonly message: string }
  | { readonly kind: "failed"; readonly message: string }
  | {
      readonly kind: "running";
      readonly process: ChildProcess;
      readonly grpcAddress: string;
      /** Ends the switch (SIGTERM by default; SIGKILL for a crash) and waits for its exit. */
      stop(signal?: NodeJS.Signals): Promise<void>;
    };

/** The binary's path on PATH, or undefined. */
export function findSimpleSwitchGrpc(pathEnv = process.env["PATH"] ?? ""): string | undefined {
  for (const dir of pathEnv.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, SIMPLE_SWITCH_GRPC);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** The argv (without the binary) for these options. */
export function simpleSwitchGrpcArgs(opts: SimpleSwitchGrpcOptions): string[] {
  const args: string[] = [];
  for (const b of opts.interfaces ?? []) args.push("-i", `${b.port}@${b.iface}`);
  if (opts.deviceId !== undefined) args.push("--device-id", String(opts.deviceId));
  if (opts.thriftPort !== undefined) args.push("--thrift-port", String(opts.thriftPort));
  if (opts.logConsole) args.push("--log-console");
  if (opts.logLevel !== undefined) args.push("--log-level", opts.logLevel);
  args.push(opts.jsonFile ?? "--no-p4");
  args.push("--", "--grpc-server-addr", opts.grpcAddress ?? "127.0.0.1:9559");
  if (opts.cpuPort !== undefined) args.push("--cpu-port", String(opts.cpuPort));
  if (opts.dataplaneGrpcAddress !== undefined) args.push("--dp-grpc-server-addr", opts.dataplaneGrpcAddress);
  return args;
}

function waitForPort(host: string, port: number, child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    const attempt = (): void => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve(false);
      const socket = connect({ host, port });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => {
        socket.destroy();
        if (Date.now() > deadline) resolve(false);
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

/** Starts simple_switch_grpc and waits until its gRPC port accepts connections. */
export async function launchSimpleSwitchGrpc(opts: SimpleSwitchGrpcOptions = {}, startTimeoutMs = 10_000): Promise<LaunchResult> {
  const binary = opts.binary ?? findSimpleSwitchGrpc(opts.searchPath);
  if (!binary) return { kind: "not-installed", message: `${SIMPLE_SWITCH_GRPC} is not installed (not found on PATH)` };
  const grpcAddress = opts.grpcAddress ?? "127.0.0.1:9559";
  const child = spawn(binary, simpleSwitchGrpcArgs({ ...opts, grpcAddress }), { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));
  const [host, portText] = [grpcAddress.replace(/:\d+$/, ""), grpcAddress.slice(grpcAddress.lastIndexOf(":") + 1)];
  const ready = await Promise.race([waitForPort(host, Number(portText), child, startTimeoutMs), spawnError.then(() => false)]);
  const stop = async (signal: NodeJS.Signals = "SIGTERM"): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill(signal);
    await exited;
  };
  if (!ready) {
    await stop();
    return { kind: "failed", message: `${binary} did not start listening on ${grpcAddress}: ${output.trim().slice(-2000)}` };
  }
  return { kind: "running", process: child, grpcAddress, stop };
}
