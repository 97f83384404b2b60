/**
 * Loading the project's C addons (bmv2/native, built at `npm ci`). Loaded on demand and once;
 * a machine where one cannot load (not built, not Linux) gets the reason instead, so the
 * caller can fall back and say why.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { packageRoot } from "./package_root.ts";

export type AddonLoad<T> = { readonly ok: true; readonly addon: T } | { readonly ok: false; readonly reason: string };

/** A loader for build/Release/<name>.node; `what` names the addon in reasons ("the packet-ring addon"). */
export function nativeAddon<T>(name: "slb_packet" | "slb_udp", what: string, linuxOnlyReason: string): () => AddonLoad<T> {
  let loaded: AddonLoad<T> | undefined;
  return () => {
    if (loaded) return loaded;
    const path = join(packageRoot(import.meta.url), `bmv2/native/build/Release/${name}.node`);
    if (process.platform !== "linux") loaded = { ok: false, reason: linuxOnlyReason };
    else if (!existsSync(path)) loaded = { ok: false, reason: `${what} is not built (npm ci builds it: node bmv2/native/build.mjs)` };
    else {
      try {
        loaded = { ok: true, addon: createRequire(import.meta.url)(path) as T };
      } catch (e) {
        loaded = { ok: false, reason: `${what} did not load: ${e instanceof Error ? e.message : String(e)}` };
      }
    }
    return loaded;
  };
}
