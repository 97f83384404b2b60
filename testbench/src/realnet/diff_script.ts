/**
 * The table states the differential walks through, in order: what the controller would program
 * for each set of server modes, with data-plane failure marking off, on (any overdue primary
 * is marked at once) and on with a timeout too long to fire (earlier marks hold).
 *
 * Marking depends on time, and the two switches' clocks differ. Two settings make it exact:
 * a 1 µs timeout with packets sent one at a time (each waits for the previous one's output, so
 * any two are more than 1 µs apart on both switches: a second request to a primary with no
 * answer in between marks it), and timeouts of 0 (off) or an hour (never reached), under
 * which packets go in batches.
 */
import type { ServerMode } from "../../../runtime/src/controller/lb_program.ts";

export type Pacing = "batches" | "one at a time";

export interface DiffPhase {
  readonly name: string;
  /** Mode and server_map generation of servers 1..N. */
  readonly servers: readonly { readonly mode: ServerMode; readonly generation: number }[];
  /** detect_config's timeout: 0 turns marking off. */
  readonly timeoutUs: number;
  readonly pacing: Pacing;
  /** Share of the run's packets. */
  readonly share: number;
}

export const DIFF_SERVERS = 4;
const MARK_AT_ONCE_US = 1;
const NEVER_US = 3_600_000_000;

const all = (mode: ServerMode, generation: number): DiffPhase["servers"] => Array.from({ length: DIFF_SERVERS }, () => ({ mode, generation }));
const only = (up: readonly number[], generation: number): DiffPhase["servers"] =>
  Array.from({ length: DIFF_SERVERS }, (_, i) => ({ mode: up.includes(i + 1) ? "up" : "down", generation }));

export const DIFF_PHASES: readonly DiffPhase[] = [
  { name: "4 servers up, marking off", servers: all("up", 1), timeoutUs: 0, pacing: "batches", share: 0.22 },
  { name: "server 2 down (controller)", servers: only([1, 3, 4], 1), timeoutUs: 0, pacing: "batches", share: 0.1 },
  { name: "server 1 draining, 2 down", servers: [{ mode: "draining", generation: 1 }, { mode: "down", generation: 1 }, { mode: "up", generation: 1 }, { mode: "up", generation: 1 }], timeoutUs: 0, pacing: "batches", share: 0.05 },
  { name: "only server 3 up", servers: only([3], 1), timeoutUs: 0, pacing: "batches", share: 0.08 },
  { name: "no server up", servers: all("down", 1), timeoutUs: 0, pacing: "batches", share: 0.04 },
  { name: "4 servers up (generation 2), marking at once", servers: all("up", 2), timeoutUs: MARK_AT_ONCE_US, pacing: "one at a time", share: 0.08 },
  { name: "marks hold (timeout never reached)", servers: all("up", 2), timeoutUs: NEVER_US, pacing: "batches", share: 0.12 },
  {
    name: "servers 1 and 2 brought back (generation 3)",
    servers: [{ mode: "up", generation: 3 }, { mode: "up", generation: 3 }, { mode: "up", generation: 2 }, { mode: "up", generation: 2 }],
    timeoutUs: NEVER_US,
    pacing: "batches",
    share: 0.12,
  },
  { name: "4 servers up (generation 4), marking at once", servers: all("up", 4), timeoutUs: MARK_AT_ONCE_US, pacing: "one at a time", share: 0.05 },
  { name: "server 4 down (controller) while marking", servers: only([1, 2, 3], 5), timeoutUs: MARK_AT_ONCE_US, pacing: "one at a time", share: 0.04 },
  { name: "4 servers up (generation 6), timeout never reached", servers: all("up", 6), timeoutUs: NEVER_US, pacing: "batches", share: 0.1 },
];
