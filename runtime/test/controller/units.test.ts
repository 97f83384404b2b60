import test from "ava";
import { ConfigError, loadTopology, parseTopology, type ServerConfig } from "../../src/controller/config.ts";
import { HealthMonitor, type HealthChange, type ProbeOutcome } from "../../src/controller/health.ts";
import { Registry } from "../../src/controller/metrics.ts";
import { EventLog } from "../../src/controller/event_log.ts";

const base = {
  switch: { address: "127.0.0.1:9559", electionId: 5 },
  pipeline: { p4: "lb.p4" },
  vip: { ip: "10.0.0.100", mac: "02:00:00:00:00:64" },
  servers: [{ id: 1, ip: "10.0.0.1", mac: "02:00:00:00:00:01", switchPort: 1, mgmt: "127.0.0.1:9101" }],
};

test("topology: defaults filled, paths resolved, election id as bigint", (t) => {
  const topo = parseTopology(base, "/etc/slb");
  t.is(topo.vips[0].port, 7700);
  t.is(topo.switches[0].electionId, 5n);
  t.deepEqual(topo.pipeline, { kind: "p4", p4File: "/etc/slb/lb.p4" });
  t.is(topo.servers[0]!.dataPort, 7700);
  t.deepEqual(topo.servers[0]!.mgmt, { ip: "127.0.0.1", port: 9101 });
  t.deepEqual(topo.health, { intervalMs: 500, timeoutMs: 200, rise: 2, fall: 3 });
});

test("topology: mistakes name the field", (t) => {
  t.throws(() => parseTopology({ ...base, vip: { ip: "10.0.0.300", mac: "02:00:00:00:00:64" } }, "/"), { instanceOf: ConfigError, message: /vip\.ip/ });
  t.throws(() => parseTopology({ ...base, servers: [{ ...base.servers[0], mac: "nope" }] }, "/"), { message: /servers\[0\]\.mac/ });
  t.throws(() => parseTopology({ ...base, servers: [base.servers[0], base.servers[0]] }, "/"), { message: /twice/ });
  t.throws(() => parseTopology({ ...base, servers: [{ ...base.servers[0], id: 0 }] }, "/"), { message: /id/ });
  t.throws(() => parseTopology({ ...base, routes: [{ prefix: "10.0.0.0", switchPort: 1, mac: "02:00:00:00:00:01" }] }, "/"), { message: /prefix/ });
  t.throws(() => parseTopology({ ...base, switch: {} }, "/"), { message: /switch\.address/ });
});

test("topology: several switches and VIPs; the one-switch, one-VIP form means the same as a list of one", (t) => {
  const one = parseTopology(base, "/");
  const listed = parseTopology(
    { ...base, switch: undefined, vip: undefined, switches: [{ address: "127.0.0.1:9559", electionId: 5 }], vips: [{ name: "default", ip: "10.0.0.100", mac: "02:00:00:00:00:64" }] },
    "/",
  );
  t.deepEqual(listed, one);
  const multi = parseTopology(
    {
      ...base,
      switch: undefined,
      vip: undefined,
      switches: [{ address: "127.0.0.1:1" }, { name: "edge", address: "127.0.0.1:2", serverPorts: { "1": 7 }, routes: [] }],
      vips: [
        { name: "web", ip: "10.0.0.100", mac: "02:00:00:00:00:64" },
        { name: "api", ip: "10.0.0.101", mac: "02:00:00:00:00:64" },
      ],
      servers: [{ ...base.servers[0], vip: "api" }],
      routes: [{ prefix: "10.0.9.0/24", switchPort: 9, mac: "02:00:00:00:00:09" }],
    },
    "/",
  );
  t.deepEqual(multi.switches.map((s) => s.name), ["s1", "edge"]);
  t.is(multi.switches[1]!.serverPorts.get(multi.servers[0]!.id), 7);
  t.is(multi.switches[0].routes.length, 1, "a switch without routes takes the shared ones");
  t.is(multi.switches[1]!.routes.length, 0);
  t.is(multi.servers[0]!.vip, "api");
});

