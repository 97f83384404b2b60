import { Prng } from "./prng.ts";
import type { FaultAction, Scenario, ServerRef, TimelineEntry } from "./format.ts";

/**
 * Random scenarios of single faults: one fault at a time, each undone before the next starts,
 * so with synchronous replication no acknowledged update may be lost. Every choice comes from
 * the seed, so `slb scenario --random --seed N` replays the same timeline.
 */
export interface RandomScenarioOptions {
  readonly seed: number;
  readonly updates: number;
  readonly servers?: number;
  readonly faults?: number;
}

type FaultKind = "kill" | "pause" | "restart" | "loss" | "delay" | "partition" | "controller" | "switch" | "drain";
const FAULT_KINDS: readonly FaultKind[] = ["kill", "pause", "restart", "loss", "delay", "partition", "controller", "switch", "drain"];

function serverRef(prng: Prng, servers: number): ServerRef {
  // Half the time aim at a tracked session's primary or secondary, so faults hit live traffic.
  if (prng.next() < 0.5) return { kind: "role", role: prng.pick(["primary", "secondary"] as const), session: prng.int(0, 3) };
  return { kind: "id", id: prng.int(1, servers) };
}

/** A fault and the action that ends it (none for one-shot faults such as a restart). */
function faultPair(prng: Prng, kind: FaultKind, servers: number): { readonly start: FaultAction; readonly end?: FaultAction } {
  switch (kind) {
    case "kill": {
      const server = serverRef(prng, servers);
      return { start: { do: "kill", server }, end: { do: "restart", server } };
    }
    case "pause": {
      const server = serverRef(prng, servers);
      return { start: { do: "pause", server }, end: { do: "resume", server } };
    }
    case "restart":
      return { start: { do: "restart", server: serverRef(prng, servers) } };
    case "loss": {
      const port = prng.next() < 0.5 ? ({ kind: "all" } as const) : ({ kind: "server", server: serverRef(prng, servers) } as const);
      return { start: { do: "loss", port, rate: prng.pick([0.01, 0.05, 0.1]) }, end: { do: "heal", port } };
    }
    case "delay": {
      const port = { kind: "server", server: serverRef(prng, servers) } as const;
      return { start: { do: "delay", port, ms: prng.int(5, 40) }, end: { do: "heal", port } };
    }
    case "partition": {
      const a = prng.int(1, servers);
      const b = ((a - 1 + prng.int(1, servers - 1)) % servers) + 1;
      const refA: ServerRef = { kind: "id", id: a };
      const refB: ServerRef = { kind: "id", id: b };
      return { start: { do: "partition", a: refA, b: refB }, end: { do: "unpartition", a: refA, b: refB } };
    }
    case "controller":
      return { start: { do: "controller-kill" }, end: { do: "controller-start" } };
    case "switch":
      return { start: { do: "switch-restart", switch: 0 } };
    case "drain":
      return { start: { do: "drain", server: { kind: "id", id: prng.int(1, servers) } } };
  }
}

export function randomScenario(options: RandomScenarioOptions): Scenario {
  const prng = new Prng(options.seed);
  const servers = options.servers ?? prng.int(3, 5);
  const faults = options.faults ?? prng.int(2, 4);
  const timeline: TimelineEntry[] = [];
  let drained = false;
  for (let i = 0; i < faults; i++) {
    // Spread the faults over the middle of the run, leaving a quiet tail to finish on.
    const at = Math.round(((i + 0.2 + prng.next() * 0.6) / (faults + 1)) * 1000) / 1000;
    // A second drain would leave too few servers to place new sessions in small topologies.
    const kinds = drained ? FAULT_KINDS.filter((k) => k !== "drain") : FAULT_KINDS;
    const kind = prng.pick(kinds);
    if (kind === "drain") drained = true;
    const { start, end } = faultPair(prng, kind, servers);
    timeline.push({ trigger: { kind: "progress", fraction: at }, action: start });
    if (end) timeline.push({ trigger: { kind: "after", ms: prng.int(150, 600) }, action: end });
  }
  return {
    name: `random-${options.seed}`,
    description: `${faults} random single faults over ${servers} servers (seed ${options.seed})`,
    topology: { servers, replication: "sync", switches: 1 },
    load: { clients: 2, sessionsPerClient: 32, updates: options.updates },
    short: {},
    timeline,
    expect: { failovers: false, secondaryChanges: false },
    seed: options.seed,
  };
}
