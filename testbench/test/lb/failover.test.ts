/**
 * Primary down or unknown: the switch picks a new primary by itself, never the secondary
 * (unless it is the only live server), sets FAILOVER and counts it.
 */
import { makeCookie, serverId, type ServerId } from "../../../runtime/src/wire/session_header.ts";
import { CLIENT_PORT, clientRequest, requestAtServer, serverEndpoint } from "./topology.ts";
import { DropReason, LbEvent, Names } from "./programmer.ts";
import { expectNone, expectOne, lbTest } from "./rig.ts";
import { ids, programmedRig, seededInts, sessionIds } from "./setup.ts";

lbTest("primary removed by the controller: request goes to another live server with FAILOVER set, exact frame", async (t) => {
  const rig = await programmedRig();
  rig.program.markDown(serverId(1));
  rig.program.setFailoverGroups(ids(2, 3, 4), ids(1, 2, 3, 4));
  const spec = { cookie: makeCookie(serverId(1), serverId(2)), sessionId: 0xabcdefn, requestId: 3 };
  const out = rig.send(CLIENT_PORT, clientRequest(spec));
  t.is(out.length, 1);
  const target = out[0]!.port - 10;
  t.true(target === 3 || target === 4, `failover went to server ${target}`);
  expectOne(t, out, 10 + target, requestAtServer(spec, serverEndpoint(serverId(target)), true));
  t.is(rig.packets(Names.serverFailovers, 1), 1n);
  t.is(rig.requestsTo(serverId(target)), 1n);
});

lbTest("property: over many server sets and session ids, failover never picks the secondary or the dead primary", async (t) => {
  const rig = await programmedRig(ids(1, 2, 3, 4, 5, 6, 7, 8));
  const all = ids(1, 2, 3, 4, 5, 6, 7, 8);
  const pick = seededInts(2024);
  let checked = 0;
  let cases = 0;
  // 250 server sets x 40 session ids: 10,000 (session id, live set, secondary) cases.
  for (let round = 0; round < 250; round++) {
    const dead = all.filter(() => pick(3) === 0);
    const primary = all[pick(all.length)]!;
    if (!dead.includes(primary)) dead.push(primary);
    const live = all.filter((id) => !dead.includes(id));
    for (const id of all) {
      if (live.includes(id)) rig.program.markUp(id);
      else rig.program.markDown(id);
    }
    rig.program.setFailoverGroups(live, all);
    const secondaries = all.filter((id) => id !== primary);
    const reached = new Set<number>();
    for (const sessionId of sessionIds(40, round)) {
      const secondary = secondaries[pick(secondaries.length)]!;
      const out = rig.send(CLIENT_PORT, clientRequest({ cookie: makeCookie(primary, secondary), sessionId }));
      cases++;
      const onlySecondaryLive = live.length === 1 && live[0] === secondary;
      if (live.length === 0) {
        t.is(out.length, 0, "no live server: dropped");
        continue;
      }
      t.is(out.length, 1);
      const target = out[0]!.port - 10;
      reached.add(target);
      t.true(live.includes(serverId(target)), `round ${round}: server ${target} is not live (live ${live})`);
      t.not(target, primary, `round ${round}: picked the dead primary ${primary}`);
      if (!onlySecondaryLive) t.not(target, secondary, `round ${round}: picked the secondary ${secondary} (live ${live})`);
      checked++;
    }
    if (live.length >= 3) t.true(reached.size >= 2, `round ${round}: failovers all went to ${[...reached]}`);
  }
  t.is(cases, 10_000);
  t.true(checked > 9_000, `only ${checked} of ${cases} requests reached a live server`);
});

lbTest("a session fails over to the same new primary on every request (hash of the session id)", async (t) => {
  const rig = await programmedRig(ids(1, 2, 3, 4, 5, 6));
  rig.program.markDown(serverId(1));
  rig.program.setFailoverGroups(ids(2, 3, 4, 5, 6), ids(1, 2, 3, 4, 5, 6));
  for (const sessionId of sessionIds(10, 99)) {
    const cookie = makeCookie(serverId(1), serverId(2));
    const first = rig.send(CLIENT_PORT, clientRequest({ cookie, sessionId, requestId: 1 }))[0]?.port;
    const second = rig.send(CLIENT_PORT, clientRequest({ cookie, sessionId, requestId: 2 }))[0]?.port;
    t.not(first, undefined);
    t.is(second, first);
  }
});

lbTest("the secondary is used only as the last live server, with FAILOVER set and an event counted", async (t) => {
  const rig = await programmedRig(ids(1, 2, 3));
  for (const id of ids(1, 3)) rig.program.markDown(id);
  rig.program.setFailoverGroups(ids(2), ids(1, 2, 3));
  const spec = { cookie: makeCookie(serverId(1), serverId(2)), sessionId: 42n };
  expectOne(t, rig.send(CLIENT_PORT, clientRequest(spec)), 12, requestAtServer(spec, serverEndpoint(serverId(2)), true));
  t.is(rig.packets(Names.events, LbEvent.FailoverToSecondary), 1n);
  t.is(rig.packets(Names.serverFailovers, 1), 1n);
});

lbTest("no live server at all: the failover request is dropped and counted", async (t) => {
  const rig = await programmedRig(ids(1, 2));
  for (const id of ids(1, 2)) rig.program.markDown(id);
  rig.program.setFailoverGroups([], ids(1, 2));
  expectNone(t, rig.send(CLIENT_PORT, clientRequest({ cookie: makeCookie(serverId(1), serverId(2)), sessionId: 1n })));
  t.is(rig.drops(DropReason.NoLiveServer), 1n);
});

lbTest("a failover group still holding the down primary drops the request as stale, counted", async (t) => {
  const rig = await programmedRig(ids(1, 2));
  // The controller has not updated the groups yet: the group for secondary 2 is {1}.
  rig.program.markDown(serverId(1));
  expectNone(t, rig.send(CLIENT_PORT, clientRequest({ cookie: makeCookie(serverId(1), serverId(2)), sessionId: 1n })));
  t.is(rig.drops(DropReason.FailoverStale), 1n);
});

lbTest("a primary unknown to the switch (never added) fails over like a dead one", async (t) => {
  const rig = await programmedRig(ids(1, 2, 3));
  const unknown: ServerId = serverId(300);
  const spec = { cookie: makeCookie(unknown, serverId(2)), sessionId: 8n };
  const out = rig.send(CLIENT_PORT, clientRequest(spec));
  t.is(out.length, 1);
  const target = out[0]!.port - 10;
  t.true(target === 1 || target === 3, `went to ${target}`);
  expectOne(t, out, 10 + target, requestAtServer(spec, serverEndpoint(serverId(target)), true));
  t.is(rig.packets(Names.serverFailovers, 300), 1n);
});
