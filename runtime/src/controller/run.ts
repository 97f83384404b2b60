/**
 * Runs a controller process from a topology file: load (or compile) the pipeline, connect to
 * the switch, serve the admin API and /metrics. What `slb controller` and the system tests use.
 */
import type { CompileP4 } from "./pipeline.ts";
import type { P4Info } from "../p4rt/p4info.ts";
import { startAdminServer, type AdminServer } from "./admin.ts";
import type { TopologyConfig } from "./config.ts";
import { Controller } from "./controller.ts";
import { loadPipeline } from "./pipeline.ts";

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
    return { bmv2Json: JSON.stringify(selectorInputsOutOfKeys(result.bmv2Json)), p4info: withoutSelectorFields(result.p4info as P4Info) };
  };
}

interface Bmv2JsonShape {
  pipelines?: { tables?: { key?: { match_type: string; target: unknown }[]; action_profile?: string }[]; action_profiles?: { name: string; selector?: { input?: unknown[] } }[] }[];
}

/**
 * Real p4c-bm2-ss keeps action-selector inputs out of the table key and lists them as the
 * profile's selector input; move any selector key field our compiler emits there, so the
 * JSON is one real bmv2 accepts (a no-op on JSON that already has that shape).
 */
export function selectorInputsOutOfKeys(json: object): object {
  const copy = structuredClone(json) as Bmv2JsonShape;
  for (const pipeline of copy.pipelines ?? []) {
    for (const table of pipeline.tables ?? []) {
      const selectorKeys = (table.key ?? []).filter((k) => k.match_type === "selector");
      if (selectorKeys.length === 0) continue;
      table.key = (table.key ?? []).filter((k) => k.match_type !== "selector");
      const profile = pipeline.action_profiles?.find((p) => p.name === table.action_profile);
      if (profile?.selector && (profile.selector.input ?? []).length === 0) {
        profile.selector.input = selectorKeys.map((k) => ({ type: "field", value: k.target }));
      }
    }
  }
  return copy;
}

/**
 * P4Info has no match kind for action-selector inputs (real p4c leaves those key fields out of
 * the P4Info); drop any such field our compiler lists, so the P4Info is one real tools accept.
 */
export function withoutSelectorFields(p4info: P4Info): P4Info {
  const standard = new Set(["EXACT", "LPM", "TERNARY", "RANGE", "OPTIONAL"]);
  return {
    ...p4info,
    tables: (p4info.tables ?? []).map((t) => ({ ...t, match_fields: (t.match_fields ?? []).filter((f) => standard.has(String(f.match_type))) })),
  };
}

export async function runController(
  topology: TopologyConfig,
  options: { readonly electionId?: bigint; readonly admin?: string; readonly compile?: CompileP4; readonly connectTimeoutMs?: number } = {},
): Promise<RunningController> {
  const pipeline = await loadPipeline(topology.pipeline, options.compile ?? builtinCompiler(topology.vip.port));
  const controller = new Controller({ topology, pipeline, ...(options.electionId !== undefined ? { electionId: options.electionId } : {}) });
  const adminAddress = options.admin ?? topology.admin;
  const i = adminAddress.lastIndexOf(":");
  const admin = await startAdminServer(controller, adminAddress.slice(0, i), Number(adminAddress.slice(i + 1)));
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
