import test from "ava";
import { SessionClient } from "../../src/client/session_client.ts";
import { type SessionId, decodeCookie, makeCookie, serverId } from "../../src/wire/session_header.ts";
import { holders, openSession, replicasOf, withRig } from "./harness.ts";

async function counterOf(client: SessionClient, id: SessionId, key = "n"): Promise<number> {
  const reply = await client.request(id, `get ${key}`);
  return Number(reply.text);
}

test("claim 1 + 10: a new session lives on primary and secondary; the client stores cookie = primary x 65536 + secondary", (t) =>
  withRig({ servers: 3 }, async ({ cluster, vip, client }) => {
    const id = SessionClient.newSessionId();
    const first = await client.request(id, "incr n");
    t.is(first.kind, "response");
    t.is(first.text, "1");
    const { primary, secondary } = decodeCookie(first.cookie);
    t.is(primary, vip.decisions[0]!.server, "the server the VIP chose is the primary");
    t.not(secondary, primary);
    t.is(first.cookie as number, primary * 65536 + secondary);
    t.is(client.jar.get(id)?.cookie, makeCookie(serverId(primary), serverId(secondary)));
    t.deepEqual(holders(cluster, id).sort(), [primary, secondary].sort(), "exactly primary and secondary hold it");
    for (let i = 0; i < 4; i++) await client.request(id, "incr n");
    const onPrimary = cluster.server(primary).store.get(id)!.record;
    const onSecondary = cluster.server(secondary).store.get(id)!.record;
    t.is(onPrimary.version, onSecondary.version, "sync replication: the secondary has every acknowledged update");
    t.deepEqual(onSecondary.state, onPrimary.state);
    t.is(client.jar.get(id)?.version, onPrimary.version);
    t.is(await counterOf(client, id), 5);
  }));

test("claim 4: primary dies; the new primary (not the secondary) fetches from the secondary, answers, syncs it, and names itself in the cookie", (t) =>
  withRig({ servers: 4 }, async ({ cluster, vip, client }) => {
    const { id, primary, secondary } = await openSession(client, 3);
    await cluster.kill(primary);
    vip.live.delete(primary);

    const reply = await client.request(id, "incr n");
    t.is(reply.kind, "response");
    t.is(reply.text, "4", "no acknowledged increment was lost");
    const last = vip.decisions.at(-1)!;
    t.true(last.failover);
    t.true(reply.failedOver, "the answer tells the client the switch re-routed it");
    t.not(last.server, secondary, "the switch never picks the secondary as new primary");
    const fresh = decodeCookie(reply.cookie);
    t.deepEqual(fresh, { primary: last.server, secondary }, "new cookie: new primary + the same secondary");
    const newPrimary = cluster.server(last.server);
    t.is(newPrimary.stats.failovers, 1);
    t.is(newPrimary.stats.fetches, 1, "the session came from the secondary");
    const onSecondary = cluster.server(secondary).store.get(id)!.record;
    t.is(onSecondary.version, newPrimary.store.get(id)!.record.version, "the secondary was synced with the update");
    t.is(onSecondary.primary as number, last.server, "the secondary knows its new primary");
    t.is(await counterOf(client, id), 4);
    t.is(vip.decisions.at(-1)!.failover, false, "the next request goes straight to the new primary");
    t.false((await client.request(id, "get n")).failedOver);
  }));

test("claim 7: lower or equal versions are not applied; a stale copy is refreshed before serving", (t) =>
  withRig({ servers: 2 }, async ({ cluster, client }) => {
    const { id, primary, secondary } = await openSession(client, 2);
    const p = cluster.server(primary).store;
    const s = cluster.server(secondary).store;
    const current = p.get(id)!.record;
    const stateOf = (n: number): Uint8Array => new TextEncoder().encode(JSON.stringify({ n: String(n) }));

    t.is(s.put({ ...current, version: current.version - 1, state: stateOf(99) }).kind, "stale");
    t.is(s.put({ ...current, state: stateOf(99) }).kind, "equal");
    t.deepEqual(s.get(id)!.record.state, current.state, "equal version: state kept");

    // The secondary ends up with a newer copy than the primary (as after a failover elsewhere).
    t.is(s.put({ ...current, version: current.version + 3, state: stateOf(40) }).kind, "applied");
    client.jar.update(id, client.jar.get(id)!.cookie, current.version + 3);
    const reply = await client.request(id, "incr n");
    t.is(reply.text, "41", "served from the refreshed copy, not the stale one");
    t.is(cluster.server(primary).stats.staleRefreshes, 1);
    t.is(p.get(id)!.record.version, current.version + 4);
    t.is(s.get(id)!.record.version, current.version + 4);
  }));

