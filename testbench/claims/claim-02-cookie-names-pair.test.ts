import { MessageType, decodeCookie } from "../../runtime/src/wire/session_header.ts";
import { VIP, serverAddress } from "../src/system/addressing.ts";
import { claimTest, sessions, pair, tapSessions } from "./harness.ts";

claimTest("2. the request carries a cookie naming primary and secondary", 102, async (t, sys) => {
  const client = await sys.newClient();
  const [id] = await sessions(client, 1, 1);
  const { primary, secondary } = pair(client, id!);
  const sent = tapSessions(sys.clientLink(client.index), "to-switch");
  const atPrimary = tapSessions(sys.serverLink(primary), "from-switch");
  await client.incr(id!);
  const request = sent.find((f) => f.header.type === MessageType.Request && f.header.sessionId === id);
  t.truthy(request);
  t.is(request!.dstIp, VIP.ip, "the client addresses the VIP, not a server");
  t.deepEqual(decodeCookie(request!.header.cookie), { primary, secondary });
  const delivered = atPrimary.find((f) => f.header.type === MessageType.Request && f.header.requestId === request!.header.requestId);
  t.truthy(delivered, "the switch delivered it to the primary the cookie names");
  t.is(delivered!.dstIp, serverAddress(primary).ip, "DNAT to the primary");
  t.is(delivered!.header.cookie, request!.header.cookie);
});
