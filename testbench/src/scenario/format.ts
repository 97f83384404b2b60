/**
 * Scenario files: a topology, a client load and a timeline of faults, as JSON.
 *
 *   {
 *     "name": "primary-death",
 *     "description": "the primary of a busy session dies under load",
 *     "topology": { "servers": 4, "replication": "sync" },
 *     "load": { "clients": 2, "sessionsPerClient": 40, "updates": 4000 },
 *     "short": { "updates": 600 },
 *     "timeline": [
 *       { "at": 0.3, "do": "kill", "server": "primary:0" },
 *       { "afterMs": 800, "do": "restart", "server": "primary:0" }
 *     ],
 *     "expect": { "failovers": true, "secondaryChanges": true }
 *   }
 *
 * `at` is the fraction of the run's updates acknowledged when the event fires (so the same file
 * works in long and short form); `afterMs` instead fires that long after the previous event;
 * `"afterFailover": true` fires once every session whose primary an earlier event killed or
 * paused has been answered by a new primary (or the load is done).
 * A server is named by id, or by role relative to a tracked session: "primary:K" / "secondary:K"
 * is the server the client's cookie for its K-th session names when the event fires (resolved
 * once per event, then remembered so a later "restart" of "primary:0" brings back the same one).
 * Several LB switches: "topology": { "switches": 2 } puts every host behind each; the actions
 * "switch-kill", "switch-start", "switch-partition" (cut its management network: the controller
 * loses it, its data plane keeps forwarding) and "switch-heal" take "switch": index (from 0),
 * and "switch-restart" takes one too (default 0).
 * Comments: lines starting with // are allowed (stripped before JSON.parse).
 */

export type ServerRef =
  | { readonly kind: "id"; readonly id: number }
  | { readonly kind: "role"; readonly role: "primary" | "secondary"; readonly session: number };

/** Which switch ports a wire fault applies to. */
export type PortRef = { readonly kind: "all" } | { readonly kind: "clients" } | { readonly kind: "server"; readonly server: ServerRef };

export type FaultAction =
  | { readonly do: "kill"; readonly server: ServerRef }
  | { readonly do: "pause"; readonly server: ServerRef }
  | { readonly do: "resume"; readonly server: ServerRef }
  | { readonly do: "restart"; readonly server: ServerRef }
  | { readonly do: "drain"; readonly server: ServerRef }
  | { readonly do: "loss"; readonly port: PortRef; readonly rate: number }
  | { readonly do: "delay"; readonly port: PortRef; readonly ms: number }
  | { readonly do: "heal"; readonly port: PortRef }
  | { readonly do: "partition"; readonly a: ServerRef; readonly b: ServerRef }
  | { readonly do: "unpartition"; readonly a: ServerRef; readonly b: ServerRef }
  | { readonly do: "controller-kill" }
  | { readonly do: "controller-start" }
  | { readonly do: "switch-restart"; readonly switch: number }
  | { readonly do: "switch-kill" | "switch-start" | "switch-partition" | "switch-heal"; readonly switch: number };

export type Trigger =
  | { readonly kind: "progress"; readonly fraction: number }
  | { readonly kind: "after"; readonly ms: number }
  /** Once every session whose primary an earlier event killed or paused has an answer from a new primary. */
  | { readonly kind: "failedOver" };

export interface TimelineEntry {
  readonly trigger: Trigger;
  readonly action: FaultAction;
}

export type ReplicationMode = "sync" | "async";

export interface LoadSpec {
  readonly clients: number;
  readonly sessionsPerClient: number;
  /** Total acknowledged increments the run waits for, over all sessions. */
  readonly updates: number;
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly topology: { readonly servers: number; readonly replication: ReplicationMode; readonly switches: number };
  readonly load: LoadSpec;
  /** Overrides for `--short` (CI): fewer updates or sessions. */
  readonly short: Partial<LoadSpec>;
  readonly timeline: readonly TimelineEntry[];
  /** What must be seen besides the invariants: sessions moved to new primaries, or to new secondaries. */
  readonly expect: { readonly failovers: boolean; readonly secondaryChanges: boolean };
  /** Seed of a generated scenario, to replay it. */
  readonly seed?: number;
}

