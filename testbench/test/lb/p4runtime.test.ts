/**
 * The same program driven the way the controller drives it, on every target (targets.ts: our
 * model, the real simple_switch_grpc with p4c's and with our JSON): the pipeline pushed and
 * every table, selector group and default written over gRPC with the controller's P4Runtime
 * client, counters read back and the server-down digest received on the stream.
 */
import test, { type ExecutionContext } from "ava";
import { setTimeout as sleep } from "node:timers/promises";
import { Switch as P4rtSwitch } from "../../../runtime/src/p4rt/switch.ts";
import type { SwitchEvent } from "../../../runtime/src/p4rt/events.ts";
import type { Update } from "../../../runtime/src/p4rt/entities.ts";
import { makeCookie, serverId, type ServerId } from "../../../runtime/src/wire/session_header.ts";
import { CLIENT, CLIENT_PORT, SWITCH_MAC, VIP, clientRequest, requestAtServer, serverEndpoint, serverResponse } from "./topology.ts";
import { DropReason, Names } from "./programmer.ts";
import { SERVER_DOWN_DIGEST, sessionLbNames } from "../../../p4/contract.ts";
import { compileSessionLb, expectOne } from "./rig.ts";
import { LB_TARGETS, type LbTarget, type TargetKind } from "./targets.ts";

const program = await compileSessionLb();

/** Registers the test once per target ("[target] title"); a target that cannot run here is skipped with the reason. */
const p4rtTest = (title: string, body: (t: ExecutionContext, target: LbTarget, client: P4rtSwitch) => Promise<void>): void => {
  for (const kind of LB_TARGETS) {
    const reason = program.ok ? kind.unavailable() : program.reason.slice(0, 300);
    const named = `[${kind.name}] ${title}`;
    if (reason) test.skip(`${named} [${reason}]`, () => {});
    else test.serial(named, (t) => withP4rtSwitch(kind, (target, client) => body(t, target, client)));
  }
};

const N = sessionLbNames("v1model");
const SERVERS = [1, 2, 3, 4].map(serverId);

/** A switch with the pipeline pushed over P4Runtime and a primary client; `run` gets both, everything is closed after. */
async function withP4rtSwitch(kind: TargetKind, run: (target: LbTarget, client: P4rtSwitch) => Promise<void>): Promise<void> {
  const { target, p4info, deviceConfig } = await kind.start();
  const client = new P4rtSwitch({ address: target.grpcAddress, electionId: 1, reconnect: false });
  try {
    await client.connect();
    await client.setPipeline({ p4info, deviceConfig });
    await run(target, client);
  } finally {
    client.close();
    await target.close();
  }
}

/** Everything CONTROL_PLANE.md asks the controller to write for these live servers. */
function programUpdates(live: readonly ServerId[]): Update[] {
  const updates: Update[] = [];
  const insert = (entity: Update["entity"]) => updates.push({ type: "INSERT", entity });
  const route = (prefix: number, prefixLen: number, p: number, dstMac: bigint) =>
    insert({
      type: "table_entry",
      table: N.tables.ipv4Lpm,
      match: { "hdr.ipv4.dst_addr": { value: BigInt(prefix), prefixLen } },
      action: { kind: "action", action: { name: N.actions.route, params: { port: BigInt(p), src_mac: SWITCH_MAC, dst_mac: dstMac } } },
    });
  route(CLIENT.ip & 0xffffff00, 24, CLIENT_PORT, CLIENT.mac);
  insert({
    type: "table_entry",
    table: N.tables.vip,
    match: { "hdr.ipv4.dst_addr": BigInt(VIP.ip), "hdr.udp.dst_port": BigInt(VIP.port) },
    action: { kind: "action", action: { name: N.actions.setVip } },
  });
  for (const id of SERVERS) {
    const s = serverEndpoint(id);
    route(s.ip, 32, s.switchPort, s.mac);
    insert({
      type: "table_entry",
      table: N.tables.serverSource,
      match: { "hdr.ipv4.src_addr": BigInt(s.ip), "hdr.udp.src_port": BigInt(s.udpPort) },
      action: { kind: "action", action: { name: N.actions.fromServer, params: { server_id: BigInt(id), vip_addr: BigInt(VIP.ip), vip_port: BigInt(VIP.port) } } },
    });
    const target = { server_id: BigInt(id), server_addr: BigInt(s.ip), server_port: BigInt(s.udpPort) };
    insert({ type: "action_profile_member", profile: Names.newSessionSelector, memberId: id, action: { name: N.actions.pickNewServer, params: target } });
    insert({ type: "action_profile_member", profile: Names.failoverSelector, memberId: id, action: { name: N.actions.pickFailoverServer, params: target } });
    if (live.includes(id)) {
      insert({
        type: "table_entry",
        table: Names.serverMap,
        match: { "meta.primary_id": BigInt(id) },
        action: { kind: "action", action: { name: N.actions.setPrimary, params: { server_addr: BigInt(s.ip), server_port: BigInt(s.udpPort), generation: 1n } } },
      });
    }
  }
  insert({ type: "action_profile_group", profile: Names.newSessionSelector, groupId: 1, members: live.map((id) => ({ memberId: id, weight: 1 })) });
  insert({ type: "table_entry", table: Names.newSessionSelect, match: { "hdr.ipv4.dst_addr": BigInt(VIP.ip) }, action: { kind: "group", groupId: 1 } });
  for (const x of SERVERS) {
    const others = live.filter((id) => id !== x);
    const members = others.length > 0 ? others : [x];
    insert({ type: "action_profile_group", profile: Names.failoverSelector, groupId: 100 + x, members: members.map((id) => ({ memberId: id, weight: 1 })) });
    insert({ type: "table_entry", table: Names.failoverSelect, match: { "meta.secondary_id": BigInt(x) }, action: { kind: "group", groupId: 100 + x } });
  }
  return updates;
}

