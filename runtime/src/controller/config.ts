/**
 * The controller's topology file (JSON): where the switch is, the VIP, the servers and routes,
 * health-check timing. Validated up front so that a typo fails at start with the field's path,
 * never half-way through programming the switch.
 *
 * {
 *   "switch":   { "address": "127.0.0.1:9559", "deviceId": 0, "electionId": 1 },
 *   "pipeline": { "p4": "p4/v1model/session_lb.p4" }            // compiled at start, or
 *             | { "json": "build/lb.json", "p4info": "build/lb.p4info.txtpb" },
 *   "vip":      { "ip": "10.0.0.100", "port": 7700, "mac": "02:00:00:00:00:64" },
 *   "servers":  [ { "id": 1, "ip": "10.0.0.1", "mac": "02:00:00:00:00:01", "switchPort": 1,
 *                   "dataPort": 7700, "peerPort": 7701, "mgmt": "127.0.0.1:9101" } ],
 *   "routes":   [ { "prefix": "10.0.1.0/24", "switchPort": 10, "mac": "02:00:00:00:01:00" } ],
 *   "health":   { "intervalMs": 500, "timeoutMs": 200, "rise": 2, "fall": 3 },
 *   "failure":  { "responseTimeoutUs": 200000 },
 *   "admin":    "127.0.0.1:9100",
 *   "eventLog": "controller-events.jsonl",
 *   "stateFile": "controller-state.json"
 * }
 *
 * Relative paths are resolved against the config file's directory.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseEndpoint, parseIpv4, type Endpoint } from "../transport/endpoint.ts";

declare const serverIdBrand: unique symbol;
/** A session server's id, 1..65534 (it is also its cookie number). */
export type ServerId = number & { readonly [serverIdBrand]: true };

export function serverId(n: number): ServerId {
  if (!Number.isInteger(n) || n < 1 || n > 65534) throw new ConfigError(`server id ${n} is not in 1..65534`);
  return n as ServerId;
}

export interface ServerConfig {
  readonly id: ServerId;
  readonly ip: string;
  readonly mac: string;
  /** Switch port the server hangs off. */
  readonly switchPort: number;
  readonly dataPort: number;
  readonly peerPort: number;
  /** The server's management (health probe, membership) endpoint. */
  readonly mgmt: Endpoint;
}

export interface RouteConfig {
  /** "a.b.c.d/len". */
  readonly prefix: string;
  readonly switchPort: number;
  /** Next-hop MAC written as the destination. */
  readonly mac: string;
}

export interface HealthConfig {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Consecutive successes that bring a down server up. */
  readonly rise: number;
  /** Consecutive failures that take an up server down. */
  readonly fall: number;
}

export type PipelineSource =
  | { readonly kind: "p4"; readonly p4File: string }
  | { readonly kind: "compiled"; readonly jsonFile: string; readonly p4infoFile: string };

export interface TopologyConfig {
  readonly switch: { readonly address: string; readonly deviceId: number; readonly electionId: bigint };
  readonly pipeline: PipelineSource;
  readonly vip: { readonly ip: string; readonly port: number; readonly mac: string };
  readonly servers: readonly ServerConfig[];
  readonly routes: readonly RouteConfig[];
  readonly health: HealthConfig;
  /** Data-plane failure detection: a primary silent this long with requests outstanding is marked down by the switch. */
  readonly failure: { readonly responseTimeoutUs: number };
  /** host:port of the admin API and /metrics. */
  readonly admin: string;
  readonly eventLog?: string;
  /** Where the controller keeps what the switch cannot tell a restarted controller (drains, removed servers). */
  readonly stateFile?: string;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export const DEFAULT_HEALTH: HealthConfig = { intervalMs: 500, timeoutMs: 200, rise: 2, fall: 3 };
export const DEFAULT_ADMIN = "127.0.0.1:9100";

type Json = Record<string, unknown>;

function field(o: Json, key: string, path: string): unknown {
  const v = o[key];
  if (v === undefined) throw new ConfigError(`${path}.${key} is missing`);
  return v;
}

function objectAt(v: unknown, path: string): Json {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new ConfigError(`${path} must be an object`);
  return v as Json;
}

function intAt(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw new ConfigError(`${path} must be an integer in ${min}..${max}`);
  return v;
}

function stringAt(v: unknown, path: string): string {
  if (typeof v !== "string" || v === "") throw new ConfigError(`${path} must be a non-empty string`);
  return v;
}

function ipAt(v: unknown, path: string): string {
  const s = stringAt(v, path);
  if (parseIpv4(s) === undefined) throw new ConfigError(`${path} must be a dotted-quad IPv4 address, got '${s}'`);
  return s;
}

function macAt(v: unknown, path: string): string {
  const s = stringAt(v, path);
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(s)) throw new ConfigError(`${path} must be a MAC address aa:bb:cc:dd:ee:ff, got '${s}'`);
  return s.toLowerCase();
}

function endpointAt(v: unknown, path: string): Endpoint {
  const e = parseEndpoint(stringAt(v, path));
  if (!e) throw new ConfigError(`${path} must be ip:port, got '${String(v)}'`);
  return e;
}

