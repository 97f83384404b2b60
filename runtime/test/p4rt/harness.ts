/** Starts our switch model behind our P4Runtime server on a free port, for client tests. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createSwitch, port as portNumber } from "../../../bmv2/src/dataplane/index.ts";
import { startP4RuntimeServer, type P4RuntimeServer } from "../../../bmv2/src/p4runtime/server.ts";
import { conformanceDir } from "../../../testbench/src/conformance.ts";
import { parseP4Info, type P4Info } from "../../src/p4rt/p4info.ts";

export interface RunningSwitch {
  readonly address: string;
  readonly server: P4RuntimeServer;
  readonly model: ReturnType<typeof createSwitch>;
  stop(): Promise<void>;
}

/** Starts a switch; `port` reuses a port (a restart at the same address). */
export async function startTestSwitch(port = 0, cpuPort?: number): Promise<RunningSwitch> {
  const cpu = cpuPort === undefined ? {} : { cpuPort: portNumber(cpuPort) };
  const model = createSwitch(cpu);
  const server = await startP4RuntimeServer({ model, address: `127.0.0.1:${port}`, ...cpu });
  return { address: `127.0.0.1:${server.port}`, server, model, stop: () => server.stop() };
}

export interface ConformanceProgram {
  readonly p4info: P4Info;
  readonly json: Uint8Array;
}

/** A conformance program's real p4c output, or undefined when the corpus is absent. */
export function conformanceProgram(name: string): ConformanceProgram | undefined {
  const dir = conformanceDir();
  if (!dir) return undefined;
  return {
    p4info: parseP4Info(readFileSync(join(dir, "v1model", `${name}.p4info.txtpb`), "utf8")),
    json: readFileSync(join(dir, "v1model", `${name}.json`)),
  };
}
