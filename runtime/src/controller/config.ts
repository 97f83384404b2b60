/**
 * The controller's topology file (JSON): where the switches are, the VIPs, the servers and
 * routes, health-check timing. Validated up front so that a typo fails at start with the
 * field's path, never half-way through programming a switch.
 *
 * {
 *   "switch":   { "address": "127.0.0.1:9559", "deviceId": 0, "electionId": 1 },   // one switch, or
 *   "switches": [ { "name": "s1", "address": "127.0.0.1:9559", "deviceId": 0, "electionId": 1,
 *                   "serverPorts": { "1": 3 },          // where a server hangs off another port
 *                   "routes": [ ... ] } ],               // this switch's routes (else the shared ones)
 *   "pipeline": { "p4": "p4/v1model/session_lb.p4" }            // compiled at start, or
 *             | { "json": "build/lb.json", "p4info": "build/lb.p4info.txtpb" },
 *   "vip":      { "ip": "10.0.0.100", "port": 7700, "mac": "02:00:00:00:00:64" },  // one service, or
 *   "vips":     [ { "name": "web", "ip": "10.0.0.100", "port": 7700, "mac": "02:00:00:00:00:64" } ],
 *   "servers":  [ { "id": 1, "ip": "10.0.0.1", "mac": "02:00:00:00:00:01", "switchPort": 1,
 *                   "dataPort": 7700, "peerPort": 7701, "mgmt": "127.0.0.1:9101",
 *                   "vip": "web" } ],                    // its service (default: the first VIP)
 *   "routes":   [ { "prefix": "10.0.1.0/24", "switchPort": 10, "mac": "02:00:00:00:01:00" } ],
 *   "health":   { "intervalMs": 500, "timeoutMs": 200, "rise": 2, "fall": 3 },
 *   "failure":  { "responseTimeoutUs": 200000 },
 *   "admin":    "127.0.0.1:9100",
 *   "eventLog": "controller-events.jsonl",
 *   "stateFile": "controller-state.json"
 * }
 *
 * Every switch gets the same LB state (the same VIPs, servers, generations and groups), so
 * any of them routes any session the same way; only ports and routes may differ per switch.
 * All VIPs share one UDP port: the P4 program finds the session header by a port fixed at
 * compile time (SLB_SESSION_PORT).
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
  /** Name of the VIP (service) whose pool the server is in. */
  readonly vip: string;
}

export interface VipConfig {
  readonly name: string;
  readonly ip: string;
  readonly port: number;
  /** Also the source MAC the switch writes on routed packets. */
  readonly mac: string;
}

