import type { SessionId } from "../../runtime/src/wire/session_header.ts";
import { claimTest, sessions, pair, replicated } from "./harness.ts";

claimTest("1. primary and secondary both hold the session", 101, async (t, sys) => {
  const client = await sys.newClient();
  const ids = replicated(client, await sessions(client, 12, 3));
  t.true(ids.length >= 6, "most sessions are replicated");
  for (const id of ids) {
    const { primary, secondary } = pair(client, id);
    t.not(primary, secondary);
    const onPrimary = sys.serverObject(primary)!.store.get(id as SessionId)?.record;
    const onSecondary = sys.serverObject(secondary)!.store.get(id as SessionId)?.record;
    t.truthy(onPrimary, `primary ${primary} holds session ${id}`);
    t.truthy(onSecondary, `secondary ${secondary} holds session ${id}`);
    t.is(onPrimary!.version, onSecondary!.version);
    t.deepEqual(onSecondary!.state, onPrimary!.state);
    t.is(onSecondary!.primary, primary);
    t.is(onSecondary!.secondary, secondary);
  }
});
