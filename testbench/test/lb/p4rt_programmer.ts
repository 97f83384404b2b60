/**
 * The LbProgrammer's operations over P4Runtime (the controller's client), for targets that have
 * no in-process control plane: the real simple_switch_grpc. Same tables, same ids scheme as
 * p4/CONTROL_PLANE.md: selector member id = server id in both profiles, the new-session group
 * is 1, the failover group of secondary X is 100 + X. Keeps the routes it wrote, so a rig can
 * send a barrier frame to every port something may have been routed to.
 */
import type { Switch } from "../../../runtime/src/p4rt/switch.ts";
import { type Update, insert, modify, remove } from "../../../runtime/src/p4rt/entities.ts";
import type { ServerId } from "../../../runtime/src/wire/session_header.ts";
import { sessionLbNames } from "../../../p4/contract.ts";
import { CLIENT, CLIENT_PORT, SWITCH_MAC, VIP, serverEndpoint } from "./topology.ts";
import { Names } from "./programmer.ts";

const N = sessionLbNames("v1model");
const NEW_SESSION_GROUP = 1;
const failoverGroup = (x: ServerId): number => 100 + x;

export interface Route {
  readonly prefix: number;
  readonly prefixLength: number;
  readonly port: number;
}

export class P4rtLbProgrammer {
  readonly routes: Route[] = [];
  private readonly generations = new Map<ServerId, number>();
  private readonly failoverGroups = new Set<ServerId>();
  private newSessionGroup = false;

  constructor(private readonly sw: Switch) {}

  async route(prefix: number, prefixLength: number, port: number, dstMac: bigint): Promise<void> {
    await this.sw.write([
      insert({
        type: "table_entry",
        table: Names.ipv4Lpm,
        match: { "hdr.ipv4.dst_addr": { value: BigInt(prefix), prefixLen: prefixLength } },
        action: { kind: "action", action: { name: N.actions.route, params: { port: BigInt(port), src_mac: SWITCH_MAC, dst_mac: dstMac } } },
      }),
    ]);
    this.routes.push({ prefix, prefixLength, port });
  }

  /** Client subnet route, the VIP, and for each server: host route, server_source, selector members. */
  async setUp(servers: readonly ServerId[]): Promise<void> {
    await this.route(CLIENT.ip & 0xffffff00, 24, CLIENT_PORT, CLIENT.mac);
    await this.sw.write([
      insert({
        type: "table_entry",
        table: Names.vip,
        match: { "hdr.ipv4.dst_addr": BigInt(VIP.ip), "hdr.udp.dst_port": BigInt(VIP.port) },
        action: { kind: "action", action: { name: N.actions.setVip } },
      }),
    ]);
    for (const id of servers) await this.addServer(id);
  }

  async addServer(id: ServerId): Promise<void> {
    const s = serverEndpoint(id);
    await this.route(s.ip, 32, s.switchPort, s.mac);
    const target = { server_id: BigInt(id), server_addr: BigInt(s.ip), server_port: BigInt(s.udpPort) };
    await this.sw.write([
      insert({
        type: "table_entry",
        table: Names.serverSource,
        match: { "hdr.ipv4.src_addr": BigInt(s.ip), "hdr.udp.src_port": BigInt(s.udpPort) },
        action: { kind: "action", action: { name: N.actions.fromServer, params: { server_id: BigInt(id), vip_addr: BigInt(VIP.ip), vip_port: BigInt(VIP.port) } } },
      }),
      insert({ type: "action_profile_member", profile: Names.newSessionSelector, memberId: id, action: { name: N.actions.pickNewServer, params: target } }),
      insert({ type: "action_profile_member", profile: Names.failoverSelector, memberId: id, action: { name: N.actions.pickFailoverServer, params: target } }),
    ]);
  }

  /** server_map entry: the controller considers the server up. */
  async markUp(id: ServerId, generation = (this.generations.get(id) ?? 0) + 1): Promise<void> {
    const s = serverEndpoint(id);
    const existed = this.generations.has(id);
    this.generations.set(id, generation);
    const entry = {
      type: "table_entry",
      table: Names.serverMap,
      match: { "meta.primary_id": BigInt(id) },
      action: { kind: "action", action: { name: N.actions.setPrimary, params: { server_addr: BigInt(s.ip), server_port: BigInt(s.udpPort), generation: BigInt(generation) } } },
    } as const;
    await this.sw.write([existed ? modify(entry) : insert(entry)]);
  }

  async markDown(id: ServerId): Promise<void> {
    if (!this.generations.delete(id)) return;
    await this.sw.write([remove({ type: "table_entry", table: Names.serverMap, match: { "meta.primary_id": BigInt(id) } })]);
  }

  generation(id: ServerId): number | undefined {
    return this.generations.get(id);
  }

  /** The VIP's new-session group := exactly these servers. */
  async setNewSessionServers(ids: readonly ServerId[]): Promise<void> {
    const group = { type: "action_profile_group", profile: Names.newSessionSelector, groupId: NEW_SESSION_GROUP, members: ids.map((id) => ({ memberId: id, weight: 1 })) } as const;
    if (this.newSessionGroup) {
      await this.sw.write([modify(group)]);
      return;
    }
    await this.sw.write([insert(group)]);
    await this.sw.write([insert({ type: "table_entry", table: Names.newSessionSelect, match: { "hdr.ipv4.dst_addr": BigInt(VIP.ip) }, action: { kind: "group", groupId: NEW_SESSION_GROUP } })]);
    this.newSessionGroup = true;
  }

  /** For each possible secondary X: live minus X, or X alone when it is the only live server; no entry when nothing is live. */
  async setFailoverGroups(live: readonly ServerId[], possibleSecondaries: readonly ServerId[]): Promise<void> {
    for (const x of possibleSecondaries) {
      const others = live.filter((id) => id !== x);
      const chosen = others.length > 0 ? others : live.includes(x) ? [x] : [];
      const entry = { type: "table_entry", table: Names.failoverSelect, match: { "meta.secondary_id": BigInt(x) } } as const;
      const group = { type: "action_profile_group", profile: Names.failoverSelector, groupId: failoverGroup(x) } as const;
      const updates: Update[] = [];
      if (chosen.length === 0) {
        if (this.failoverGroups.delete(x)) updates.push(remove(entry), remove(group));
      } else {
        const members = chosen.map((id) => ({ memberId: id, weight: 1 }));
        if (this.failoverGroups.has(x)) updates.push(modify({ ...group, members }));
        else updates.push(insert({ ...group, members }), insert({ ...entry, action: { kind: "group", groupId: failoverGroup(x) } }));
        this.failoverGroups.add(x);
      }
      // In order: the entry must go before its group, the group must exist before its entry.
      for (const u of updates) await this.sw.write([u]);
    }
  }
}
