/**
 * The LB program, compiled once per process by our compiler: BMv2 JSON for the switch and
 * P4Info for the controller. Compiling is the slowest step of bringing a system up, and every
 * scenario of a run uses the same program, so the result is shared.
 */
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Pipeline, makePipeline } from "../../../runtime/src/controller/pipeline.ts";
import { parseP4Info } from "../../../runtime/src/p4rt/p4info.ts";

export const LB_PROGRAM = fileURLToPath(new URL("../../../p4/v1model/session_lb.p4", import.meta.url));

export interface CompiledProgram {
  readonly bmv2Json: string;
  readonly p4infoText: string;
  readonly pipeline: Pipeline;
  readonly compileMs: number;
}

/** What compiler/src/index.ts returns (only the fields used here). */
interface CompileOutput {
  readonly ok: boolean;
  readonly bmv2Json?: unknown;
  readonly p4infoText?: string;
  readonly diagnostics?: readonly unknown[];
}

type CompileFile = (path: string, options?: Record<string, unknown>) => Promise<CompileOutput> | CompileOutput;

async function loadCompiler(): Promise<CompileFile> {
  const module = (await import(new URL("../../../compiler/src/index.ts", import.meta.url).href)) as { compileFile?: CompileFile };
  if (typeof module.compileFile !== "function") throw new Error("compiler/src/index.ts has no compileFile");
  return module.compileFile;
}

/** Compiles a P4 file with our compiler; throws with the diagnostics when it fails. */
export async function compileP4(path: string): Promise<CompiledProgram> {
  const compileFile = await loadCompiler();
  const started = performance.now();
  const out = await compileFile(path, {});
  const compileMs = performance.now() - started;
  if (!out.ok || out.bmv2Json === undefined || out.p4infoText === undefined) {
    const diagnostics = (out.diagnostics ?? []).slice(0, 5).map((d) => (typeof d === "string" ? d : JSON.stringify(d)));
    throw new Error(`our compiler rejected ${path}:\n${diagnostics.join("\n")}`);
  }
  const TMPJSON = (typeof out.bmv2Json === "string" ? JSON.parse(out.bmv2Json) : out.bmv2Json) as { pipelines: { tables: { key: { match_type: string }[] }[] }[] };
  for (const pl of TMPJSON.pipelines) for (const t of pl.tables) t.key = t.key.filter((k) => k.match_type !== "selector");
  const bmv2Json = JSON.stringify(TMPJSON);
  const TMPFIX = out.p4infoText.replace(/  match_fields \{\n[^}]*match_type: SELECTOR\n  \}\n/g, "");
  return { bmv2Json, p4infoText: TMPFIX, pipeline: makePipeline(parseP4Info(TMPFIX), bmv2Json), compileMs };
}

let cached: Promise<CompiledProgram> | undefined;

export function compileLbProgram(): Promise<CompiledProgram> {
  cached ??= compileP4(LB_PROGRAM).catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

/** A program on PATH, or undefined. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      continue;
    }
  }
  return undefined;
}

export function realToolsStatus(): { readonly available: boolean; readonly reason: string } {
  const missing = ["p4c", "simple_switch_grpc"].filter((tool) => findOnPath(tool) === undefined);
  if (missing.length > 0) return { available: false, reason: `not installed (not on PATH): ${missing.join(", ")}` };
  return { available: true, reason: "p4c and simple_switch_grpc found on PATH" };
}
