/**
 * A dev cluster CA with certificates for servers 1..8 and the controller, so session tests run
 * with mutual TLS like a deployment does. Generated once into the temp dir and shared by every
 * test process (generating one per process made parallel test files compete for the CPU): a
 * process that finds none generates one aside and renames it into place, the first one wins.
 */
import { existsSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ADMIN_TOKEN_FILE } from "../../src/auth/cluster_files.ts";
import { generateDevCluster } from "../../src/auth/dev_ca.ts";
import { serverId } from "../../src/wire/session_header.ts";

const SHARED = join(tmpdir(), `slb-test-ca-v1-${process.getuid?.() ?? "user"}`);

let generated: Promise<string> | undefined;

export function testCredentials(): Promise<string> {
  generated ??= (async () => {
    // admin.token is written last: its presence means the set is complete.
    if (existsSync(join(SHARED, ADMIN_TOKEN_FILE))) return SHARED;
    const aside = mkdtempSync(join(tmpdir(), "slb-test-ca-"));
    await generateDevCluster({ dir: aside, servers: [1, 2, 3, 4, 5, 6, 7, 8].map(serverId) });
    try {
      renameSync(aside, SHARED);
    } catch {
      rmSync(aside, { recursive: true, force: true });
    }
    return SHARED;
  })();
  return generated;
}
