import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/**
 * Locates a real P4 tool: an explicit path wins, then $PATH, then the Tofino SDE's install
 * directory ($SDE_INSTALL, $SDE/install) for the Barefoot compiler.
 */
export function findTool(names: readonly string[], explicit?: string): string | null {
  if (explicit) return isExecutable(explicit) ? explicit : null;
  const dirs = (process.env["PATH"] ?? "").split(delimiter).filter((d) => d !== "");
  const sdeInstall = process.env["SDE_INSTALL"] ?? (process.env["SDE"] ? join(process.env["SDE"], "install") : undefined);
  if (sdeInstall) dirs.push(join(sdeInstall, "bin"));
  for (const dir of dirs) {
    for (const name of names) {
      const candidate = join(dir, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return null;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export const BMV2_COMPILER_NAMES = ["p4c-bm2-ss"] as const;
export const P4C_DRIVER_NAMES = ["p4c"] as const;
export const TOFINO_COMPILER_NAMES = ["bf-p4c", "p4c-tofino"] as const;
