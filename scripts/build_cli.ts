/**
 * Bundles the CLI into dist/slb.mjs (run by `npm ci` through the `prepare` script). Starting the
 * bundle skips transpiling some three hundred TypeScript modules at every start, which is most of
 * what `slb compile` costs as a whole process. Packages stay external: they load from
 * node_modules as usual.
 */
import { build } from "esbuild";
import { join } from "node:path";
import { packageRoot } from "../bmv2/src/package_root.ts";

const root = packageRoot(import.meta.url);
const started = performance.now();
await build({
  entryPoints: { slb: join(root, "runtime/src/cli/main.ts") },
  outdir: join(root, "dist"),
  outExtension: { ".js": ".mjs" },
  // Each command is its own chunk, loaded when it runs (main.ts imports commands on demand).
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  sourcemap: "linked",
  logLevel: "warning",
});
console.log(`slb: CLI bundled into dist/slb.mjs in ${Math.round(performance.now() - started)} ms`);
