/**
 * Data-plane failure detection with a fake clock: a primary that leaves a request unanswered
 * longer than the timeout is marked down by the switch, which fails the request over and
 * sends a digest; only a new generation from the controller brings it back.
 */
import { makeCookie, serverId } from "../../../runtime/src/wire/session_header.ts";
import { CLIENT_PORT, clientRequest, requestAtServer, serverEndpoint, serverResponse } from "./topology.ts";
import { DropReason, Names } from "./programmer.ts";
import { expectOne, lbTest, START_MICROS } from "./rig.ts";
import { ids, programmedRig } from "./setup.ts";

const TIMEOUT = 500_000n;
const cookie = makeCookie(serverId(1), serverId(2));
const request = (requestId: number) => ({ cookie, sessionId: 0x4242n, requestId });

lbTest("a request records when server 1 started owing an answer; a response clears it", async (t) => {
  const rig = await programmedRig();
  rig.program.setFailureTimeout(TIMEOUT);
  rig.send(CLIENT_PORT, clientRequest(request(1)));
  t.is(rig.register(Names.pendingSince, 1), START_MICROS);
  rig.advance(100n);
  rig.send(CLIENT_PORT, clientRequest(request(2)));
  t.is(rig.register(Names.pendingSince, 1), START_MICROS, "keeps the oldest unanswered request");
  rig.advance(50n);
  rig.send(11, serverResponse(serverEndpoint(serverId(1)), { cookie, sessionId: 0x4242n }));
  t.is(rig.register(Names.pendingSince, 1), 0n);
  t.is(rig.register(Names.lastResponseAt, 1), START_MICROS + 150n);
});

lbTest("an answer within the timeout keeps the primary up", async (t) => {
  const rig = await programmedRig();
  rig.program.setFailureTimeout(TIMEOUT);
  for (let i = 0; i < 5; i++) {
    expectOne(t, rig.send(CLIENT_PORT, clientRequest(request(i))), 11, requestAtServer(request(i), serverEndpoint(serverId(1)), false));
    rig.advance(TIMEOUT / 2n);
    rig.send(11, serverResponse(serverEndpoint(serverId(1)), { cookie, sessionId: 0x4242n }));
    rig.advance(TIMEOUT);
  }
  t.is(rig.digests.length, 0);
  t.is(rig.register(Names.downGeneration, 1), 0n);
});

lbTest("no answer for longer than the timeout: marked down by the switch, one digest, requests fail over", async (t) => {
  const rig = await programmedRig();
  rig.program.setFailureTimeout(TIMEOUT);
  rig.send(CLIENT_PORT, clientRequest(request(1)));
  rig.advance(TIMEOUT);
  const atLimit = rig.send(CLIENT_PORT, clientRequest(request(2)));
  t.is(atLimit[0]?.port, 11, "exactly the timeout is not yet a failure");
  rig.advance(1n);
  const detectedAt = rig.clock;
  const out = rig.send(CLIENT_PORT, clientRequest(request(3)));
  t.is(rig.digests.length, 1);
  t.deepEqual(rig.digests[0]!.values, [1n, detectedAt, START_MICROS]);
  t.is(rig.register(Names.downGeneration, 1), BigInt(rig.program.generation(serverId(1))!));
  t.is(rig.packets(Names.serverMarkedDown, 1), 1n);
  // The controller has not heard yet, so secondary 2's group still holds server 1: the hash of
  // this session picks either server 1 (dropped as stale) or another server (failed over).
  if (out.length === 0) {
    t.is(rig.drops(DropReason.FailoverStale), 1n);
  } else {
    const target = out[0]!.port - 10;
    t.true(target === 3 || target === 4, `failed over to ${target}, never the secondary 2 nor the primary 1`);
    expectOne(t, out, 10 + target, requestAtServer(request(3), serverEndpoint(serverId(target)), true));
    t.is(rig.packets(Names.serverFailovers, 1), 1n);
  }

  // The controller reacts to the digest: server 1 leaves the groups (it stays in server_map).
  rig.program.setFailoverGroups(ids(2, 3, 4), ids(1, 2, 3, 4));
  rig.advance(10n);
  const later = rig.send(CLIENT_PORT, clientRequest(request(4)));
  t.is(later.length, 1);
  const target = later[0]!.port - 10;
  t.true(target === 3 || target === 4, `failed over to ${target}`);
  expectOne(t, later, 10 + target, requestAtServer(request(4), serverEndpoint(serverId(target)), true));
  t.is(rig.digests.length, 1, "no second digest while marked down");
  t.is(rig.packets(Names.serverMarkedDown, 1), 1n);
});

lbTest("a response does not bring a marked-down server back; a new generation from the controller does", async (t) => {
  const rig = await programmedRig();
  rig.program.setFailureTimeout(TIMEOUT);
  rig.send(CLIENT_PORT, clientRequest(request(1)));
  rig.advance(TIMEOUT + 1n);
  t.not(rig.send(CLIENT_PORT, clientRequest(request(2)))[0]?.port, 11);
  t.is(rig.digests.length, 1);

  rig.send(11, serverResponse(serverEndpoint(serverId(1)), { cookie, sessionId: 0x4242n }));
  t.not(rig.send(CLIENT_PORT, clientRequest(request(3)))[0]?.port, 11, "still down after a response");

  rig.program.markUp(serverId(1));
  expectOne(t, rig.send(CLIENT_PORT, clientRequest(request(4))), 11, requestAtServer(request(4), serverEndpoint(serverId(1)), false));
  t.is(rig.register(Names.pendingSince, 1), rig.clock, "detection starts afresh");
});

lbTest("a timeout of 0 disables marking; pending times are still recorded", async (t) => {
  const rig = await programmedRig();
  rig.program.setFailureTimeout(0n);
  rig.send(CLIENT_PORT, clientRequest(request(1)));
  rig.advance(3_600_000_000n);
  t.is(rig.send(CLIENT_PORT, clientRequest(request(2)))[0]?.port, 11);
  t.is(rig.digests.length, 0);
  t.is(rig.register(Names.pendingSince, 1), START_MICROS);
});

lbTest("the default timeout is one second", async (t) => {
  const rig = await programmedRig();
  rig.send(CLIENT_PORT, clientRequest(request(1)));
  rig.advance(1_000_000n);
  t.is(rig.send(CLIENT_PORT, clientRequest(request(2)))[0]?.port, 11);
  rig.advance(1n);
  t.not(rig.send(CLIENT_PORT, clientRequest(request(3)))[0]?.port, 11);
  t.is(rig.digests.length, 1);
});

lbTest("marked down before the controller updated the groups: a failover pick of the dead primary is dropped as stale", async (t) => {
  const rig = await programmedRig([serverId(1), serverId(2)]);
  rig.program.setFailureTimeout(TIMEOUT);
  rig.send(CLIENT_PORT, clientRequest(request(1)));
  rig.advance(TIMEOUT + 1n);
  t.deepEqual(rig.send(CLIENT_PORT, clientRequest(request(2))), []);
  t.is(rig.drops(DropReason.FailoverStale), 1n);
  t.is(rig.digests.length, 1, "the controller still hears about it");
});

lbTest("new sessions start the clock on the server they are sent to", async (t) => {
  const rig = await programmedRig();
  const out = rig.send(CLIENT_PORT, clientRequest({ cookie: 0, sessionId: 0x777n }));
  const target = out[0]!.port - 10;
  t.is(rig.register(Names.pendingSince, target), START_MICROS);
});
