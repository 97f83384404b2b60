/**
 * Authenticated datagrams for the management protocol: a sealed datagram is the magic "SLBA",
 * an HMAC-SHA256 of the body under the cluster key, then the body. Only holders of the cluster
 * key (the controller and the servers) can make one the other side accepts; a replayed
 * membership is harmless because servers ignore epochs they have seen.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

const MAGIC = Buffer.from("SLBA", "ascii");
const MAC_BYTES = 32;
export const SEAL_OVERHEAD_BYTES = MAGIC.length + MAC_BYTES;

function mac(key: Uint8Array, body: Uint8Array): Buffer {
  return createHmac("sha256", key).update(body).digest();
}

export function seal(key: Uint8Array, body: Uint8Array): Uint8Array {
  return Buffer.concat([MAGIC, mac(key, body), body]);
}

export type Unsealed = { readonly ok: true; readonly body: Uint8Array } | { readonly ok: false; readonly reason: "unsealed" | "forged" };

/** The body of a datagram sealed under `key`; `unsealed` when it carries no seal, `forged` when the seal is wrong. */
export function unseal(key: Uint8Array, bytes: Uint8Array): Unsealed {
  if (bytes.length < SEAL_OVERHEAD_BYTES || !MAGIC.equals(bytes.subarray(0, MAGIC.length))) return { ok: false, reason: "unsealed" };
  const body = bytes.subarray(SEAL_OVERHEAD_BYTES);
  const claimed = bytes.subarray(MAGIC.length, SEAL_OVERHEAD_BYTES);
  return timingSafeEqual(claimed, mac(key, body)) ? { ok: true, body } : { ok: false, reason: "forged" };
}
