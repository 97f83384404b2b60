/** Every packet lands in exactly one counter; packet and byte counts add up over a mixed run. */
import { lbTest } from "./rig.ts";
import { makeCookie, serverId } from "../../../runtime/src/wire/session_header.ts";
import { CLIENT_PORT, clientRequest, serverEndpoint, serverResponse } from "./topology.ts";
import { DropReason, Names } from "./programmer.ts";
import { ids, programmedRig, sessionIds } from "./setup.ts";

lbTest("requests, responses, failovers and drops add up to what was sent", async (t) => {
  const rig = await programmedRig(ids(1, 2, 3, 4));
  rig.program.markDown(serverId(4));
  rig.program.setNewSessionServers(ids(1, 2, 3));
  rig.program.setFailoverGroups(ids(1, 2, 3), ids(1, 2, 3, 4));

  let forwardedRequests = 0n;
  let forwardedRequestBytes = 0n;
  let failovers = 0n;
  let drops = 0n;
  const sessions = sessionIds(60, 5);
  sessions.forEach((sessionId, i) => {
    const kind = i % 4;
    const cookie = kind === 0 ? 0 : kind === 1 ? makeCookie(serverId(1), serverId(2)) : kind === 2 ? makeCookie(serverId(4), serverId(3)) : 0;
    const frame = kind === 3 ? clientRequest({ cookie, sessionId }).subarray(0, 14 + 20 + 8 + 10) : clientRequest({ cookie, sessionId });
    const out = rig.send(CLIENT_PORT, frame);
    if (kind === 3) {
      t.is(out.length, 0);
      drops++;
      return;
    }
    t.is(out.length, 1);
    forwardedRequests++;
    forwardedRequestBytes += BigInt(frame.length);
    if (kind === 2) failovers++;
  });
  for (const id of ids(1, 2, 3)) rig.send(10 + id, serverResponse(serverEndpoint(id), { cookie: makeCookie(id, serverId(4)), sessionId: 1n }));

  const servers = ids(1, 2, 3, 4);
  const sum = (name: string, field: "packets" | "bytes") => servers.reduce((acc, id) => acc + rig.counter(name, id)[field], 0n);
  t.is(sum(Names.serverRequests, "packets"), forwardedRequests);
  t.is(sum(Names.serverRequests, "bytes"), forwardedRequestBytes, "bytes counted as received");
  t.is(rig.packets(Names.serverRequests, 4), 0n, "nothing reaches the down server");
  t.is(sum(Names.serverFailovers, "packets"), failovers);
  t.is(rig.packets(Names.serverFailovers, 4), failovers);
  t.is(sum(Names.serverResponses, "packets"), 3n);
  t.is(rig.drops(DropReason.SessionTruncated), drops);
  let allDrops = 0n;
  for (let reason = 0; reason < 16; reason++) allDrops += rig.drops(reason as DropReason);
  t.is(allDrops, drops);
});
