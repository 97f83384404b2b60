/**
 * The files of a cluster's credentials directory, as `slb certs` writes them and servers and
 * the controller read them:
 *
 *   ca.pem, ca-key.pem                    the cluster CA (keep ca-key.pem off the servers)
 *   server-<id>.pem, server-<id>-key.pem  one per server: mutual TLS on the peer stream
 *   controller.pem, controller-key.pem    the controller's certificate
 *   cluster.key                           shared secret authenticating management datagrams
 *   admin.token                           bearer token of the controller's admin API
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Identity, subjectName } from "./identity.ts";

export const CA_CERT_FILE = "ca.pem";
export const CA_KEY_FILE = "ca-key.pem";
export const CLUSTER_KEY_FILE = "cluster.key";
export const ADMIN_TOKEN_FILE = "admin.token";

export function certFile(identity: Identity): string {
  return `${identity.role === "server" ? `server-${identity.id}` : "controller"}.pem`;
}

export function keyFile(identity: Identity): string {
  return certFile(identity).replace(/\.pem$/, "-key.pem");
}

/** What a member of the cluster holds to prove who it is and to check the others. */
export interface TlsIdentity {
  readonly identity: Identity;
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
}

export class CredentialsError extends Error {
  override readonly name = "CredentialsError";
}

function read(dir: string, name: string, what: string): Buffer {
  try {
    return readFileSync(join(dir, name));
  } catch (err) {
    throw new CredentialsError(`${join(dir, name)}: cannot read ${what} (${(err as NodeJS.ErrnoException).code ?? String(err)}); run 'slb certs --dir ${dir}'`);
  }
}

export function loadTlsIdentity(dir: string, identity: Identity): TlsIdentity {
  return {
    identity,
    ca: read(dir, CA_CERT_FILE, "the cluster CA certificate"),
    cert: read(dir, certFile(identity), `the certificate of ${subjectName(identity)}`),
    key: read(dir, keyFile(identity), `the private key of ${subjectName(identity)}`),
  };
}

/** A secret file holds hex; at least 16 bytes of it. */
function readSecret(dir: string, name: string, what: string): Buffer {
  const text = read(dir, name, what).toString("utf8").trim();
  if (!/^[0-9a-f]{32,}$/i.test(text)) throw new CredentialsError(`${join(dir, name)}: ${what} must be at least 32 hex digits`);
  return Buffer.from(text, "hex");
}

export function loadClusterKey(dir: string): Buffer {
  return readSecret(dir, CLUSTER_KEY_FILE, "the cluster key");
}

export function loadAdminToken(dir: string): string {
  return readSecret(dir, ADMIN_TOKEN_FILE, "the admin token").toString("hex");
}
