import { readFileSync } from "node:fs";
import type { Command } from "../command.ts";
import { join } from "node:path";
import { packageRoot } from "../../../../bmv2/src/package_root.ts";

export const versionCommand: Command = {
  help: "usage: slb version\n\nPrints the package version.",
  async run() {
    const pkg = JSON.parse(readFileSync(join(packageRoot(import.meta.url), "package.json"), "utf8")) as { version: string };
    console.log(`slb ${pkg.version}`);
    return 0;
  },
};
