/** Our switch as its own process (`slb switch`), as simple_switch_grpc runs, for the benches that compare the two. */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { packageRoot } from "../../../bmv2/src/package_root.ts";

export interface ModelSwitchProcess {
  readonly grpcAddress: string;
  /** The switch's start-up line ("slb switch: P4Runtime on ..., ... on packet rings"). */
  readonly startLine: string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;

/** Starts `slb switch --grpc-addr 127.0.0.1:0 ...args`; resolves once it says where its P4Runtime server listens. */
export async function startModelSwitchProcess(args: readonly string[]): Promise<ModelSwitchProcess> {
  const bin = join(packageRoot(import.meta.url), "bin/slb.js");
  const child = spawn(process.execPath, [bin, "switch", "--grpc-addr", "127.0.0.1:0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const startLine = await new Promise<string | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), START_TIMEOUT_MS);
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString();
      const line = output.split("\n").find((l) => l.startsWith("slb switch:"));
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    await exited;
  };
  const grpcAddress = startLine && /P4Runtime on (\S+),/.exec(startLine)?.[1];
  if (!startLine || !grpcAddress) {
    await stop();
    throw new Error(`slb switch did not start: ${output.trim().slice(-1500)}`);
  }
  return { grpcAddress, startLine, stop };
}
