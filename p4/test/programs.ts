/** Paths of the two programs and the v1model one through our compiler, as a value or the reason it is not one. */
import { fileURLToPath } from "node:url";
import { compileFile } from "../../compiler/src/index.ts";
import type { CompileResult } from "../../compiler/src/driver/result.ts";

export const V1MODEL_PROGRAM = fileURLToPath(new URL("../v1model/session_lb.p4", import.meta.url));
export const TNA_PROGRAM = fileURLToPath(new URL("../tna/session_lb.p4", import.meta.url));
export const CONTROL_PLANE_DOC = fileURLToPath(new URL("../CONTROL_PLANE.md", import.meta.url));
export const DEFINES = fileURLToPath(new URL("../shared/defines.p4", import.meta.url));

export type Available<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export async function compileV1model(defines: Readonly<Record<string, string>> = {}): Promise<Available<CompileResult & { ok: true }>> {
  try {
    const result = compileFile(V1MODEL_PROGRAM, { defines });
    if (!result.ok) {
      return { ok: false, reason: result.diagnostics.map((d) => `${d.loc.file}:${d.loc.line}:${d.loc.col}: ${d.message}`).join("; ") };
    }
    return { ok: true, value: result };
  } catch (err) {
    return { ok: false, reason: `our compiler crashed: ${(err as Error).message}` };
  }
}