async function counterPackets(client: P4rtSwitch, counter: string, index: number): Promise<bigint> {
  const [entry] = await client.readAll({ type: "counter_entry", counter, index });
  if (!entry || entry.type !== "counter_entry") throw new Error(`no counter entry read for ${counter}[${index}]`);
  return entry.data?.packets ?? 0n;
}

p4rtTest("over P4Runtime: new and known sessions, failover when the controller removes the primary, counters read back", async (t, sw, client) => {
  await client.write(programUpdates(SERVERS));

  const fresh = await sw.send(CLIENT_PORT, clientRequest({ cookie: 0, sessionId: 0x1111n }));
  t.is(fresh.length, 1);
  t.true(fresh.length === 1 && fresh[0]!.port >= 11 && fresh[0]!.port <= 14, "new session reached a server port");

  const known = { cookie: makeCookie(serverId(2), serverId(3)), sessionId: 0x2222n };
  expectOne(t, await sw.send(CLIENT_PORT, clientRequest(known)), 12, requestAtServer(known, serverEndpoint(serverId(2)), false));

  // The controller takes server 2 out: server_map entry deleted, groups without it.
  await client.write([
    { type: "DELETE", entity: { type: "table_entry", table: Names.serverMap, match: { "meta.primary_id": 2n } } },
    { type: "MODIFY", entity: { type: "action_profile_group", profile: Names.failoverSelector, groupId: 103, members: [1, 4].map((id) => ({ memberId: id, weight: 1 })) } },
  ]);
  const out = await sw.send(CLIENT_PORT, clientRequest(known));
  t.is(out.length, 1);
  const target = out[0]!.port - 10;
  t.true(target === 1 || target === 4, `failed over to ${target}`);
  expectOne(t, out, 10 + target, requestAtServer(known, serverEndpoint(serverId(target)), true));

  const answer = { cookie: makeCookie(serverId(target), serverId(3)), sessionId: 0x2222n };
  await sw.send(10 + target, serverResponse(serverEndpoint(serverId(target)), answer));

  t.is(await counterPackets(client, Names.serverRequests, 2), 1n);
  t.is(await counterPackets(client, Names.serverFailovers, 2), 1n);
  t.is(await counterPackets(client, Names.serverResponses, target), 1n);
  t.is(await counterPackets(client, Names.dropReasons, DropReason.NoRoute), 0n);
});

