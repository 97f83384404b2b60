/**
 * Probes under load: a server whose answers slow down gradually is waited for, not declared
 * dead; a dead one still goes down. The fake prober answers at once with what a real probe
 * with that timeout would have seen, so no test waits on a clock.
 */
import test from "ava";
import type { ServerConfig } from "../../src/controller/config.ts";
import { HealthMonitor, type HealthChange } from "../../src/controller/health.ts";

const server = { id: 2, ip: "10.0.0.2" } as unknown as ServerConfig;

/** A server answering each probe after the next delay of `delaysMs` (undefined: never). */
function monitorFor(delaysMs: (number | undefined)[], config = { intervalMs: 1000, timeoutMs: 100, rise: 2, fall: 2 }) {
  const changes: HealthChange[] = [];
  const timeouts: number[] = [];
  let i = 0;
  const monitor = new HealthMonitor(
    config,
    async (_s, timeoutMs) => {
      timeouts.push(timeoutMs);
      const delay = delaysMs[i++];
      return delay !== undefined && delay <= timeoutMs ? { ok: true, rttMs: delay } : { ok: false, rttMs: timeoutMs, error: "timeout" };
    },
    { change: (c) => changes.push(c), probe: () => undefined },
  );
  monitor.add(server, "up");
  return { monitor, changes, timeouts };
}

test("health: a server whose answers slow down past the configured timeout stays up", async (t) => {
  const ramp = Array.from({ length: 30 }, (_, n) => 20 + 20 * n);
  const { monitor, changes, timeouts } = monitorFor(ramp);
  for (let n = 0; n < ramp.length; n++) await monitor.probe(server.id);
  t.deepEqual(changes, [], "never declared down while answering");
  t.true(Math.max(...timeouts) > 100, "the timeout stretched with the answers");
  t.true(Math.max(...timeouts) <= 1000, "but never past ten times the configured one");
});

test("health: a dead server still goes down after `fall` probes, within the stretched timeout's cap", async (t) => {
  const { monitor, changes, timeouts } = monitorFor([80, 90, 95, undefined, undefined]);
  for (let n = 0; n < 5; n++) await monitor.probe(server.id);
  t.is(changes.length, 1);
  t.is(changes[0]?.to, "down");
  t.true(timeouts.every((ms) => ms <= 1000));
});

test("health: a decisive probe (after a digest) also waits as long as a busy server's recent answers took", async (t) => {
  const { monitor, changes } = monitorFor([150, 200, 250, 300]);
  // Warmed up by probes that answered within the configured timeout… then slowing down.
  const warm = monitorFor([60, 80, 90, 200]);
  for (let n = 0; n < 3; n++) await warm.monitor.probe(server.id);
  await warm.monitor.probe(server.id, true);
  t.deepEqual(warm.changes, [], "an answer in 200 ms after recent ones of 90 ms is busy, not dead");
  await monitor.probe(server.id, true);
  t.is(changes[0]?.to, "down", "with nothing learned, the configured timeout decides");
});