test("topology: multi-switch and multi-VIP mistakes name the field", (t) => {
  const vips = [
    { name: "web", ip: "10.0.0.100", mac: "02:00:00:00:00:64" },
    { name: "api", ip: "10.0.0.101", mac: "02:00:00:00:00:64" },
  ];
  t.throws(() => parseTopology({ ...base, switches: [{ address: "127.0.0.1:1" }] }, "/"), { message: /both switch and switches/ });
  t.throws(() => parseTopology({ ...base, switch: undefined, switches: [] }, "/"), { message: /switches must be a non-empty array/ });
  t.throws(() => parseTopology({ ...base, switch: undefined, switches: [{ address: "a:1" }, { address: "a:1" }] }, "/"), { message: /switches\[1\].*twice/ });
  t.throws(() => parseTopology({ ...base, switch: undefined, switches: [{ address: "a:1", serverPorts: { "9": 1 } }] }, "/"), { message: /serverPorts names server 9/ });
  t.throws(() => parseTopology({ ...base, vip: undefined, vips: [vips[0], { ...vips[1], ip: "10.0.0.100" }] }, "/"), { message: /vips\[1\]\.ip .*own address/ });
  t.throws(() => parseTopology({ ...base, vip: undefined, vips: [vips[0], { ...vips[1], port: 9000 }] }, "/"), { message: /vips\[1\]\.port must be 7700/ });
  t.throws(() => parseTopology({ ...base, vip: undefined, vips, servers: [{ ...base.servers[0], vip: "db" }] }, "/"), { message: /servers\[0\]\.vip 'db' names no VIP/ });
});

test("topology: the example files parse", (t) => {
  for (const name of ["topology.json", "topology-netns.json", "topology-two-switches.json"]) {
    const topo = loadTopology(new URL(`../../../examples/${name}`, import.meta.url).pathname);
    t.true(topo.switches.length >= 1, name);
  }
  t.is(loadTopology(new URL("../../../examples/topology-two-switches.json", import.meta.url).pathname).switches.length, 2);
});

function monitorWith(outcomes: boolean[], rise = 2, fall = 3) {
  const server: ServerConfig = parseTopology(base, "/").servers[0]!;
  const changes: HealthChange[] = [];
  const probes: ProbeOutcome[] = [];
  let i = 0;
  const monitor = new HealthMonitor({ intervalMs: 1000, timeoutMs: 10, rise, fall }, async () => ({ ok: outcomes[i++] ?? false, rttMs: 1 }), {
    change: (c) => changes.push(c),
    probe: (_s, o) => probes.push(o),
  });
  return { monitor, server, changes, probes };
}

test("health: fall consecutive failures take a server down, rise successes bring it back", async (t) => {
  const { monitor, server, changes } = monitorWith([false, false, true, false, false, false, true, true]);
  monitor.add(server, "up");
  for (let i = 0; i < 5; i++) await monitor.probe(server.id);
  t.deepEqual(changes, [], "a success in between resets the failure count");
  await monitor.probe(server.id);
  t.is(changes.length, 1);
  t.is(changes[0]!.to, "down");
  await monitor.probe(server.id);
  t.is(monitor.health(server.id), "down", "one success is not enough");
  await monitor.probe(server.id);
  t.is(monitor.health(server.id), "up");
  t.deepEqual(changes.map((c) => c.to), ["down", "up"]);
});

test("health: a decisive probe (after a digest) decides at once", async (t) => {
  const { monitor, server, changes } = monitorWith([false]);
  monitor.add(server, "up");
  await monitor.probe(server.id, true);
  t.is(monitor.health(server.id), "down");
  t.regex(changes[0]!.reason, /data-plane/);
});

test("metrics: Prometheus text with labels, counters and histogram buckets", (t) => {
  const r = new Registry();
  const c = r.counter("x_total", "X.");
  c.inc({ server: 1 });
  c.inc({ server: 1 }, 2);
  const h = r.histogram("lat_seconds", "Latency.", [0.1, 1]);
  h.observe(0.05);
  h.observe(0.5);
  const text = r.render();
  t.true(text.includes("# TYPE x_total counter"));
  t.true(text.includes('x_total{server="1"} 3'));
  t.true(text.includes('lat_seconds_bucket{le="0.1"} 1'));
  t.true(text.includes('lat_seconds_bucket{le="1"} 2'));
  t.true(text.includes('lat_seconds_bucket{le="+Inf"} 2'));
  t.true(text.includes("lat_seconds_count 2"));
});

test("event log: sequence numbers, ring, live subscribers", (t) => {
  const log = new EventLog(undefined, 2);
  const seen: string[] = [];
  const off = log.subscribe((e) => seen.push(e.kind));
  log.record("server_up", { server: 1 });
  log.record("server_down", { server: 1 });
  off();
  log.record("server_up", { server: 1 });
  t.deepEqual(seen, ["server_up", "server_down"]);
  t.deepEqual(log.recent().map((e) => e.seq), [2, 3]);
});
