import test from "ava";
import { ConfigError, parseTopology, type ServerConfig } from "../../src/controller/config.ts";
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