export interface SwitchConfig {
  /** For logs, events and the admin API. */
  readonly name: string;
  readonly address: string;
  readonly deviceId: number;
  readonly electionId: bigint;
  /** Servers that hang off another port on this switch than their `switchPort`. */
  readonly serverPorts: ReadonlyMap<ServerId, number>;
  readonly routes: readonly RouteConfig[];
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

/** A non-empty list (the type says so, so no caller checks for an empty one). */
export type NonEmpty<T> = readonly [T, ...T[]];

export interface TopologyConfig {
  /** Every switch serves every VIP; the controller programs each with the same LB state. */
  readonly switches: NonEmpty<SwitchConfig>;
  readonly pipeline: PipelineSource;
  readonly vips: NonEmpty<VipConfig>;
  readonly servers: readonly ServerConfig[];
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
/** The name of the one VIP of a topology written with `"vip"` instead of `"vips"`. */
export const DEFAULT_VIP_NAME = "default";

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

/** `defaultVip` is the service of a server that names none (the first VIP of the topology). */
export function parseServer(v: unknown, path: string, defaultVip = DEFAULT_VIP_NAME): ServerConfig {
  const o = objectAt(v, path);
  return {
    id: serverId(intAt(field(o, "id", path), `${path}.id`, 1, 65534)),
    ip: ipAt(field(o, "ip", path), `${path}.ip`),
    mac: macAt(field(o, "mac", path), `${path}.mac`),
    switchPort: intAt(field(o, "switchPort", path), `${path}.switchPort`, 0, 510),
    dataPort: intAt(o.dataPort ?? 7700, `${path}.dataPort`, 1, 65535),
    peerPort: intAt(o.peerPort ?? 7701, `${path}.peerPort`, 1, 65535),
    mgmt: endpointAt(field(o, "mgmt", path), `${path}.mgmt`),
    vip: o.vip === undefined ? defaultVip : stringAt(o.vip, `${path}.vip`),
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

function parseVip(v: unknown, path: string, defaultName: string): VipConfig {
  const o = objectAt(v, path);
  return {
    name: o.name === undefined ? defaultName : stringAt(o.name, `${path}.name`),
    ip: ipAt(field(o, "ip", path), `${path}.ip`),
    port: intAt(o.port ?? 7700, `${path}.port`, 1, 65535),
    mac: macAt(field(o, "mac", path), `${path}.mac`),
  };
}

function parseVips(o: Json): NonEmpty<VipConfig> {
  if (o.vip !== undefined && o.vips !== undefined) throw new ConfigError("config has both vip and vips: give one");
  if (o.vips === undefined) return [parseVip(field(o, "vip", "config"), "vip", DEFAULT_VIP_NAME)];
  if (!Array.isArray(o.vips) || o.vips.length === 0) throw new ConfigError("vips must be a non-empty array");
  const [first, ...rest] = o.vips.map((v, i) => parseVip(v, `vips[${i}]`, `vip${i}`));
  const vips: NonEmpty<VipConfig> = [first!, ...rest];
  const names = new Set<string>();
  const ips = new Set<string>();
  vips.forEach((v, i) => {
    if (names.has(v.name)) throw new ConfigError(`vips[${i}].name '${v.name}' is listed twice`);
    // new_session_select is keyed by the VIP address alone.
    if (ips.has(v.ip)) throw new ConfigError(`vips[${i}].ip ${v.ip} is used by another VIP: every VIP needs its own address`);
    if (v.port !== first!.port) throw new ConfigError(`vips[${i}].port must be ${first!.port} like vips[0].port: the program reads sessions on one compiled-in port`);
    names.add(v.name);
    ips.add(v.ip);
  });
  return vips;
}

function electionIdAt(v: unknown, path: string): bigint {
  if ((typeof v !== "number" && typeof v !== "string") || !/^\d+$/.test(String(v))) throw new ConfigError(`${path} must be a non-negative integer`);
  return BigInt(v);
}

function parseRoutes(v: unknown, path: string): RouteConfig[] {
  if (!Array.isArray(v)) throw new ConfigError(`${path} must be an array`);
  return v.map((r, i) => parseRoute(r, `${path}[${i}]`));
}

function parseSwitch(v: unknown, path: string, index: number, sharedRoutes: readonly RouteConfig[], serverIds: ReadonlySet<number>): SwitchConfig {
  const o = objectAt(v, path);
  const serverPorts = new Map<ServerId, number>();
  for (const [key, port] of Object.entries(objectAt(o.serverPorts ?? {}, `${path}.serverPorts`))) {
    const id = Number(key);
    if (!serverIds.has(id)) throw new ConfigError(`${path}.serverPorts names server ${key}, which is not in servers`);
    serverPorts.set(id as ServerId, intAt(port, `${path}.serverPorts.${key}`, 0, 510));
  }
  return {
    name: o.name === undefined ? `s${index + 1}` : stringAt(o.name, `${path}.name`),
    address: stringAt(field(o, "address", path), `${path}.address`),
    deviceId: intAt(o.deviceId ?? 0, `${path}.deviceId`, 0, Number.MAX_SAFE_INTEGER),
    electionId: electionIdAt(o.electionId ?? 1, `${path}.electionId`),
    serverPorts,
    routes: o.routes === undefined ? sharedRoutes : parseRoutes(o.routes, `${path}.routes`),
  };
}

function parseSwitches(o: Json, sharedRoutes: readonly RouteConfig[], serverIds: ReadonlySet<number>): NonEmpty<SwitchConfig> {
  if (o.switch !== undefined && o.switches !== undefined) throw new ConfigError("config has both switch and switches: give one");
  if (o.switches === undefined) return [parseSwitch(field(o, "switch", "config"), "switch", 0, sharedRoutes, serverIds)];
  if (!Array.isArray(o.switches) || o.switches.length === 0) throw new ConfigError("switches must be a non-empty array");
  const [first, ...rest] = o.switches.map((s, i) => parseSwitch(s, `switches[${i}]`, i, sharedRoutes, serverIds));
  const switches: NonEmpty<SwitchConfig> = [first!, ...rest];
  const seen = new Set<string>();
  switches.forEach((s, i) => {
    const key = `${s.address}#${s.deviceId}`;
    if (seen.has(key)) throw new ConfigError(`switches[${i}] (${s.address}, device ${s.deviceId}) is listed twice`);
    if (switches.findIndex((x) => x.name === s.name) !== i) throw new ConfigError(`switches[${i}].name '${s.name}' is listed twice`);
    seen.add(key);
  });
  return switches;
}

/** Validates a parsed config object; `baseDir` anchors relative file names. */
export function parseTopology(raw: unknown, baseDir: string): TopologyConfig {
  const o = objectAt(raw, "config");
  const vips = parseVips(o);
  const serversRaw = o.servers ?? [];
  if (!Array.isArray(serversRaw)) throw new ConfigError("servers must be an array");
  const servers = serversRaw.map((s, i) => parseServer(s, `servers[${i}]`, vips[0].name));
  const ids = new Set<number>();
  servers.forEach((s, i) => {
    if (ids.has(s.id)) throw new ConfigError(`server id ${s.id} is listed twice`);
    if (!vips.some((v) => v.name === s.vip)) throw new ConfigError(`servers[${i}].vip '${s.vip}' names no VIP (have: ${vips.map((v) => v.name).join(", ")})`);
    ids.add(s.id);
  });
  const routes = parseRoutes(o.routes ?? [], "routes");
  const health = objectAt(o.health ?? {}, "health");
  const failure = objectAt(o.failure ?? {}, "failure");
  return {
    switches: parseSwitches(o, routes, ids),
    pipeline: parsePipeline(field(o, "pipeline", "config"), baseDir),
    vips,
    servers,
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

/** A one-switch, one-VIP topology in the shape code builds by hand (the file's `switch` + `vip` form). */
export interface SingleSwitchTopology extends Omit<TopologyConfig, "switches" | "vips" | "servers"> {
  readonly switch: { readonly address: string; readonly deviceId: number; readonly electionId: bigint };
  readonly vip: { readonly ip: string; readonly port: number; readonly mac: string };
  readonly servers: readonly Omit<ServerConfig, "vip">[];
  readonly routes: readonly RouteConfig[];
}

export function singleSwitchTopology(t: SingleSwitchTopology): TopologyConfig {
  const { switch: sw, vip, servers, routes, ...rest } = t;
  return {
    ...rest,
    switches: [{ name: "s1", ...sw, serverPorts: new Map(), routes }],
    vips: [{ name: DEFAULT_VIP_NAME, ...vip }],
    servers: servers.map((s) => ({ ...s, vip: DEFAULT_VIP_NAME })),
  };
}
