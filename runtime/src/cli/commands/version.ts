import { readFileSync } from "node:fs";
import type { Command } from "../command.ts";

export const versionCommand: Command = {
  name: "version",
  summary: "print the version of slb",
  help: "usage: slb version\n\nPrints the package version.",
  async run() {
    const pkg = JSON.parse(readFileSync(new URL("../../../../package.json", import.meta.url), "utf8")) as { version: string };
    console.log(`slb ${pkg.version}`);
    return 0;
  },
};
