import { Flags } from "../../runtime/src/wire/session_header.ts";
import { serverAddress } from "../src/system/addressing.ts";
import type { SessionFrame } from "../src/system/frames.ts";
import { claimTest, sessions, pair, busiestPrimary, tapSessions, counter } from "./harness.ts";

claimTest("3. primary down: the switch picks a new primary that is not the secondary", 103, async (t, sys) => {
  const client = await sys.newClient();
  const ids = await sessions(client, 24, 1);
  const victim = busiestPrimary(client, ids);
  const before = new Map(victim.ids.map((id) => [id, pair(client, id)]));
  const flagged: SessionFrame[] = [];
  for (const s of sys.serverIds.filter((s) => s !== victim.server)) {
    const seen = tapSessions(sys.serverLink(s), "from-switch");
    const originalTap = sys.serverLink(s).tap!;
    sys.serverLink(s).tap = (d, f) => {
      originalTap(d, f);
      const last = seen[seen.length - 1];
      if (last && (last.header.flags & Flags.Failover) !== 0 && !flagged.includes(last)) flagged.push(last);
    };
  }
  await sys.killServer(victim.server);
  await Promise.all(victim.ids.map((id) => client.incr(id)));
  for (const id of victim.ids) {
    const now = pair(client, id);
    t.not(now.primary, victim.server, "a new primary");
    t.not(now.primary, before.get(id)!.secondary, "never the secondary while others live");
  }
  t.true(flagged.length > 0, "requests reached new primaries with the FAILOVER flag set by the switch");
  for (const f of flagged) t.not(serverAddress(before.get(f.header.sessionId)!.secondary).ip, f.dstIp);
  t.true((await counter(sys, "server_failovers", victim.server)) > 0n, "the switch counted failovers for the dead primary");
});
