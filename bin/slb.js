#!/usr/bin/env node
// Runs the CLI bundle that `npm ci` builds (dist/slb.mjs, scripts/build_cli.ts): it starts in a
// fraction of the time that transpiling the sources takes. When the bundle is missing, or older
// than a source file (someone edited the code since), the sources run through tsx instead, so
// the CLI never runs stale code.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bundle = join(root, "dist/slb.mjs");
const SOURCE_DIRS = ["compiler/src", "bmv2/src", "runtime/src", "testbench/src"];

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const mtime = entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs;
    if (mtime > newest) newest = mtime;
  }
  return newest;
}

function bundleIsFresh() {
  let built;
  try {
    built = statSync(bundle).mtimeMs;
  } catch {
    return false;
  }
  return SOURCE_DIRS.every((d) => newestMtime(join(root, d)) <= built);
}

let main;
if (bundleIsFresh()) {
  ({ main } = await import(bundle));
} else {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import("../runtime/src/cli/main.ts"));
}
process.exitCode = await main(process.argv.slice(2));
