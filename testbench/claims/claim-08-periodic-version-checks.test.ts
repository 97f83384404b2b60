import { claimTest, sessions } from "./harness.ts";

claimTest("8. primary and secondary compare versions periodically, in batches", 108, async (t, sys) => {
  const client = await sys.newClient();
  await sessions(client, 24, 1);
  const sentBefore = sys.serverIds.map((s) => sys.serverObject(s)!.stats.versionChecksSent);
  const receivedBefore = sys.serverIds.map((s) => sys.serverObject(s)!.stats.versionChecksReceived);
  // No client traffic from here on: whatever is exchanged now is the periodic check.
  await new Promise((r) => setTimeout(r, 1300));
  const stats = sys.serverIds.map((s) => sys.serverObject(s)!.stats);
  const sent = stats.reduce((n, s, i) => n + s.versionChecksSent - sentBefore[i]!, 0);
  const received = stats.reduce((n, s, i) => n + s.versionChecksReceived - receivedBefore[i]!, 0);
  t.true(sent >= 2, `version checks were sent with no traffic (${sent})`);
  t.true(received >= 2, `and received by secondaries (${received})`);
  const entries = stats.reduce((n, s) => n + s.versionCheckEntriesSent, 0);
  const messages = stats.reduce((n, s) => n + s.versionChecksSent, 0);
  t.true(entries > messages, `batched: ${entries} sessions in ${messages} messages`);
});
