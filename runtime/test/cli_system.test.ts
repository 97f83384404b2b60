/**
 * The docs/RUNNING.md walkthrough, for real: switch, controller and three session servers as
 * separate `slb` processes wired through the switch's UDP wires, a client through another switch
 * port, then a crashed primary. Everything listens on ports picked at run time, so the test cannot
 * clash with a hand-run walkthrough on the documented ports or with other tests.
 */
import test from "ava";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);
const bin = fileURLToPath(new URL("../../bin/slb.js", import.meta.url));
const exampleTopology = fileURLToPath(new URL("../../examples/topology.json", import.meta.url));
const lbProgram = fileURLToPath(new URL("../../p4/v1model/session_lb.p4", import.meta.url));
/** The test's client sits on switch port 4 instead of 100, so the switch needs only five wire sockets. */
const CLIENT_SWITCH_PORT = 4;
const SWITCH_PORTS = 5;
const CLIENT = { ip: "10.0.2.1", mac: "02:00:00:00:02:00" };
const STARTUP_TIMEOUT_MS = 20_000;

interface Topology {
  switch: { address: string };
  pipeline: { p4: string };
  vip: { ip: string; port: number };
  servers: { id: number; ip: string; mac: string; switchPort: number; mgmt: string }[];
  routes: { prefix: string; switchPort: number; mac: string }[];
  admin: string;
}

/** A running `slb` child with everything it printed so far. */
interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  output: string;
}

function startSlb(name: string, args: string[]): Child {
  const proc = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const child: Child = { name, process: proc, output: "" };
  proc.stdout!.on("data", (d: Buffer) => (child.output += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (child.output += d.toString()));
  return child;
}

async function stop(child: Child): Promise<void> {
  const p = child.process;
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => p.once("exit", () => resolve()));
  p.kill("SIGKILL");
  await exited;
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = STARTUP_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until the child prints a line matching `pattern`, failing early if it exits. */
function printed(child: Child, pattern: RegExp): Promise<RegExpMatchArray> {
  return until(`${child.name} to print ${pattern}`, () => {
    if (child.process.exitCode !== null) throw new Error(`${child.name} exited (${child.process.exitCode}):\n${child.output}`);
    return child.output.match(pattern) ?? undefined;
  });
}

async function udpPortsFree(ports: number[]): Promise<boolean> {
  const sockets = ports.map(() => createSocket("udp4"));
  const results = await Promise.all(
    sockets.map((s, i) => new Promise<boolean>((resolve) => {
      s.once("error", () => resolve(false));
      s.bind(ports[i], "127.0.0.1", () => resolve(true));
    })),
  );
  await Promise.all(sockets.map((s) => new Promise<void>((resolve) => { try { s.close(() => resolve()); } catch { resolve(); } })));
  return results.every(Boolean);
}

/** A base port whose SWITCH_PORTS consecutive UDP ports are free now. */
async function freeWireBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 30_000 + Math.floor(Math.random() * 25_000);
    if (await udpPortsFree(Array.from({ length: SWITCH_PORTS }, (_, p) => base + p))) return base;
  }
  throw new Error("no free range of UDP ports for the switch wires");
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket("udp4");
  await new Promise<void>((resolve) => s.bind(0, "127.0.0.1", () => resolve()));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

interface Answer {
  readonly value: number;
  readonly primary: number;
  readonly secondary: number;
}

