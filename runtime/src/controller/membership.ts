/**
 * Talking to the session servers over the management protocol (runtime/src/wire/control.ts):
 * health probes and membership pushes. Injected into the controller so tests can stand in for
 * servers without sockets where they want to.
 */
import { probeServer, pushMembership, type MemberServer } from "../wire/control.ts";
import type { ServerConfig } from "./config.ts";
import type { ProbeOutcome, Prober } from "./health.ts";

export interface Membership {
  readonly epoch: number;
  readonly servers: readonly MemberServer[];
}

/** Pushes a membership to one server; resolves with the epoch the server now holds, or an error text. */
export type MembershipPusher = (server: ServerConfig, membership: Membership) => Promise<{ readonly epoch: number } | { readonly error: string }>;

/** Probes over UDP; with the cluster key the probes are sealed and only sealed answers count. */
export const udpProber = (key?: Uint8Array): Prober => async (server, timeoutMs): Promise<ProbeOutcome> => {
  const started = performance.now();
  try {
    const reply = await probeServer(server.mgmt, { timeoutMs, retries: 0, key });
    const rttMs = performance.now() - started;
    if (reply.kind === "error") return { ok: false, rttMs, error: `server error: ${reply.reason}` };
    if (reply.serverId !== server.id) return { ok: false, rttMs, error: `answered as server ${reply.serverId}` };
    return { ok: true, rttMs, epoch: reply.epoch };
  } catch (err) {
    return { ok: false, rttMs: performance.now() - started, error: (err as Error).message };
  }
};

/** Pushes over UDP; with the cluster key the pushes are sealed and only sealed acks count. */
export const udpPusher = (key?: Uint8Array): MembershipPusher => async (server, membership) => {
  try {
    const reply = await pushMembership(server.mgmt, membership, { timeoutMs: 200, retries: 2, key });
    return reply.kind === "error" ? { error: reply.reason } : { epoch: reply.epoch };
  } catch (err) {
    return { error: (err as Error).message };
  }
};

/** Unsealed (insecure mode). */
export const probeOverUdp: Prober = udpProber();
export const pushOverUdp: MembershipPusher = udpPusher();
