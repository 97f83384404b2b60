import { claimTest, until, sessions, pair, busiestPrimary, counter } from "./harness.ts";

claimTest("6. selection is automatic: with no controller, the switch marks the primary down and fails over by itself", 106, async (t, sys) => {
  const client = await sys.newClient();
  const ids = await sessions(client, 24, 1);
  const victim = busiestPrimary(client, ids);
  const digests: string[] = [];
  await sys.onSwitchDigest((d) => digests.push(d.name));
  await sys.killController();
  await sys.killServer(victim.server);
  const pending = victim.ids.map((id) => client.incr(id).then(() => id));
  // Some sessions hash onto the dead primary in the (unchanged) failover groups and wait for
  // a controller; every other one must get through with no controller at all.
  await until("a session to fail over with no controller", async () => (await counter(sys, "server_failovers", victim.server)) > 0n && victim.ids.some((id) => pair(client, id).primary !== victim.server), 8000);
  t.true((await counter(sys, "server_marked_down", victim.server)) >= 1n, "the data plane marked the primary down itself");
  t.true(digests.length >= 1, "and sent a digest to tell the controller");
  await sys.startController();
  await Promise.all(pending);
  for (const id of victim.ids) t.not(pair(client, id).primary, victim.server);
});
