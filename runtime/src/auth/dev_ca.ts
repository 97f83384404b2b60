/**
 * Generates a development cluster's credentials (see cluster_files.ts) with the openssl CLI:
 * Node can verify certificates but not issue them. EC P-256 keys, so a test cluster's CA and
 * certificates take a fraction of a second.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { ADMIN_TOKEN_FILE, CA_CERT_FILE, CA_KEY_FILE, CLUSTER_KEY_FILE, CredentialsError, certFile, keyFile } from "./cluster_files.ts";
import { type Identity, subjectName } from "./identity.ts";
import type { ServerId } from "../wire/session_header.ts";

const run = promisify(execFile);

export interface DevClusterOptions {
  readonly dir: string;
  readonly servers: readonly ServerId[];
  readonly days?: number;
  /** Progress lines (one per certificate). */
  readonly progress?: (line: string) => void;
}

async function openssl(args: readonly string[]): Promise<void> {
  try {
    await run(process.env.SLB_OPENSSL ?? "openssl", args);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT") throw new CredentialsError("the openssl command is needed to generate certificates (set SLB_OPENSSL to its path)");
    throw new CredentialsError(`openssl ${args[0]} failed: ${(e.stderr ?? e.message).trim().slice(0, 300)}`);
  }
}

const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

async function issue(dir: string, identity: Identity, days: number): Promise<void> {
  const csr = join(dir, `${certFile(identity)}.csr`);
  const ext = join(dir, `${certFile(identity)}.ext`);
  writeFileSync(ext, "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n");
  try {
    await openssl(["req", "-new", ...EC_KEY, "-keyout", join(dir, keyFile(identity)), "-out", csr, "-subj", `/CN=${subjectName(identity)}`]);
    await openssl([
      "x509", "-req", "-in", csr, "-CA", join(dir, CA_CERT_FILE), "-CAkey", join(dir, CA_KEY_FILE), "-set_serial", `0x${randomBytes(12).toString("hex")}`,
      "-days", String(days), "-extfile", ext, "-out", join(dir, certFile(identity)),
    ]);
  } finally {
    rmSync(csr, { force: true });
    rmSync(ext, { force: true });
  }
}

/** Writes a new CA, a certificate per server and one for the controller, the cluster key and the admin token into `dir`. */
export async function generateDevCluster(options: DevClusterOptions): Promise<void> {
  const days = options.days ?? 365;
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  await openssl([
    "req", "-x509", ...EC_KEY, "-keyout", join(options.dir, CA_KEY_FILE), "-out", join(options.dir, CA_CERT_FILE), "-subj", "/CN=slb-cluster-ca",
    "-days", String(days), "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  options.progress?.(`CA: ${join(options.dir, CA_CERT_FILE)}`);
  const identities: Identity[] = [{ role: "controller" }, ...options.servers.map((id) => ({ role: "server", id }) as const)];
  for (const identity of identities) {
    await issue(options.dir, identity, days);
    options.progress?.(`${subjectName(identity)}: ${join(options.dir, certFile(identity))}`);
  }
  writeFileSync(join(options.dir, CLUSTER_KEY_FILE), `${randomBytes(32).toString("hex")}\n`, { mode: 0o600 });
  writeFileSync(join(options.dir, ADMIN_TOKEN_FILE), `${randomBytes(32).toString("hex")}\n`, { mode: 0o600 });
  options.progress?.(`secrets: ${join(options.dir, CLUSTER_KEY_FILE)}, ${join(options.dir, ADMIN_TOKEN_FILE)}`);
}
