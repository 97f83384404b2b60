/** Paths of the two programs and a lazy handle on our compiler, so a half-built compiler skips these tests instead of crashing them. */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { CompileOptions, CompileResult } from "../../compiler/src/driver/result.ts";

export const V1MODEL_PROGRAM = fileURLToPath(new URL("../v1model/session_lb.p4", import.meta.url));
export const TNA_PROGRAM = fileURLToPath(new URL("../tna/session_lb.p4", import.meta.url));
export const CONTROL_PLANE_DOC = fileURLToPath(new URL("../CONTROL_PLANE.md", import.meta.url));
export const DEFINES = fileURLToPath(new URL("../shared/defines.p4", import.meta.url));

const COMPILER = fileURLToPath(new URL("../../compiler/src/index.ts", import.meta.url));

export type Available<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export async function compileV1model(defines: Readonly<Record<string, string>> = {}): Promise<Available<CompileResult & { ok: true }>> {
  if (!existsSync(COMPILER)) return { ok: false, reason: "compiler/src/index.ts does not exist yet" };
  try {
    const api = (await import(COMPILER)) as { compileFile: (file: string, opts: CompileOptions) => CompileResult };
    const result = api.compileFile(V1MODEL_PROGRAM, { defines });
    if (!result.ok) {
      return { ok: false, reason: result.diagnostics.map((d) => `${d.loc.file}:${d.loc.line}:${d.loc.col}: ${d.message}`).join("; ") };
    }
    return { ok: true, value: result };
  } catch (err) {
    return { ok: false, reason: `our compiler failed to load or crashed: ${(err as Error).message}` };
  }
}
