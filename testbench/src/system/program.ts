/**
 * The LB program, compiled once per process by our compiler: BMv2 JSON for the switch and
 * P4Info for the controller. Compiling is the slowest step of bringing a system up, and every
 * scenario of a run uses the same program, so the result is shared.
 */
import { compileFile } from "../../../compiler/src/index.ts";
import { formatDiagnosticHeadline } from "../../../compiler/src/diagnostics/format.ts";
import { type Pipeline, makePipeline } from "../../../runtime/src/controller/pipeline.ts";
import { parseP4Info } from "../../../runtime/src/p4rt/p4info.ts";
import { join } from "node:path";
import { packageRoot } from "../../../bmv2/src/package_root.ts";

export const LB_PROGRAM = join(packageRoot(import.meta.url), "p4/v1model/session_lb.p4");

export interface CompiledProgram {
  readonly bmv2Json: string;
  readonly p4infoText: string;
  readonly pipeline: Pipeline;
  readonly compileMs: number;
}

/** Compiles a P4 file with our compiler; throws with the diagnostics when it fails. */
export async function compileP4(path: string): Promise<CompiledProgram> {
  const started = performance.now();
  const out = compileFile(path, {});
  const compileMs = performance.now() - started;
  if (!out.ok) {
    throw new Error(`our compiler rejected ${path}:\n${out.diagnostics.slice(0, 5).map(formatDiagnosticHeadline).join("\n")}`);
  }
  const bmv2Json = JSON.stringify(out.bmv2Json);
  return { bmv2Json, p4infoText: out.p4infoText, pipeline: makePipeline(parseP4Info(out.p4infoText), bmv2Json), compileMs };
}

let cached: Promise<CompiledProgram> | undefined;

export function compileLbProgram(): Promise<CompiledProgram> {
  cached ??= compileP4(LB_PROGRAM).catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}
