/**
 * Writes the session load balancer's tables the way p4/CONTROL_PLANE.md tells the controller
 * to: routes, the VIP, server_map / server_source entries, one selector member per server and
 * the new-session and failover groups. Over the in-process ControlPlane API (BMv2 JSON names).
 */
import type { ControlPlane, GroupHandle, MemberHandle } from "../../../bmv2/src/dataplane/api.ts";
import type { ServerId } from "../../../runtime/src/wire/session_header.ts";
import { CLIENT, CLIENT_PORT, SWITCH_MAC, VIP, serverEndpoint, type ServerEndpoint } from "./topology.ts";

const INGRESS = "SessionLbIngress";
export const Names = {
  vip: `${INGRESS}.classify.vip`,
  serverSource: `${INGRESS}.classify.server_source`,
  newSessionSelect: `${INGRESS}.session_select.new_session_select`,
  newSessionSelector: `${INGRESS}.session_select.new_session_selector`,
  serverMap: `${INGRESS}.session_select.server_map`,
  failoverSelect: `${INGRESS}.failover.failover_select`,
  failoverSelector: `${INGRESS}.failover.failover_selector`,
  detectConfig: `${INGRESS}.failure_detect.detect_config`,
  ipv4Lpm: `${INGRESS}.forwarding.ipv4_lpm`,
  pendingSince: `${INGRESS}.failure_detect.pending_since`,
  lastResponseAt: `${INGRESS}.failure_detect.last_response_at`,
  downGeneration: `${INGRESS}.failure_detect.down_generation`,
  serverRequests: `${INGRESS}.stats.server_requests`,
  serverResponses: `${INGRESS}.stats.server_responses`,
  serverFailovers: `${INGRESS}.stats.server_failovers`,
  serverMarkedDown: `${INGRESS}.stats.server_marked_down`,
  dropReasons: `${INGRESS}.stats.drop_reasons`,
  events: `${INGRESS}.stats.events`,
} as const;

/** p4/shared/defines.p4 DROP_* */
export const DropReason = {
  NotIpv4: 1,
  BadIpv4Header: 2,
  BadIpv4Checksum: 3,
  TtlExpired: 4,
  NoRoute: 5,
  SessionTruncated: 6,
  SessionMissing: 7,
  SessionBadMagic: 8,
  SessionBadVersion: 9,
  SessionBadType: 10,
  Fragmented: 11,
  NoLiveServer: 12,
  FailoverStale: 13,
} as const;
export type DropReason = (typeof DropReason)[keyof typeof DropReason];

/** p4/shared/defines.p4 EVENT_* */
export const LbEvent = { InvalidCookie: 1, FailoverToSecondary: 2 } as const;

const exact = (value: number | bigint) => ({ kind: "exact", value: BigInt(value) }) as const;

export class LbProgrammer {
  private readonly newSessionMembers = new Map<ServerId, MemberHandle>();
  private readonly failoverMembers = new Map<ServerId, MemberHandle>();
  private readonly failoverGroups = new Map<ServerId, GroupHandle>();
  private newSessionGroup: GroupHandle | undefined;
  private readonly generations = new Map<ServerId, number>();

  constructor(readonly control: ControlPlane) {}

  route(prefix: number, prefixLength: number, port: number, dstMac: bigint): void {
    this.control.tableAdd(Names.ipv4Lpm, [{ kind: "lpm", value: BigInt(prefix), prefixLength }], {
      kind: "action",
      call: { action: `${INGRESS}.forwarding.route`, args: [BigInt(port), SWITCH_MAC, dstMac] },
    });
  }

  /** Client subnet route, the VIP, and for each server: host route, server_source, selector members. */
  setUp(servers: readonly ServerId[]): void {
    this.route(CLIENT.ip & 0xffffff00, 24, CLIENT_PORT, CLIENT.mac);
    this.control.tableAdd(Names.vip, [exact(VIP.ip), exact(VIP.port)], {
      kind: "action",
      call: { action: `${INGRESS}.classify.set_vip`, args: [] },
    });
    for (const id of servers) this.addServer(id);
  }

