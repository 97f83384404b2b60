import { MessageType, makeCookie, type ServerId, type SessionId } from "../../runtime/src/wire/session_header.ts";
import { SessionLoadClient } from "../src/system/load_client.ts";
import { claimTest, sessions, pair, tapSessions } from "./harness.ts";

claimTest("10. the client stores the cookie, and it is the sum of the primary and secondary numbers", 110, async (t, sys) => {
  const client = await sys.newClient();
  if (!(client instanceof SessionLoadClient)) throw new Error("expected a session load client");
  const ids = await sessions(client, 8, 1);
  const sent = tapSessions(sys.clientLink(client.index), "to-switch");
  for (const id of ids) {
    const stored = client.client.jar.get(id as SessionId)!.cookie;
    const record = sys.serverObject(pair(client, id).primary)!.store.get(id as SessionId)!.record;
    t.is(stored as number, record.primary * 65536 + record.secondary, "primary number (i x 65536) + secondary number (j)");
    t.is(stored, makeCookie(record.primary, record.secondary as ServerId));
    await client.incr(id);
    const request = sent.filter((f) => f.header.sessionId === id && f.header.type === MessageType.Request).pop()!;
    t.is(request.header.cookie, stored, "the stored cookie goes out with the next request");
  }
});
