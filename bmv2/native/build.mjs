/**
 * Builds the native addons at `npm ci` (the root package's install script): slb_packet (packet
 * rings for the switch's ports) and slb_udp (batched UDP for servers and clients). A failed
 * build never fails the install: the switch then uses its socat bridges and says so when it
 * starts, and UDP falls back to node:dgram.
 * Node headers come from the local installation when it ships them (no download); otherwise
 * node-gyp fetches them as usual.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

function nodeGyp() {
  // npm names its bundled node-gyp for lifecycle scripts; outside npm, look next to npm itself.
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return fromNpm;
  const bundled = join(dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js");
  if (existsSync(bundled)) return bundled;
  try {
    return createRequire(import.meta.url).resolve("node-gyp/bin/node-gyp.js");
  } catch {
    return undefined;
  }
}

function localNodeDir() {
  const prefixes = [process.config.variables.node_prefix, "/usr", "/usr/local", join(dirname(process.execPath), "..")];
  return prefixes.find((p) => p && existsSync(join(p, "include", "node", "node_api.h")));
}

if (process.platform !== "linux") {
  console.log("slb: native addons skipped (Linux only); switch ports on interfaces will use socat, UDP node:dgram");
  process.exit(0);
}
const gyp = nodeGyp();
if (!gyp) {
  console.log("slb: native addons not built (node-gyp not found); switch ports on interfaces will use socat, UDP node:dgram");
  process.exit(0);
}
const nodeDir = localNodeDir();
const args = [gyp, "rebuild", ...(nodeDir ? [`--nodedir=${nodeDir}`] : [])];
const result = spawnSync(process.execPath, args, { cwd: here, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
if (result.status !== 0) {
  const tail = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim().split("\n").slice(-15).join("\n");
  console.log(`slb: native addon build failed; switch ports on interfaces will use socat, UDP node:dgram\n${tail}`);
  process.exit(0);
}
console.log("slb: native addons built (bmv2/native/build/Release/slb_packet.node, slb_udp.node)");