  addServer(id: ServerId): void {
    const s = serverEndpoint(id);
    this.route(s.ip, 32, s.switchPort, s.mac);
    this.control.tableAdd(Names.serverSource, [exact(s.ip), exact(s.udpPort)], {
      kind: "action",
      call: { action: `${INGRESS}.classify.from_server`, args: [BigInt(id), BigInt(VIP.ip), BigInt(VIP.port)] },
    });
    const target = [BigInt(id), BigInt(s.ip), BigInt(s.udpPort)];
    this.newSessionMembers.set(id, this.control.memberAdd(Names.newSessionSelector, { action: `${INGRESS}.session_select.pick_new_server`, args: target }));
    this.failoverMembers.set(id, this.control.memberAdd(Names.failoverSelector, { action: `${INGRESS}.failover.pick_failover_server`, args: target }));
  }

  /** server_map entry: the controller considers the server up. */
  markUp(id: ServerId, generation = (this.generations.get(id) ?? 0) + 1): void {
    const s: ServerEndpoint = serverEndpoint(id);
    this.generations.set(id, generation);
    const action = {
      kind: "action",
      call: { action: `${INGRESS}.session_select.set_primary`, args: [BigInt(s.ip), BigInt(s.udpPort), BigInt(generation)] },
    } as const;
    const existing = this.control.tableFind(Names.serverMap, [exact(id)]);
    if (existing === undefined) this.control.tableAdd(Names.serverMap, [exact(id)], action);
    else this.control.tableModify(Names.serverMap, existing, action);
  }

  markDown(id: ServerId): void {
    const existing = this.control.tableFind(Names.serverMap, [exact(id)]);
    if (existing !== undefined) this.control.tableDelete(Names.serverMap, existing);
  }

  generation(id: ServerId): number | undefined {
    return this.generations.get(id);
  }

  /** The VIP's new-session group := exactly these servers. */
  setNewSessionServers(ids: readonly ServerId[]): void {
    if (this.newSessionGroup === undefined) {
      this.newSessionGroup = this.control.groupCreate(Names.newSessionSelector);
      this.control.tableAdd(Names.newSessionSelect, [exact(VIP.ip)], { kind: "group", group: this.newSessionGroup });
    }
    this.setGroup(Names.newSessionSelector, this.newSessionGroup, ids.map((id) => this.member(this.newSessionMembers, id)));
  }

  /**
   * For each possible secondary X: live minus X, or X alone when it is the only live server;
   * no entry when nothing is live (CONTROL_PLANE.md "failover_selector").
   */
  setFailoverGroups(live: readonly ServerId[], possibleSecondaries: readonly ServerId[]): void {
    for (const x of possibleSecondaries) {
      const others = live.filter((id) => id !== x);
      const chosen = others.length > 0 ? others : live.includes(x) ? [x] : [];
      const existingGroup = this.failoverGroups.get(x);
      if (chosen.length === 0) {
        if (existingGroup !== undefined) {
          const entry = this.control.tableFind(Names.failoverSelect, [exact(x)]);
          if (entry !== undefined) this.control.tableDelete(Names.failoverSelect, entry);
          this.setGroup(Names.failoverSelector, existingGroup, []);
          this.control.groupDelete(Names.failoverSelector, existingGroup);
          this.failoverGroups.delete(x);
        }
        continue;
      }
      let group = existingGroup;
      if (group === undefined) {
        group = this.control.groupCreate(Names.failoverSelector);
        this.failoverGroups.set(x, group);
        this.setGroup(Names.failoverSelector, group, chosen.map((id) => this.member(this.failoverMembers, id)));
        this.control.tableAdd(Names.failoverSelect, [exact(x)], { kind: "group", group });
      } else {
        this.setGroup(Names.failoverSelector, group, chosen.map((id) => this.member(this.failoverMembers, id)));
      }
    }
  }

  setFailureTimeout(micros: bigint): void {
    this.control.tableSetDefault(Names.detectConfig, { action: `${INGRESS}.failure_detect.set_failure_timeout`, args: [micros] });
  }

  private member(members: Map<ServerId, MemberHandle>, id: ServerId): MemberHandle {
    const m = members.get(id);
    if (m === undefined) throw new Error(`server ${id} was never added`);
    return m;
  }

  private setGroup(profile: string, group: GroupHandle, wanted: readonly MemberHandle[]): void {
    const current = new Set(this.control.groupMembers(profile, group));
    for (const m of wanted) if (!current.has(m)) this.control.groupAddMember(profile, group, m);
    for (const m of current) if (!wanted.includes(m)) this.control.groupRemoveMember(profile, group, m);
  }
}
