import { SwitchError, type CloneSessionConfig, type PortNumber } from "./api.ts";

/**
 * The packet replication engine: multicast groups (replicas of a packet
 * leaving ingress with mcast_grp set) and clone (mirror) sessions.
 */
export interface Replica {
  readonly port: PortNumber;
  readonly instance: number;
}

const MAX_GROUP = 0xffff;
const MAX_SESSION = 0x7fff;

export class ReplicationEngine {
  private readonly groups = new Map<number, readonly Replica[]>();
  private readonly sessions = new Map<number, CloneSessionConfig>();

  multicastGroupSet(group: number, replicas: readonly Replica[]): void {
    if (!Number.isInteger(group) || group < 1 || group > MAX_GROUP)
      throw new SwitchError("INVALID_ARGUMENT", `multicast group id ${group} out of range 1..${MAX_GROUP}`);
    this.groups.set(group, replicas.map((r) => ({ port: r.port, instance: r.instance })));
  }

  multicastGroupDelete(group: number): void {
    if (!this.groups.delete(group)) throw new SwitchError("NOT_FOUND", `no multicast group ${group}`);
  }

  group(group: number): readonly Replica[] | undefined {
    return this.groups.get(group);
  }

  cloneSessionSet(session: number, config: CloneSessionConfig): void {
    if (!Number.isInteger(session) || session < 0 || session > MAX_SESSION)
      throw new SwitchError("INVALID_ARGUMENT", `clone session id ${session} out of range 0..${MAX_SESSION}`);
    this.sessions.set(session, { ...config, replicas: config.replicas.map((r) => ({ port: r.port, instance: r.instance })) });
  }

  cloneSessionDelete(session: number): void {
    if (!this.sessions.delete(session)) throw new SwitchError("NOT_FOUND", `no clone session ${session}`);
  }

  session(session: number): CloneSessionConfig | undefined {
    return this.sessions.get(session);
  }
}