test("claims 8 + 9: the batched periodic version check finds and resyncs out-of-date and missing secondary copies", (t) =>
  withRig({ servers: 2 }, async ({ cluster, client }) => {
    const ids = Array.from({ length: 12 }, () => SessionClient.newSessionId());
    for (const id of ids) await client.request(id, "incr n");
    const [a, b] = [cluster.server(1), cluster.server(2)];
    const primaryOn1 = ids.filter((id) => a.store.get(id)!.record.primary === 1).length;

    await Promise.all([a.runVersionCheck(), b.runVersionCheck()]);
    t.is(a.stats.versionCheckEntriesSent + b.stats.versionCheckEntriesSent, ids.length, "every session is checked once, by its primary");
    t.is(a.stats.versionChecksSent, primaryOn1 > 0 ? 1 : 0, "one message carries all of a primary's sessions for one secondary");
    t.is(b.stats.versionChecksReceived, a.stats.versionChecksSent);
    t.is(a.stats.resyncs + b.stats.resyncs, 0, "everything in sync: nothing re-sent");

    // Knock two secondaries out of sync: one lost, one left behind at an old version.
    const [lost, behind] = ids;
    const lostPrimary = cluster.server(replicasOf(client, lost!).primary);
    const lostSecondary = cluster.server(replicasOf(client, lost!).secondary);
    lostSecondary.store.delete(lost!);
    const behindPair = replicasOf(client, behind!);
    const behindSecondary = cluster.server(behindPair.secondary);
    const old = behindSecondary.store.get(behind!)!.record;
    behindSecondary.store.delete(behind!);
    await client.request(behind!, "incr n");
    behindSecondary.store.delete(behind!);
    t.is(behindSecondary.store.put(old).kind, "applied");

    await Promise.all([a.runVersionCheck(), b.runVersionCheck()]);
    t.is(a.stats.resyncs + b.stats.resyncs, 2);
    t.is(lostSecondary.store.get(lost!)?.record.version, lostPrimary.store.get(lost!)!.record.version, "missing copy restored");
    t.is(behindSecondary.store.get(behind!)?.record.version, cluster.server(behindPair.primary).store.get(behind!)!.record.version, "old copy brought up to date");
  }));

test("the periodic timer runs the version check by itself", (t) =>
  withRig({ servers: 2, tweaks: { versionCheckIntervalMs: 20 } }, async ({ cluster, client }) => {
    const { id, primary, secondary } = await openSession(client);
    cluster.server(secondary).store.delete(id);
    while (cluster.server(secondary).store.get(id) === undefined) await new Promise((r) => setTimeout(r, 10));
    t.true(cluster.server(primary).stats.versionChecksSent > 0);
    t.true(cluster.server(primary).stats.resyncs >= 1);
  }));

test("a primary that was failed over while unreachable finds out in its version check and steps down, without overwriting the secondary", (t) =>
  withRig({ servers: 3 }, async ({ cluster, vip, client }) => {
    const { id, primary, secondary } = await openSession(client);
    vip.live.delete(primary); // the switch stops routing to it; the server itself keeps running
    t.is((await client.request(id, "incr n")).text, "2");
    const newPrimary = replicasOf(client, id).primary;
    t.not(newPrimary, primary);
    const oldCopy = cluster.server(primary).store.get(id)!.record;
    t.is(oldCopy.primary as number, primary, "the old primary still believes it is primary");

    await cluster.server(primary).runVersionCheck();
    t.is(cluster.server(primary).stats.relinquished, 1);
    const demoted = cluster.server(primary).store.get(id)!.record;
    t.is(demoted.primary as number, newPrimary, "its copy now names the new primary");
    t.is(demoted.version, oldCopy.version, "and keeps its old version, so it is refreshed before any use");
    await cluster.server(primary).runVersionCheck();
    t.is(cluster.server(primary).stats.versionChecksSent, 1, "no longer checks a session it is not primary of");
    t.is(cluster.server(primary).stats.resyncs, 0, "the stale copy was not pushed over the newer one");
    t.is(cluster.server(secondary).store.get(id)!.record.primary as number, newPrimary);
    t.is(await counterOf(client, id), 2);
  }));
