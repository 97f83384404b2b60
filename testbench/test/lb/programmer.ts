/**
 * Writes the session load balancer's tables the way p4/CONTROL_PLANE.md tells the controller
 * to: routes, the VIP, server_map / server_source entries, one selector member per server and
 * the new-session and failover groups. Over the in-process ControlPlane API (BMv2 JSON names).
 */
import type { ControlPlane, GroupHandle, MemberHandle } from "../../../bmv2/src/dataplane/api.ts";
import type { ServerId } from "../../../runtime/src/wire/session_header.ts";
import { CLIENT, CLIENT_PORT, SWITCH_MAC, VIP, serverEndpoint, type ServerEndpoint } from "./topology.ts";
import { DropReason, LbEvent, sessionLbNames } from "../../../p4/contract.ts";

const N = sessionLbNames("v1model");

/** The names the tests use, flattened from p4/contract.ts. */
export const Names = {
  vip: N.tables.vip,
  serverSource: N.tables.serverSource,
  newSessionSelect: N.tables.newSessionSelect,
  newSessionSelector: N.selectors.newSession,
  serverMap: N.tables.serverMap,
  failoverSelect: N.tables.failoverSelect,
  failoverSelector: N.selectors.failover,
  detectConfig: N.tables.detectConfig,
  ipv4Lpm: N.tables.ipv4Lpm,
  pendingSince: N.registers.pendingSince,
  lastResponseAt: N.registers.lastResponseAt,
  downGeneration: N.registers.downGeneration,
  serverRequests: N.counters.serverRequests,
  serverResponses: N.counters.serverResponses,
  serverFailovers: N.counters.serverFailovers,
  serverMarkedDown: N.counters.serverMarkedDown,
  dropReasons: N.counters.dropReasons,
  events: N.counters.events,
} as const;

export { DropReason, LbEvent };

const exact = (value: number | bigint) => ({ kind: "exact", value: BigInt(value) }) as const;

export class LbProgrammer {
  private readonly newSessionMembers = new Map<ServerId, MemberHandle>();
  private readonly failoverMembers = new Map<ServerId, MemberHandle>();
  private readonly failoverGroups = new Map<ServerId, GroupHandle>();
  private newSessionGroup: GroupHandle | undefined;
  private readonly generations = new Map<ServerId, number>();

  constructor(
    readonly control: ControlPlane,
    private readonly sessionPortsValueSet: string,
  ) {}

  /** Makes the parser look for the session header on this UDP port too. */
  addSessionPort(udpPort: number): void {
    this.control.valueSetAdd(this.sessionPortsValueSet, BigInt(udpPort), 0xffffn);
  }

  route(prefix: number, prefixLength: number, port: number, dstMac: bigint): void {
    this.control.tableAdd(Names.ipv4Lpm, [{ kind: "lpm", value: BigInt(prefix), prefixLength }], {
      kind: "action",
      call: { action: N.actions.route, args: [BigInt(port), SWITCH_MAC, dstMac] },
    });
  }

  /** Client subnet route, the VIP, and for each server: host route, server_source, selector members. */
  setUp(servers: readonly ServerId[]): void {
    this.route(CLIENT.ip & 0xffffff00, 24, CLIENT_PORT, CLIENT.mac);
    this.addVip(VIP.ip, VIP.port);
    for (const id of servers) this.addServer(id);
  }

  addVip(address: number, udpPort: number): void {
    this.control.tableAdd(Names.vip, [exact(address), exact(udpPort)], { kind: "action", call: { action: N.actions.setVip, args: [] } });
  }

  addServer(id: ServerId): void {
    const s = serverEndpoint(id);
    this.route(s.ip, 32, s.switchPort, s.mac);
    this.control.tableAdd(Names.serverSource, [exact(s.ip), exact(s.udpPort)], {
      kind: "action",
      call: { action: N.actions.fromServer, args: [BigInt(id), BigInt(VIP.ip), BigInt(VIP.port)] },
    });
    const target = [BigInt(id), BigInt(s.ip), BigInt(s.udpPort)];
    this.newSessionMembers.set(id, this.control.memberAdd(Names.newSessionSelector, { action: N.actions.pickNewServer, args: target }));
    this.failoverMembers.set(id, this.control.memberAdd(Names.failoverSelector, { action: N.actions.pickFailoverServer, args: target }));
  }

  /** server_map entry: the controller considers the server up. */
  markUp(id: ServerId, generation = (this.generations.get(id) ?? 0) + 1): void {
    const s: ServerEndpoint = serverEndpoint(id);
    this.generations.set(id, generation);
    const action = {
      kind: "action",
      call: { action: N.actions.setPrimary, args: [BigInt(s.ip), BigInt(s.udpPort), BigInt(generation)] },
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
    this.control.tableSetDefault(Names.detectConfig, { action: N.actions.setFailureTimeout, args: [micros] });
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
