/**
 * What a running system offers the scenario runner, the demo and the benchmarks: its servers'
 * ground-truth state, the faults it can inject for real, and clients attached through the switch.
 */
import type { ServerId } from "../../../runtime/src/wire/session_header.ts";
import type { WireFault } from "./fault_link.ts";

/** Ground truth kept by the orchestrator, not what the controller believes. */
export type ServerRunState = "running" | "killed" | "paused" | "draining";

export type PortSelector = { readonly kind: "all" } | { readonly kind: "clients" } | { readonly kind: "server"; readonly id: ServerId };

/** One answered increment as a load client sees it. */
export interface IncrAnswer {
  /** The counter after this increment. */
  readonly counter: number;
  readonly version: number;
  readonly cookieSent: number;
  readonly cookieReceived: number;
  readonly failover: boolean;
  readonly retries: number;
}

export interface ReadAnswer {
  readonly counter: number;
  readonly version: number;
}

/**
 * A client of the system: a SessionClient (with its cookie jar) attached through the switch.
 * Every call retries (same request id, RETRY flag) until answered or `deadline` passes, so an
 * increment is either acknowledged or still pending when the run gives up, never silently lost.
 */
export interface LoadClient {
  readonly index: number;
  newSession(): bigint;
  cookieOf(session: bigint): number;
  incr(session: bigint): Promise<IncrAnswer>;
  read(session: bigint): Promise<ReadAnswer>;
  close(): Promise<void>;
}

export interface SystemHandle {
  readonly serverIds: readonly ServerId[];
  readonly replication: "sync" | "async";
  serverState(id: ServerId): ServerRunState;
  /** Servers running and reachable (neither killed nor paused); drained ones count as live. */
  liveServers(): ServerId[];
  /** Sessions the server stores (as primary or secondary); undefined while it is down. */
  serverSessions(id: ServerId): number | undefined;

  killServer(id: ServerId): Promise<void>;
  pauseServer(id: ServerId): Promise<void>;
  resumeServer(id: ServerId): Promise<void>;
  /** Brings a killed (or running) server back with empty state on the same port and address. */
  restartServer(id: ServerId): Promise<void>;
  drainServer(id: ServerId): Promise<void>;

  setWireFault(port: PortSelector, fault: WireFault): void;
  partition(a: ServerId, b: ServerId): void;
  unpartition(a: ServerId, b: ServerId): void;
  /** Clears every wire fault and partition. */
  healNetwork(): void;

  killController(): Promise<void>;
  startController(): Promise<void>;
  controllerRunning(): boolean;
  /** Restarts a switch (default the first) with empty tables on the same wires; the controller must reconcile. */
  restartSwitch(index?: number): Promise<void>;
  /** LB switches side by side; every host has a first hop through each. */
  readonly switchCount: number;
  /** A switch dies (data plane and P4Runtime); its cables stay plugged in. */
  killSwitch(index: number): Promise<void>;
  /** A dead switch comes back empty, where it was. */
  startSwitch(index: number): Promise<void>;
  /** Cuts a switch's management network (the controller loses it; its data plane keeps forwarding), or heals it. */
  partitionSwitch(index: number): void;
  healSwitch(index: number): void;

  newClient(): Promise<LoadClient>;
  /** Counters worth printing: switch packets, drops, controller events. */
  stats(): Record<string, number>;
  close(): Promise<void>;
}

/** The servers that answer (running or draining), in the order given. */
export function liveServerIds(ids: readonly ServerId[], stateOf: (id: ServerId) => ServerRunState): ServerId[] {
  return ids.filter((id) => {
    const s = stateOf(id);
    return s === "running" || s === "draining";
  });
}

/** Starts a system; one that fails half-way is closed (nothing left running) before the error goes on. */
export async function startOrClose<S extends { start(): Promise<void>; close(): Promise<void> }>(system: S): Promise<S> {
  try {
    await system.start();
  } catch (err) {
    await system.close();
    throw err;
  }
  return system;
}
