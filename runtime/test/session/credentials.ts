/**
 * A dev cluster CA with certificates for servers 1..8, generated once per test process in a
 * temp dir (removed at exit), so session tests run with mutual TLS like a deployment does.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateDevCluster } from "../../src/auth/dev_ca.ts";
import { serverId } from "../../src/wire/session_header.ts";

let generated: Promise<string> | undefined;

export function testCredentials(): Promise<string> {
  generated ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "slb-test-ca-"));
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    await generateDevCluster({ dir, servers: [1, 2, 3, 4, 5, 6, 7, 8].map(serverId) });
    return dir;
  })();
  return generated;
}
