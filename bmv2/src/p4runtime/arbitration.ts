/**
 * Client arbitration (P4Runtime spec "Client Arbitration"), per device and
 * role: the stream with the highest election id is the primary. Behaviour
 * follows real simple_switch_grpc (conformance trace 01): every stream is told
 * when the primary changes, a newcomer that does not change it is told
 * "Is backup" (ALREADY_EXISTS) with the primary's election id, a second
 * stream with an election id already held is refused with INVALID_ARGUMENT,
 * and a backup is promoted when the primary leaves.
 */
import * as grpc from "@grpc/grpc-js";

export interface Uint128 {
  readonly high?: string | number;
  readonly low?: string | number;
}

export const toElectionId = (id: Uint128 | null | undefined): bigint =>
  id ? (BigInt(id.high ?? 0) << 64n) | BigInt(id.low ?? 0) : 0n;

export const fromElectionId = (id: bigint): { high: string; low: string } => ({
  high: (id >> 64n).toString(),
  low: (id & 0xffff_ffff_ffff_ffffn).toString(),
});

/** What the arbiter needs from a StreamChannel. */
export interface ArbitrationPeer {
  sendArbitration(update: ArbitrationUpdate): void;
}

export interface ArbitrationUpdate {
  readonly device_id: string;
  readonly role: { readonly name: string } | null;
  readonly election_id: { high: string; low: string };
  readonly status: { readonly code: number; readonly message: string; readonly details: readonly never[] };
}

interface Member {
  readonly peer: ArbitrationPeer;
  electionId: bigint;
}

/** One arbitration domain: one device, one role. */
class Election {
  readonly members: Member[] = [];
  private primaryMember: Member | undefined;

  constructor(
    readonly deviceId: bigint,
    readonly role: string,
  ) {}

  get primary(): Member | undefined {
    return this.primaryMember;
  }

  /** Election id 0 means "never primary" (spec 1.3: the controller only wants to be a backup). */
  private highest(): Member | undefined {
    let best: Member | undefined;
    for (const m of this.members) if (m.electionId > 0n && (!best || m.electionId > best.electionId)) best = m;
    return best;
  }

  private update(isPrimary: boolean): ArbitrationUpdate {
    const reported = this.primaryMember?.electionId ?? this.highestSeen();
    return {
      device_id: this.deviceId.toString(),
      role: this.role === "" ? null : { name: this.role },
      election_id: fromElectionId(isPrimary ? this.primaryMember!.electionId : reported),
      status: isPrimary
        ? { code: grpc.status.OK, message: "Is primary", details: [] }
        : { code: this.primaryMember ? grpc.status.ALREADY_EXISTS : grpc.status.NOT_FOUND, message: "Is backup", details: [] },
    };
  }

  private highestSeen(): bigint {
    return this.members.reduce((max, m) => (m.electionId > max ? m.electionId : max), 0n);
  }

  /** Recomputes the primary; tells everyone if it changed, otherwise only `newcomer`. */
  settle(newcomer: Member | undefined): void {
    const next = this.highest();
    if (next !== this.primaryMember) {
      this.primaryMember = next;
      for (const m of this.members) m.peer.sendArbitration(this.update(m === next));
    } else if (newcomer) {
      newcomer.peer.sendArbitration(this.update(newcomer === next));
    }
  }
}

export type ArbitrationResult = { readonly ok: true } | { readonly ok: false; readonly code: grpc.status; readonly message: string };

export class Arbiter {
  private readonly elections = new Map<string, Election>();
  /** The election each peer joined (a stream arbitrates for one device and role). */
  private readonly joined = new Map<ArbitrationPeer, { election: Election; member: Member }>();

  private election(deviceId: bigint, role: string): Election {
    const key = `${deviceId}/${role}`;
    let e = this.elections.get(key);
    if (!e) {
      e = new Election(deviceId, role);
      this.elections.set(key, e);
    }
    return e;
  }

  /** Handles a MasterArbitrationUpdate from a stream. */
  arbitrate(peer: ArbitrationPeer, deviceId: bigint, role: string, electionId: bigint): ArbitrationResult {
    const existing = this.joined.get(peer);
    if (existing && (existing.election.deviceId !== deviceId || existing.election.role !== role)) {
      return { ok: false, code: grpc.status.FAILED_PRECONDITION, message: "Arbitration update does not match the device / role of this stream" };
    }
    const election = existing?.election ?? this.election(deviceId, role);
    if (electionId !== 0n && election.members.some((m) => m.peer !== peer && m.electionId === electionId)) {
      return { ok: false, code: grpc.status.INVALID_ARGUMENT, message: "Election id already exists" };
    }
    if (existing) {
      if (existing.member.electionId === electionId) return { ok: true };
      existing.member.electionId = electionId;
      election.settle(existing.member);
      return { ok: true };
    }
    const member: Member = { peer, electionId };
    election.members.push(member);
    this.joined.set(peer, { election, member });
    election.settle(member);
    return { ok: true };
  }

  /** A stream ended: forget it and promote a backup if it was the primary. */
  leave(peer: ArbitrationPeer): void {
    const joined = this.joined.get(peer);
    if (!joined) return;
    this.joined.delete(peer);
    const members = joined.election.members;
    members.splice(members.indexOf(joined.member), 1);
    joined.election.settle(undefined);
  }

  isPrimaryPeer(peer: ArbitrationPeer): boolean {
    const joined = this.joined.get(peer);
    return joined !== undefined && joined.election.primary === joined.member;
  }

  /** The primary stream of a device (default role), for packet-in and digests. */
  primaryPeer(deviceId: bigint, role = ""): ArbitrationPeer | undefined {
    return this.elections.get(`${deviceId}/${role}`)?.primary?.peer;
  }

  /**
   * May a Write / SetForwardingPipelineConfig with this election id go ahead?
   * As in simple_switch_grpc (trace 09): without any stream, only a request
   * without election id passes; otherwise the id must be the primary's.
   */
  mayWrite(deviceId: bigint, role: string, electionId: bigint): boolean {
    const election = this.elections.get(`${deviceId}/${role}`);
    if (!election || election.members.length === 0) return electionId === 0n;
    return election.primary !== undefined && election.primary.electionId === electionId;
  }
}
