import { MessageType, decodeCookie } from "../../runtime/src/wire/session_header.ts";
import { VIP } from "../src/system/addressing.ts";
import { claimTest, sessions, busiestPrimary, tapSessions, counter } from "./harness.ts";

claimTest("5. the client sent the request before the failure was known (no client-side reroute)", 105, async (t, sys) => {
  const client = await sys.newClient();
  const ids = await sessions(client, 16, 1);
  const victim = busiestPrimary(client, ids);
  const id = victim.ids[0]!;
  const oldCookie = client.cookieOf(id);
  const sent = tapSessions(sys.clientLink(client.index), "to-switch");
  await sys.killServer(victim.server);
  const controllerView = sys.controllerObject()!.serverList().find((s) => (s.id as number) === victim.server)!;
  t.is(controllerView.health, "up", "when the request leaves, the controller still believes the primary is up");
  t.is(await counter(sys, "server_marked_down", victim.server), 0n, "and the switch has not marked it down");
  const answer = await client.incr(id);
  const requests = sent.filter((f) => f.header.type === MessageType.Request && f.header.sessionId === id);
  t.true(requests.length >= 1);
  for (const r of requests) {
    t.is(r.dstIp, VIP.ip, "every attempt went to the VIP");
    t.is(r.header.cookie as number, oldCookie, "with the cookie naming the dead primary");
  }
  t.not(decodeCookie(answer.cookieReceived).primary, victim.server, "yet a new primary answered");
});
