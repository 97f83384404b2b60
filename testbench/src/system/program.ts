/**
 * The LB program, compiled once per process and compiler: BMv2 JSON for the switch and P4Info
 * for the controller. Compiling is the slowest step of bringing a system up, and every scenario
 * of a run uses the same program, so the result is shared. Real bmv2 runs take either our
 * compiler's output or the real p4c's, so both are reachable here.
 */
import { type CompilerChoice, compileFileWith } from "../../../compiler/src/index.ts";
import { formatDiagnosticHeadline } from "../../../compiler/src/diagnostics/format.ts";
import { type Pipeline, makePipeline } from "../../../runtime/src/controller/pipeline.ts";
import { parseP4Info } from "../../../runtime/src/p4rt/p4info.ts";
import { join } from "node:path";
import { packageRoot } from "../../../bmv2/src/package_root.ts";

export const LB_PROGRAM = join(packageRoot(import.meta.url), "p4/v1model/session_lb.p4");

export type { CompilerChoice };

export interface CompiledProgram {
  readonly compiler: CompilerChoice;
  readonly bmv2Json: string;
  readonly p4infoText: string;
  readonly pipeline: Pipeline;
  readonly compileMs: number;
}

/** Compiles a P4 file with our compiler (default) or the real p4c-bm2-ss; throws with the diagnostics when it fails. */
export async function compileP4(path: string, compiler: CompilerChoice = "builtin"): Promise<CompiledProgram> {
  const started = performance.now();
  const out = compileFileWith(compiler, path, {});
  const compileMs = performance.now() - started;
  if (!out.ok) {
    const who = compiler === "p4c" ? "p4c-bm2-ss" : "our compiler";
    throw new Error(`${who} rejected ${path}:\n${out.diagnostics.slice(0, 5).map(formatDiagnosticHeadline).join("\n")}`);
  }
  const bmv2Json = JSON.stringify(out.bmv2Json);
  return { compiler, bmv2Json, p4infoText: out.p4infoText, pipeline: makePipeline(parseP4Info(out.p4infoText), bmv2Json), compileMs };
}

const cached = new Map<CompilerChoice, Promise<CompiledProgram>>();

export function compileLbProgram(compiler: CompilerChoice = "builtin"): Promise<CompiledProgram> {
  let program = cached.get(compiler);
  if (!program) {
    program = compileP4(LB_PROGRAM, compiler).catch((err: unknown) => {
      cached.delete(compiler);
      throw err;
    });
    cached.set(compiler, program);
  }
  return program;
}
