import type { SessionId } from "../../runtime/src/wire/session_header.ts";
import { decodePeer } from "../../runtime/src/session/peer_protocol.ts";
import { SERVER_PEER_PORT, serverAddress } from "../src/system/addressing.ts";
import { claimTest, sessions, pair, busiestPrimary, peerDatagram } from "./harness.ts";

claimTest("4. the secondary sends the session to the new primary, which answers and syncs the secondary", 104, async (t, sys) => {
  const client = await sys.newClient();
  const ids = await sessions(client, 16, 3);
  const victim = busiestPrimary(client, ids);
  const id = victim.ids[0]!;
  const { secondary } = pair(client, id);
  const fromSecondary: { dstIp: string; kind: string }[] = [];
  sys.serverLink(secondary).tap = (d, frame) => {
    if (d !== "to-switch") return;
    const udp = peerDatagram(frame);
    if (!udp || udp.srcPort !== SERVER_PEER_PORT) return;
    const decoded = decodePeer(udp.payload);
    if (decoded.ok && decoded.message.kind === "get_reply" && decoded.message.session?.id === id) fromSecondary.push({ dstIp: udp.dstIp, kind: "get_reply" });
  };
  await sys.killServer(victim.server);
  const answer = await client.incr(id);
  const now = pair(client, id);
  t.is(answer.counter, 4, "no increment lost: 3 before the failover, this is the 4th");
  t.is(now.secondary, secondary, "the new cookie keeps the secondary");
  t.true(fromSecondary.some((m) => m.dstIp === serverAddress(now.primary).ip), "the secondary sent its copy to the new primary");
  t.true(sys.serverObject(now.primary)!.stats.fetches >= 1);
  const synced = sys.serverObject(secondary)!.store.get(id as SessionId)!.record;
  t.is(synced.version, answer.version, "the secondary holds the version the client was answered with");
  t.is(synced.primary, now.primary, "and knows the new primary");
});
