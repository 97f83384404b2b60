import type { ServerId, SessionId } from "../../runtime/src/wire/session_header.ts";
import type { LoadClient } from "../src/system/handle.ts";
import { claimTest, until, sessions, pair, replicated, busiestPrimary } from "./harness.ts";

claimTest("9. an out-of-sync secondary is brought back by the primary", 109, async (t, sys) => {
  const client = await sys.newClient();
  const ids = await sessions(client, 16, 2);
  const { server: secondary } = busiestPrimary({ cookieOf: (id: bigint) => ((client.cookieOf(id) & 0xffff) * 65536 + (client.cookieOf(id) >>> 16)) } as LoadClient, ids);
  const mine = replicated(client, ids).filter((id) => pair(client, id).secondary === secondary);
  t.true(mine.length > 0);
  // The secondary restarts with nothing: every copy it held is gone, nobody told the primaries.
  await sys.restartServer(secondary);
  t.is(sys.serverObject(secondary)!.store.size, 0);
  await until("the primaries to re-send their sessions", () => mine.every((id) => sys.serverObject(secondary)!.store.get(id as SessionId) !== undefined || pair(client, id).secondary !== secondary), 6000);
  let resyncs = 0;
  for (const id of mine) {
    const { primary } = pair(client, id);
    const p = sys.serverObject(primary)!.store.get(id as SessionId)!.record;
    const s = sys.serverObject(p.secondary as ServerId)!.store.get(id as SessionId)!.record;
    t.is(s.version, p.version, "the secondary is back in sync");
    resyncs += sys.serverObject(primary)!.stats.resyncs;
  }
  t.true(resyncs > 0, "by the primaries' resync after a version check");
});