function parseAnswer(output: string): Answer {
  const m = output.match(/incr x -> (\d+)\s+\[cookie \d+ \(primary (\d+) \+ secondary (\d+)\)/);
  if (!m) throw new Error(`no answer in client output:\n${output}`);
  return { value: Number(m[1]), primary: Number(m[2]), secondary: Number(m[3]) };
}

/** Per-server rows of `slb counters`: id -> [requests, responses, failovers, marked down]. */
function parseCounters(output: string): Map<number, number[]> {
  const rows = new Map<number, number[]>();
  for (const m of output.matchAll(/^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/gm)) rows.set(Number(m[1]), [2, 3, 4, 5].map((i) => Number(m[i])));
  return rows;
}

test("the RUNNING.md walkthrough: separate slb processes, a session kept in a cookie jar, failover after the primary crashes", async (t) => {
  t.timeout(60_000);
  const children: Child[] = [];
  const dir = await mkdtemp(join(tmpdir(), "slb-cli-system-"));
  t.teardown(async () => {
    await Promise.all(children.map(stop));
    await rm(dir, { recursive: true, force: true });
  });

  const wireBase = await freeWireBase();
  const switchChild = startSlb("switch", ["switch", "--ports", String(SWITCH_PORTS), "--wire-base-port", String(wireBase), "--grpc-addr", "127.0.0.1:0"]);
  children.push(switchChild);
  const [, grpcAddress] = await printed(switchChild, /P4Runtime on (\S+),/);

  const topology = JSON.parse(await readFile(exampleTopology, "utf8")) as Topology;
  topology.switch.address = grpcAddress!;
  topology.pipeline.p4 = lbProgram;
  topology.admin = "127.0.0.1:0";
  for (const s of topology.servers) s.mgmt = `127.0.0.1:${await freeUdpPort()}`;
  t.is(topology.routes.length, 1, "the example routes one client");
  topology.routes[0]!.switchPort = CLIENT_SWITCH_PORT;
  const topologyFile = join(dir, "topology.json");
  await writeFile(topologyFile, JSON.stringify(topology, null, 2));

  const controller = startSlb("controller", ["controller", "--config", topologyFile, "--insecure"]);
  children.push(controller);
  for (const s of topology.servers) {
    const child = startSlb(`server ${s.id}`, [
      "server", "--id", String(s.id), "--insecure", "--mgmt-port", s.mgmt.split(":")[1]!,
      "--wire", `127.0.0.1:${wireBase + s.switchPort}`, "--ip", s.ip, "--mac", s.mac,
    ]);
    children.push(child);
  }
  const serverChild = (id: number): Child => children.find((c) => c.name === `server ${id}`)!;
  const [, admin] = await printed(controller, /admin API on http:\/\/(\S+)/);
  await until("3 servers up", async () => {
    const status = (await (await fetch(`http://${admin}/status`)).json()) as { servers: { up: number } };
    return status.servers.up === 3 ? true : undefined;
  });

  const slb = async (...args: string[]): Promise<string> => (await execFileAsync(process.execPath, [bin, ...args], { cwd: dir })).stdout;
  const vip = `${topology.vip.ip}:${topology.vip.port}`;
  const client = (session: string): Promise<string> => slb(
    "client", "--vip", vip, "--wire", `127.0.0.1:${wireBase + CLIENT_SWITCH_PORT}`, "--ip", CLIENT.ip, "--mac", CLIENT.mac,
    "--cookie-jar", "jar.json", "--session", session, "--retries", "6", "incr x",
  );

  const first = await client("new");
  const session = first.match(/^session (\d+)$/m)?.[1];
  t.truthy(session, first);
  const opened = parseAnswer(first);
  t.is(opened.value, 1);
  t.not(opened.primary, opened.secondary, "the cookie names two different servers");
  t.true([opened.primary, opened.secondary].every((id) => id >= 1 && id <= 3), first);
  const jar = JSON.parse(await readFile(join(dir, "jar.json"), "utf8")) as { sessions: Record<string, { cookie: number }> };
  t.truthy(jar.sessions[session!], "the jar keeps the session's cookie");

  const keptOutput = await client(session!);
  t.notRegex(keptOutput, /failed over/);
  const kept = parseAnswer(keptOutput);
  t.deepEqual(kept, { value: 2, primary: opened.primary, secondary: opened.secondary }, "the jar's cookie keeps the session on its servers");

  t.regex(await slb("status", "--admin", admin!), /servers\s+3 up, 0 down/);
  const counters = parseCounters(await slb("counters", "--admin", admin!));
  t.deepEqual([...counters.keys()].sort(), [1, 2, 3]);
  const [requests, responses] = counters.get(opened.primary)!;
  t.true(requests! >= 2 && responses! >= 2, `the primary served both requests: ${counters.get(opened.primary)}`);
  for (const [id, row] of counters) if (id !== opened.primary) t.is(row[0], 0, `server ${id} got no request`);

  await stop(serverChild(opened.primary));
  const failoverOutput = await client(session!);
  t.regex(failoverOutput, /failed over by the switch/, "the client is told the switch re-routed the request");
  const failedOver = parseAnswer(failoverOutput);
  t.is(failedOver.value, 3, "the session's state survived the primary's crash");
  t.not(failedOver.primary, opened.primary, "the crashed primary no longer serves");
  t.not(failedOver.primary, opened.secondary, "the new primary is neither the old primary nor the secondary");
  const afterCrash = parseCounters(await slb("counters", "--admin", admin!));
  t.true(afterCrash.get(failedOver.primary)![0]! >= 1, "the new primary's request counter moved");
});