p4rtTest("over P4Runtime: the failure timeout is set as a default action and the switch's server-down digest reaches the controller", async (t, sw, client) => {
  await client.write(programUpdates(SERVERS));
  await client.write([
    { type: "INSERT", entity: { type: "digest_entry", digest: SERVER_DOWN_DIGEST, config: { maxTimeoutNs: 0n, maxListSize: 1, ackTimeoutNs: 1_000_000_000n } } },
    {
      type: "MODIFY",
      entity: {
        type: "table_entry",
        table: Names.detectConfig,
        isDefault: true,
        action: { kind: "action", action: { name: N.actions.setFailureTimeout, params: { timeout_us: 1n } } },
      },
    },
  ]);
  const events = client.events();
  const request = (requestId: number) => clientRequest({ cookie: makeCookie(serverId(1), serverId(2)), sessionId: 0x3333n, requestId });
  t.is((await sw.send(CLIENT_PORT, request(1)))[0]?.port, 11);
  await sleep(5);
  await sw.send(CLIENT_PORT, request(2));

  let digest: Extract<SwitchEvent, { kind: "digest" }> | undefined;
  const giveUp = new AbortController();
  const deadline = sleep(5000, undefined, { signal: giveUp.signal }).catch(() => undefined);
  while (!digest) {
    const next = await Promise.race([events.next(), deadline]);
    if (!next || next.done) break;
    if (next.value.kind === "digest") digest = next.value;
  }
  giveUp.abort();
  await events.return();
  if (!digest) return t.fail("no digest arrived within 5 s");
  t.is(digest.digest, SERVER_DOWN_DIGEST);
  t.is(digest.data.length, 1);
  t.is(digest.data[0]!.server_id, 1n);
  t.true(digest.data[0]!.detected_at! > digest.data[0]!.oldest_request_at!);
  t.is(await counterPackets(client, Names.serverMarkedDown, 1), 1n);
  t.not((await sw.send(CLIENT_PORT, request(3)))[0]?.port, 11, "server 1 stays down");

  // The controller brings server 1 back with a new generation (no register write needed).
  const s1 = serverEndpoint(serverId(1));
  await client.write([
    {
      type: "MODIFY",
      entity: {
        type: "table_entry",
        table: Names.serverMap,
        match: { "meta.primary_id": 1n },
        action: { kind: "action", action: { name: N.actions.setPrimary, params: { server_addr: BigInt(s1.ip), server_port: BigInt(s1.udpPort), generation: 2n } } },
      },
    },
  ]);
  t.is((await sw.send(CLIENT_PORT, request(4)))[0]?.port, 11, "back on server 1");
});

/** The server a request left for (server i is on port 10 + i), or undefined when it was dropped or went elsewhere. */
async function servedBy(sw: LbTarget, cookie: number, sessionId: bigint): Promise<number | undefined> {
  const out = await sw.send(CLIENT_PORT, clientRequest({ cookie, sessionId }));
  return out.length === 1 && out[0]!.port > 10 && out[0]!.port <= 14 ? out[0]!.port - 10 : undefined;
}

p4rtTest("claims 3 and 6, the switch's part: new sessions go to live servers only; a dead primary's sessions go to a live server that is not their secondary", async (t, sw, client) => {
  const live = [1, 3, 4].map(serverId);
  await client.write(programUpdates(live));
  const seen = new Set<number>();
  for (let i = 0n; i < 40n; i++) {
    const to = await servedBy(sw, 0, 0x5000n + i * 7919n);
    t.true(to !== undefined && live.includes(serverId(to)), `new session ${i} went to ${to}`);
    if (to !== undefined) seen.add(to);
  }
  t.deepEqual([...seen].sort(), [1, 3, 4], "the hash spreads 40 sessions over every live server");
  for (let i = 0n; i < 40n; i++) {
    const secondary = live[Number(i % 3n)]!;
    const to = await servedBy(sw, makeCookie(serverId(2), secondary), 0x6000n + i * 104729n);
    t.true(to !== undefined && to !== 2 && to !== secondary && live.includes(serverId(to)), `session ${i} of dead primary 2, secondary ${secondary}, went to ${to}`);
  }
});

p4rtTest("claim 3, the switch's part: when the secondary is the only live server, the dead primary's sessions go to it", async (t, sw, client) => {
  await client.write(programUpdates([serverId(3)]));
  for (let i = 0n; i < 10n; i++) {
    const primary = [1, 2, 4][Number(i % 3n)]!;
    t.is(await servedBy(sw, makeCookie(serverId(primary), serverId(3)), 0x7000n + i), 3);
  }
  t.is(await counterPackets(client, Names.serverRequests, 3), 10n);
});
