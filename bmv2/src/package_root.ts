import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The repository root: the nearest directory above a module that holds package.json.
 * Assets (proto/, compiler/p4include/, p4/, testbench/scenarios/) are found from here rather
 * than by a fixed number of "..", so the same code runs from the sources and from the
 * bundled CLI in dist/.
 */
export function packageRoot(moduleUrl: string): string {
  const start = dirname(fileURLToPath(moduleUrl));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json in any directory above ${start}`);
  }
}
