/**
 * Runs a controller process from a topology file: load (or compile) the pipeline, connect to
 * the switch, serve the admin API and /metrics. What `slb controller` and the system tests use.
 */
import type { CompileP4 } from "./pipeline.ts";
import { startAdminServer, type AdminServer } from "./admin.ts";
import type { TopologyConfig } from "./config.ts";
import { Controller } from "./controller.ts";
import { udpProber, udpPusher } from "./membership.ts";
import { loadPipeline } from "./pipeline.ts";

/** Omitted: insecure (unsealed management datagrams, open admin API). */
export interface ControllerAuth {
  /** Seals probes and membership pushes; servers refuse anything else. */
  readonly clusterKey: Uint8Array;
  readonly adminToken: string;
  readonly log?: (line: string) => void;
}

export interface RunningController {
  readonly controller: Controller;
  readonly admin: AdminServer;
  stop(): Promise<void>;
}

/** Compiles with our builtin compiler; the session port the parser looks for is the VIP's port. */
export function builtinCompiler(sessionPort: number): CompileP4 {
  return async (p4File) => {
    // Loaded on demand so that commands not compiling anything do not load the compiler.
    const { compileFile } = await import("../../../compiler/src/index.ts");
    const result = compileFile(p4File, { defines: { SLB_SESSION_PORT: String(sessionPort) } });
    if (!result.ok) {
      const first = result.diagnostics.slice(0, 5).map((d) => JSON.stringify(d)).join("\n");
      throw new Error(`compiling ${p4File} failed:\n${first}`);
    }
    return { bmv2Json: JSON.stringify(result.bmv2Json), p4info: result.p4infoText };
  };
}

export async function runController(
  topology: TopologyConfig,
  options: { readonly electionId?: bigint; readonly admin?: string; readonly compile?: CompileP4; readonly connectTimeoutMs?: number; readonly auth?: ControllerAuth } = {},
): Promise<RunningController> {
  const pipeline = await loadPipeline(topology.pipeline, options.compile ?? builtinCompiler(topology.vips[0].port));
  const { auth } = options;
  const sealed = auth ? { prober: udpProber(auth.clusterKey), pusher: udpPusher(auth.clusterKey) } : {};
  const controller = new Controller({ topology, pipeline, ...sealed, ...(options.electionId !== undefined ? { electionId: options.electionId } : {}) });
  const adminAddress = options.admin ?? topology.admin;
  const i = adminAddress.lastIndexOf(":");
  const admin = await startAdminServer(controller, adminAddress.slice(0, i), Number(adminAddress.slice(i + 1)), auth ? { token: auth.adminToken, log: auth.log } : undefined);
  try {
    await controller.start(options.connectTimeoutMs);
  } catch (err) {
    controller.stop();
    await admin.close();
    throw err;
  }
  return {
    controller,
    admin,
    stop: async () => {
      controller.stop();
      await admin.close();
    },
  };
}
