/** Requests to the VIP: new sessions spread by hash, known sessions go to their primary, invalid cookies. */
import { makeCookie, serverId, type SessionId } from "../../../runtime/src/wire/session_header.ts";
import { parseFrame } from "../../src/packet/index.ts";
import { CLIENT_PORT, VIP, clientRequest, requestAtServer, serverEndpoint } from "./topology.ts";
import { DropReason, LbEvent, Names } from "./programmer.ts";
import { expectNone, expectOne, lbTest, type Emitted } from "./rig.ts";
import { ids, programmedRig, sessionIds } from "./setup.ts";

/** The server a forwarded request went to, read from the egress port. */
function servedBy(out: readonly Emitted[]): number | undefined {
  return out.length === 1 ? out[0]!.port - 10 : undefined;
}

lbTest("a new session goes to one live server, rewritten exactly (DNAT, MACs, TTL, checksums)", async (t) => {
  const rig = await programmedRig();
  const spec = { cookie: 0, sessionId: 0xfeedfacecafebeefn };
  const out = rig.send(CLIENT_PORT, clientRequest(spec));
  const target = servedBy(out);
  t.true(target !== undefined && [1, 2, 3, 4].includes(target), `went to port ${out[0]?.port}`);
  expectOne(t, out, 10 + target!, requestAtServer(spec, serverEndpoint(serverId(target!)), false));
  t.is(rig.requestsTo(serverId(target!)), 1n);
});

lbTest("new sessions spread over every live server and never reach one outside the group", async (t) => {
  const rig = await programmedRig(ids(1, 2, 3, 4, 5));
  rig.program.setNewSessionServers(ids(1, 2, 4, 5));
  const seen = new Map<number, number>();
  for (const sessionId of sessionIds(200, 7)) {
    const target = servedBy(rig.send(CLIENT_PORT, clientRequest({ cookie: 0, sessionId })));
    t.not(target, undefined);
    seen.set(target!, (seen.get(target!) ?? 0) + 1);
  }
  t.deepEqual([...seen.keys()].sort(), [1, 2, 4, 5]);
  for (const [server, count] of seen) t.true(count >= 20, `server ${server} got only ${count} of 200 new sessions`);
});

lbTest("the same new session id always hashes to the same server", async (t) => {
  const rig = await programmedRig();
  for (const sessionId of sessionIds(20, 11)) {
    const first = servedBy(rig.send(CLIENT_PORT, clientRequest({ cookie: 0, sessionId, requestId: 1 })));
    const again = servedBy(rig.send(CLIENT_PORT, clientRequest({ cookie: 0, sessionId, requestId: 2 })));
    t.is(again, first);
  }
});

lbTest("a known session goes to its primary whatever the session id", async (t) => {
  const rig = await programmedRig();
  for (const [primary, secondary] of [[1, 2], [2, 1], [3, 4], [4, 3], [2, 4]] as const) {
    for (const sessionId of sessionIds(5, primary * 10 + secondary)) {
      const spec = { cookie: makeCookie(serverId(primary), serverId(secondary)), sessionId, requestId: 9 };
      expectOne(t, rig.send(CLIENT_PORT, clientRequest(spec)), 10 + primary, requestAtServer(spec, serverEndpoint(serverId(primary)), false));
    }
  }
  t.is(rig.packets(Names.serverFailovers, 1) + rig.packets(Names.serverFailovers, 2), 0n);
});

lbTest("a request keeps its payload and RETRY flag through the switch", async (t) => {
  const rig = await programmedRig();
  const spec = { cookie: makeCookie(serverId(2), serverId(3)), sessionId: 5n as SessionId, flags: 0x02, body: new Uint8Array(300).fill(0xab) };
  const out = rig.send(CLIENT_PORT, clientRequest(spec));
  expectOne(t, out, 12, requestAtServer(spec, serverEndpoint(serverId(2)), false));
  const parsed = parseFrame(out[0]!.frame);
  t.true(parsed.session?.ok && parsed.session.message.payload.length === 300);
});

lbTest("invalid cookies are routed like new sessions and counted", async (t) => {
  const rig = await programmedRig();
  const sessionId = 0x1234n as SessionId;
  const asNew = servedBy(rig.send(CLIENT_PORT, clientRequest({ cookie: 0, sessionId })));
  const invalid = [
    2 * 65536 + 2, // primary == secondary
    0 * 65536 + 3, // primary 0
    0xffff * 65536 + 3, // primary 65535
    3 * 65536 + 0, // secondary 0
    3 * 65536 + 0xffff, // secondary 65535
  ];
  for (const cookie of invalid) {
    const spec = { cookie, sessionId };
    const out = rig.send(CLIENT_PORT, clientRequest(spec));
    t.is(servedBy(out), asNew, `cookie 0x${cookie.toString(16)}`);
    expectOne(t, out, 10 + asNew!, requestAtServer(spec, serverEndpoint(serverId(asNew!)), false));
  }
  t.is(rig.packets(Names.events, LbEvent.InvalidCookie), BigInt(invalid.length));
  t.is(rig.requestsTo(serverId(asNew!)), BigInt(invalid.length + 1));
});

lbTest("a VIP without any new-session group drops new sessions, counted", async (t) => {
  const rig = await programmedRig();
  const entry = rig.sw.control.tableFind(Names.newSessionSelect, [{ kind: "exact", value: BigInt(VIP.ip) }]);
  t.not(entry, undefined);
  rig.sw.control.tableDelete(Names.newSessionSelect, entry!);
  expectNone(t, rig.send(CLIENT_PORT, clientRequest({ cookie: 0, sessionId: 77n })));
  t.is(rig.drops(DropReason.NoLiveServer), 1n);
});

lbTest("a draining server gets no new sessions but keeps serving the sessions it holds", async (t) => {
  const rig = await programmedRig();
  rig.program.setNewSessionServers(ids(1, 2, 4));
  for (const sessionId of sessionIds(60, 3)) {
    t.not(servedBy(rig.send(CLIENT_PORT, clientRequest({ cookie: 0, sessionId }))), 3);
  }
  const spec = { cookie: makeCookie(serverId(3), serverId(1)), sessionId: 0x3n };
  expectOne(t, rig.send(CLIENT_PORT, clientRequest(spec)), 13, requestAtServer(spec, serverEndpoint(serverId(3)), false));
});