export function parseServer(v: unknown, path: string): ServerConfig {
  const o = objectAt(v, path);
  return {
    id: serverId(intAt(field(o, "id", path), `${path}.id`, 1, 65534)),
    ip: ipAt(field(o, "ip", path), `${path}.ip`),
    mac: macAt(field(o, "mac", path), `${path}.mac`),
    switchPort: intAt(field(o, "switchPort", path), `${path}.switchPort`, 0, 510),
    dataPort: intAt(o.dataPort ?? 7700, `${path}.dataPort`, 1, 65535),
    peerPort: intAt(o.peerPort ?? 7701, `${path}.peerPort`, 1, 65535),
    mgmt: endpointAt(field(o, "mgmt", path), `${path}.mgmt`),
  };
}

function parseRoute(v: unknown, path: string): RouteConfig {
  const o = objectAt(v, path);
  const prefix = stringAt(field(o, "prefix", path), `${path}.prefix`);
  const [ip, len] = prefix.split("/");
  if (parseIpv4(ip ?? "") === undefined || len === undefined || !/^\d+$/.test(len) || Number(len) > 32) {
    throw new ConfigError(`${path}.prefix must be a.b.c.d/len, got '${prefix}'`);
  }
  return { prefix, switchPort: intAt(field(o, "switchPort", path), `${path}.switchPort`, 0, 510), mac: macAt(field(o, "mac", path), `${path}.mac`) };
}

function parsePipeline(v: unknown, baseDir: string): PipelineSource {
  const o = objectAt(v, "pipeline");
  if (typeof o.p4 === "string") return { kind: "p4", p4File: resolve(baseDir, o.p4) };
  return {
    kind: "compiled",
    jsonFile: resolve(baseDir, stringAt(field(o, "json", "pipeline"), "pipeline.json")),
    p4infoFile: resolve(baseDir, stringAt(field(o, "p4info", "pipeline"), "pipeline.p4info")),
  };
}

/** Validates a parsed config object; `baseDir` anchors relative file names. */
export function parseTopology(raw: unknown, baseDir: string): TopologyConfig {
  const o = objectAt(raw, "config");
  const sw = objectAt(field(o, "switch", "config"), "switch");
  const vip = objectAt(field(o, "vip", "config"), "vip");
  const serversRaw = o.servers ?? [];
  if (!Array.isArray(serversRaw)) throw new ConfigError("servers must be an array");
  const servers = serversRaw.map((s, i) => parseServer(s, `servers[${i}]`));
  const ids = new Set<number>();
  for (const s of servers) {
    if (ids.has(s.id)) throw new ConfigError(`server id ${s.id} is listed twice`);
    ids.add(s.id);
  }
  const routesRaw = o.routes ?? [];
  if (!Array.isArray(routesRaw)) throw new ConfigError("routes must be an array");
  const health = objectAt(o.health ?? {}, "health");
  const failure = objectAt(o.failure ?? {}, "failure");
  const electionRaw = sw.electionId ?? 1;
  if ((typeof electionRaw !== "number" && typeof electionRaw !== "string") || !/^\d+$/.test(String(electionRaw))) {
    throw new ConfigError("switch.electionId must be a non-negative integer");
  }
  return {
    switch: {
      address: stringAt(field(sw, "address", "switch"), "switch.address"),
      deviceId: intAt(sw.deviceId ?? 0, "switch.deviceId", 0, Number.MAX_SAFE_INTEGER),
      electionId: BigInt(electionRaw),
    },
    pipeline: parsePipeline(field(o, "pipeline", "config"), baseDir),
    vip: {
      ip: ipAt(field(vip, "ip", "vip"), "vip.ip"),
      port: intAt(vip.port ?? 7700, "vip.port", 1, 65535),
      mac: macAt(field(vip, "mac", "vip"), "vip.mac"),
    },
    servers,
    routes: routesRaw.map((r, i) => parseRoute(r, `routes[${i}]`)),
    health: {
      intervalMs: intAt(health.intervalMs ?? DEFAULT_HEALTH.intervalMs, "health.intervalMs", 10, 3_600_000),
      timeoutMs: intAt(health.timeoutMs ?? DEFAULT_HEALTH.timeoutMs, "health.timeoutMs", 1, 600_000),
      rise: intAt(health.rise ?? DEFAULT_HEALTH.rise, "health.rise", 1, 100),
      fall: intAt(health.fall ?? DEFAULT_HEALTH.fall, "health.fall", 1, 100),
    },
    failure: { responseTimeoutUs: intAt(failure.responseTimeoutUs ?? 200_000, "failure.responseTimeoutUs", 1, 2 ** 47) },
    admin: typeof o.admin === "string" ? o.admin : DEFAULT_ADMIN,
    ...(typeof o.eventLog === "string" ? { eventLog: resolve(baseDir, o.eventLog) } : {}),
    ...(typeof o.stateFile === "string" ? { stateFile: resolve(baseDir, o.stateFile) } : {}),
  };
}

export function loadTopology(file: string): TopologyConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new ConfigError(`cannot read ${file}: ${(err as Error).message}`);
  }
  return parseTopology(raw, dirname(resolve(file)));
}
