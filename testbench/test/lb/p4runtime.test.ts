/**
 * The same program driven the way the controller drives it: our switch started with its
 * P4Runtime server (startSwitch), the pipeline pushed and every table, selector group and
 * default written over gRPC with the controller's P4Runtime client, counters read back and the
 * server-down digest received on the stream. Frames go straight into the switch model.
 */
import test, { type ExecutionContext } from "ava";
import { setTimeout as sleep } from "node:timers/promises";
import { Switch as P4rtSwitch } from "../../../runtime/src/p4rt/switch.ts";
import { parseP4Info } from "../../../runtime/src/p4rt/p4info.ts";
import type { SwitchEvent } from "../../../runtime/src/p4rt/events.ts";
import type { Update } from "../../../runtime/src/p4rt/entities.ts";
import { startSwitch, type SwitchHandle, type StartSwitchOptions } from "../../../bmv2/src/switch_main.ts";
import { port } from "../../../bmv2/src/dataplane/index.ts";
import { makeCookie, serverId, type ServerId } from "../../../runtime/src/wire/session_header.ts";
import { CLIENT, CLIENT_PORT, SWITCH_MAC, VIP, clientRequest, requestAtServer, serverEndpoint, serverResponse } from "./topology.ts";
import { DropReason, Names } from "./programmer.ts";
import { SERVER_DOWN_DIGEST, sessionLbNames } from "../../../p4/contract.ts";
import { compileSessionLb, expectOne, type Emitted } from "./rig.ts";

interface Modules {
  readonly startSwitch: (opts: StartSwitchOptions) => Promise<SwitchHandle>;
  readonly Switch: typeof P4rtSwitch;
  readonly parseP4Info: (text: string) => unknown;
}

async function loadModules(): Promise<{ ok: true; modules: Modules } | { ok: false; reason: string }> {
  const program = await compileSessionLb();
  if (!program.ok) return { ok: false, reason: program.reason };
  return { ok: true, modules: { startSwitch, Switch: P4rtSwitch, parseP4Info } };
}

const loaded = await loadModules();
const p4rtTest = (title: string, body: (t: ExecutionContext, m: Modules) => Promise<void>): void => {
  if (loaded.ok) test.serial(title, (t) => body(t, loaded.modules));
  else test.skip(`${title} [needs: ${loaded.reason.slice(0, 300)}]`, () => {});
};

const N = sessionLbNames("v1model");
const SERVERS = [1, 2, 3, 4].map(serverId);

/** A switch with the pipeline pushed over P4Runtime and a primary client; `run` gets both, everything is closed after. */
async function withP4rtSwitch(m: Modules, run: (handle: SwitchHandle, client: P4rtSwitch) => Promise<void>): Promise<void> {
  const program = await compileSessionLb();
  if (!program.ok) throw new Error(program.reason);
  const handle = await m.startSwitch({ grpcAddress: "127.0.0.1:0", wireBasePort: 0, ports: 16 });
  const client = new m.Switch({ address: handle.grpcAddress, electionId: 1, reconnect: false });
  try {
    await client.connect();
    await client.setPipeline({
      p4info: m.parseP4Info(program.p4infoText) as never,
      deviceConfig: new TextEncoder().encode(JSON.stringify(program.bmv2Json)),
    });
    await run(handle, client);
  } finally {
    client.close();
    await handle.stop();
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

function collect(handle: SwitchHandle, ingressPort: number, frame: Uint8Array): Emitted[] {
  const out: Emitted[] = [];
  const stop = handle.model.onEgress((p, f) => out.push({ port: p, frame: f.slice() }));
  try {
    handle.model.inject(port(ingressPort), frame);
  } finally {
    stop();
  }
  return out;
}

async function counterPackets(client: P4rtSwitch, counter: string, index: number): Promise<bigint> {
  const [entry] = await client.readAll({ type: "counter_entry", counter, index });
  if (!entry || entry.type !== "counter_entry") throw new Error(`no counter entry read for ${counter}[${index}]`);
  return entry.data?.packets ?? 0n;
}

p4rtTest("over P4Runtime: new and known sessions, failover when the controller removes the primary, counters read back", async (t, m) => {
  await withP4rtSwitch(m, async (handle, client) => {
    await client.write(programUpdates(SERVERS));

    const fresh = collect(handle, CLIENT_PORT, clientRequest({ cookie: 0, sessionId: 0x1111n }));
    t.is(fresh.length, 1);
    t.true(fresh.length === 1 && fresh[0]!.port >= 11 && fresh[0]!.port <= 14, "new session reached a server port");

    const known = { cookie: makeCookie(serverId(2), serverId(3)), sessionId: 0x2222n };
    expectOne(t, collect(handle, CLIENT_PORT, clientRequest(known)), 12, requestAtServer(known, serverEndpoint(serverId(2)), false));

    // The controller takes server 2 out: server_map entry deleted, groups without it.
    await client.write([
      { type: "DELETE", entity: { type: "table_entry", table: Names.serverMap, match: { "meta.primary_id": 2n } } },
      { type: "MODIFY", entity: { type: "action_profile_group", profile: Names.failoverSelector, groupId: 103, members: [1, 4].map((id) => ({ memberId: id, weight: 1 })) } },
    ]);
    const out = collect(handle, CLIENT_PORT, clientRequest(known));
    t.is(out.length, 1);
    const target = out[0]!.port - 10;
    t.true(target === 1 || target === 4, `failed over to ${target}`);
    expectOne(t, out, 10 + target, requestAtServer(known, serverEndpoint(serverId(target)), true));

    const answer = { cookie: makeCookie(serverId(target), serverId(3)), sessionId: 0x2222n };
    collect(handle, 10 + target, serverResponse(serverEndpoint(serverId(target)), answer));

    t.is(await counterPackets(client, Names.serverRequests, 2), 1n);
    t.is(await counterPackets(client, Names.serverFailovers, 2), 1n);
    t.is(await counterPackets(client, Names.serverResponses, target), 1n);
    t.is(await counterPackets(client, Names.dropReasons, DropReason.NoRoute), 0n);
  });
});

p4rtTest("over P4Runtime: the failure timeout is set as a default action and the switch's server-down digest reaches the controller", async (t, m) => {
  await withP4rtSwitch(m, async (handle, client) => {
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
    t.is(collect(handle, CLIENT_PORT, request(1))[0]?.port, 11);
    await sleep(5);
    collect(handle, CLIENT_PORT, request(2));

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
    t.not(collect(handle, CLIENT_PORT, request(3))[0]?.port, 11, "server 1 stays down");

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
    t.is(collect(handle, CLIENT_PORT, request(4))[0]?.port, 11, "back on server 1");
  });
});