export class ScenarioError extends Error {
  override readonly name = "ScenarioError";
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function posInt(where: string, v: unknown, fallback?: number): number {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) throw new ScenarioError(`${where} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

export function parseServerRef(where: string, v: unknown): ServerRef {
  if (typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 65534) return { kind: "id", id: v };
  if (typeof v === "string") {
    const m = /^(primary|secondary):(\d+)$/.exec(v);
    if (m) return { kind: "role", role: m[1] as "primary" | "secondary", session: Number(m[2]) };
  }
  throw new ScenarioError(`${where} must be a server id (1..65534) or "primary:K" / "secondary:K", got ${JSON.stringify(v)}`);
}

function parsePortRef(where: string, v: unknown): PortRef {
  if (v === "all") return { kind: "all" };
  if (v === "clients") return { kind: "clients" };
  return { kind: "server", server: parseServerRef(where, v) };
}

export function formatServerRef(ref: ServerRef): string {
  return ref.kind === "id" ? `server ${ref.id}` : `${ref.role} of session ${ref.session}`;
}

function formatPortRef(ref: PortRef): string {
  return ref.kind === "server" ? `port of ${formatServerRef(ref.server)}` : ref.kind === "all" ? "every port" : "client port";
}

export function describeAction(a: FaultAction): string {
  switch (a.do) {
    case "kill":
    case "pause":
    case "resume":
    case "restart":
    case "drain":
      return `${a.do} ${formatServerRef(a.server)}`;
    case "loss":
      return `${Math.round(a.rate * 1000) / 10}% loss on ${formatPortRef(a.port)}`;
    case "delay":
      return `${a.ms} ms delay on ${formatPortRef(a.port)}`;
    case "heal":
      return `heal ${formatPortRef(a.port)}`;
    case "partition":
    case "unpartition":
      return `${a.do} ${formatServerRef(a.a)} / ${formatServerRef(a.b)}`;
    case "controller-kill":
    case "controller-start":
      return a.do;
    case "switch-restart":
    case "switch-kill":
    case "switch-start":
    case "switch-partition":
    case "switch-heal":
      return `${a.do} ${a.switch}`;
  }
}

function parseAction(where: string, o: Json): FaultAction {
  switch (o.do) {
    case "kill":
    case "pause":
    case "resume":
    case "restart":
    case "drain":
      return { do: o.do, server: parseServerRef(`${where}.server`, o.server) };
    case "loss": {
      const rate = o.rate;
      if (typeof rate !== "number" || !(rate >= 0 && rate <= 1)) throw new ScenarioError(`${where}.rate must be a number in 0..1`);
      return { do: "loss", port: parsePortRef(`${where}.port`, o.port), rate };
    }
    case "delay":
      return { do: "delay", port: parsePortRef(`${where}.port`, o.port), ms: posInt(`${where}.ms`, o.ms) };
    case "heal":
      return { do: "heal", port: parsePortRef(`${where}.port`, o.port) };
    case "partition":
    case "unpartition":
      return { do: o.do, a: parseServerRef(`${where}.a`, o.a), b: parseServerRef(`${where}.b`, o.b) };
    case "controller-kill":
    case "controller-start":
      return { do: o.do };
    case "switch-restart":
    case "switch-kill":
    case "switch-start":
    case "switch-partition":
    case "switch-heal":
      return { do: o.do, switch: switchIndex(`${where}.switch`, o.switch) };
    default:
      throw new ScenarioError(`${where}.do: unknown action ${JSON.stringify(o.do)}`);
  }
}

function switchIndex(where: string, v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw new ScenarioError(`${where} must be a switch index (0, 1, ...), got ${JSON.stringify(v)}`);
  return v;
}

function parseTrigger(where: string, o: Json): Trigger {
  const given = ["at", "afterMs", "afterFailover"].filter((k) => o[k] !== undefined);
  if (given.length > 1) throw new ScenarioError(`${where}: give one of "at", "afterMs" or "afterFailover", not ${given.map((k) => `"${k}"`).join(" and ")}`);
  if (typeof o.at === "number" && o.at >= 0 && o.at <= 1) return { kind: "progress", fraction: o.at };
  if (typeof o.afterMs === "number" && Number.isInteger(o.afterMs) && o.afterMs >= 0) return { kind: "after", ms: o.afterMs };
  if (o.afterFailover === true) return { kind: "failedOver" };
  throw new ScenarioError(`${where}: needs "at" (fraction 0..1 of updates), "afterMs" (ms after the previous event) or "afterFailover": true`);
}

function parseLoad(where: string, v: unknown): LoadSpec {
  if (!isObject(v)) throw new ScenarioError(`${where} must be an object`);
  return {
    clients: posInt(`${where}.clients`, v.clients, 2),
    sessionsPerClient: posInt(`${where}.sessionsPerClient`, v.sessionsPerClient, 32),
    updates: posInt(`${where}.updates`, v.updates),
  };
}

export function parseScenario(text: string, source = "scenario"): Scenario {
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\s*\/\/.*$/gm, ""));
  } catch (err) {
    throw new ScenarioError(`${source}: not JSON: ${(err as Error).message}`);
  }
  if (!isObject(raw)) throw new ScenarioError(`${source}: must be a JSON object`);
  if (typeof raw.name !== "string" || raw.name === "") throw new ScenarioError(`${source}: "name" must be a non-empty string`);
  const topology = isObject(raw.topology) ? raw.topology : {};
  const servers = posInt(`${source}: topology.servers`, topology.servers, 4);
  if (servers < 2) throw new ScenarioError(`${source}: topology.servers must be at least 2 (a primary and a secondary)`);
  const replication = topology.replication ?? "sync";
  if (replication !== "sync" && replication !== "async") throw new ScenarioError(`${source}: topology.replication must be "sync" or "async"`);
  const switches = posInt(`${source}: topology.switches`, topology.switches, 1);
  const load = parseLoad(`${source}: load`, raw.load);
  const shortRaw = raw.short === undefined ? {} : raw.short;
  if (!isObject(shortRaw)) throw new ScenarioError(`${source}: "short" must be an object`);
  const short: Partial<LoadSpec> = {
    ...(shortRaw.updates !== undefined ? { updates: posInt(`${source}: short.updates`, shortRaw.updates) } : {}),
    ...(shortRaw.sessionsPerClient !== undefined ? { sessionsPerClient: posInt(`${source}: short.sessionsPerClient`, shortRaw.sessionsPerClient) } : {}),
    ...(shortRaw.clients !== undefined ? { clients: posInt(`${source}: short.clients`, shortRaw.clients) } : {}),
  };
  if (!Array.isArray(raw.timeline)) throw new ScenarioError(`${source}: "timeline" must be an array`);
  const timeline = raw.timeline.map((entry, i): TimelineEntry => {
    const where = `${source}: timeline[${i}]`;
    if (!isObject(entry)) throw new ScenarioError(`${where} must be an object`);
    const action = parseAction(where, entry);
    if ("switch" in action && action.switch >= switches) throw new ScenarioError(`${where}.switch: no switch ${action.switch} in a topology of ${switches}`);
    return { trigger: parseTrigger(where, entry), action };
  });
  let lastFraction = 0;
  for (const [i, e] of timeline.entries()) {
    if (e.trigger.kind !== "progress") continue;
    if (e.trigger.fraction < lastFraction) throw new ScenarioError(`${source}: timeline[${i}].at goes backwards`);
    lastFraction = e.trigger.fraction;
  }
  const expect = isObject(raw.expect) ? raw.expect : {};
  return {
    name: raw.name,
    description: typeof raw.description === "string" ? raw.description : "",
    topology: { servers, replication, switches },
    load,
    short,
    timeline,
    expect: { failovers: expect.failovers === true, secondaryChanges: expect.secondaryChanges === true },
    ...(typeof raw.seed === "number" ? { seed: raw.seed } : {}),
  };
}

/** The load a run uses: the file's, or its short form for CI. */
export function effectiveLoad(scenario: Scenario, short: boolean): LoadSpec {
  return short ? { ...scenario.load, ...scenario.short } : scenario.load;
}
