/** Every packet lands in exactly one counter; packet and byte counts add up over a mixed run. */
import { lbMatrixTest } from "./matrix.ts";
import { makeCookie, serverId } from "../../../runtime/src/wire/session_header.ts";
import { CLIENT_PORT, clientRequest, serverEndpoint, serverResponse } from "./topology.ts";
import { DropReason, Names } from "./programmer.ts";
import { ids, sessionIds } from "./setup.ts";

lbMatrixTest("requests, responses, failovers and drops add up to what was sent", async (t, rig) => {
  await rig.program.markDown(serverId(4));
  await rig.program.setNewSessionServers(ids(1, 2, 3));
  await rig.program.setFailoverGroups(ids(1, 2, 3), ids(1, 2, 3, 4));

  let forwardedRequests = 0n;
  let forwardedRequestBytes = 0n;
  let failovers = 0n;
  let drops = 0n;
  const sessions = sessionIds(60, 5);
  for (const [i, sessionId] of sessions.entries()) {
    const kind = i % 4;
    const cookie = kind === 0 ? 0 : kind === 1 ? makeCookie(serverId(1), serverId(2)) : kind === 2 ? makeCookie(serverId(4), serverId(3)) : 0;
    const frame = kind === 3 ? clientRequest({ cookie, sessionId }).subarray(0, 14 + 20 + 8 + 10) : clientRequest({ cookie, sessionId });
    const out = await rig.send(CLIENT_PORT, frame);
    if (kind === 3) {
      t.is(out.length, 0);
      drops++;
      continue;
    }
    t.is(out.length, 1);
    forwardedRequests++;
    forwardedRequestBytes += BigInt(frame.length);
    if (kind === 2) failovers++;
  }
  for (const id of ids(1, 2, 3)) await rig.send(10 + id, serverResponse(serverEndpoint(id), { cookie: makeCookie(id, serverId(4)), sessionId: 1n }));

  const servers = ids(1, 2, 3, 4);
  const sum = async (name: string, field: "packets" | "bytes"): Promise<bigint> => {
    let total = 0n;
    for (const id of servers) total += (await rig.counter(name, id))[field];
    return total;
  };
  t.is(await sum(Names.serverRequests, "packets"), forwardedRequests);
  t.is(await sum(Names.serverRequests, "bytes"), forwardedRequestBytes, "bytes counted as received");
  t.is(await rig.packets(Names.serverRequests, 4), 0n, "nothing reaches the down server");
  t.is(await sum(Names.serverFailovers, "packets"), failovers);
  t.is(await rig.packets(Names.serverFailovers, 4), failovers);
  t.is(await sum(Names.serverResponses, "packets"), 3n);
  t.is(await rig.drops(DropReason.SessionTruncated), drops);
  let allDrops = 0n;
  for (let reason = 0; reason < 16; reason++) allDrops += await rig.drops(reason as DropReason);
  t.is(allDrops, drops);
});
