/**
 * A server's view of the pool: the membership the controller pushed (highest epoch wins) plus
 * peers this server found unresponsive itself, which are avoided for a while even before the
 * controller notices. Secondaries are picked from it by rendezvous hashing of the session id,
 * so placement is deterministic and spreads evenly without coordination.
 */
import { createHash } from "node:crypto";
import type { MemberServer } from "../wire/control.ts";
import type { ServerId, SessionId } from "../wire/session_header.ts";
import type { PeerTarget } from "./peer_link.ts";

export class MembershipView {
  private members = new Map<number, MemberServer>();
  /** Built with the membership: every replicated update asks for one. */
  private targets = new Map<number, PeerTarget>();
  private currentEpoch = 0;
  private adopted = false;
  /** Server id -> clock time until which it is treated as down. */
  private readonly suspects = new Map<number, number>();

  constructor(
    private readonly self: ServerId,
    private readonly now: () => number,
    private readonly suspectMs: number,
  ) {}

  get epoch(): number {
    return this.currentEpoch;
  }

  servers(): MemberServer[] {
    return [...this.members.values()];
  }

  /**
   * Adopts a membership if its epoch is newer (the first one is adopted whatever its epoch, so a
   * static membership at epoch 0 gives way to the controller's first push); returns whether it did.
   */
  update(epoch: number, servers: readonly MemberServer[]): boolean {
    if (this.adopted && epoch <= this.currentEpoch) return false;
    this.adopted = true;
    this.currentEpoch = epoch;
    this.members = new Map(servers.map((s) => [s.id, s]));
    this.targets = new Map(servers.map((s) => [s.id, { id: s.id as ServerId, endpoint: { ip: s.address, port: s.peerPort } }]));
    // A new epoch is the controller's fresher word on who is up.
    this.suspects.clear();
    return true;
  }

  suspect(id: number): void {
    this.suspects.set(id, this.now() + this.suspectMs);
  }

  /** A peer that just answered is not dead, whatever it looked like a moment ago. */
  heardFrom(id: number): void {
    this.suspects.delete(id);
  }

  /** The controller says it is down (a server merely suspected here is not). */
  isDown(id: number): boolean {
    return this.members.get(id)?.state === "down";
  }

  suspected(id: number): boolean {
    const until = this.suspects.get(id);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.suspects.delete(id);
    return false;
  }

  /** Holds data and answers: up or draining, and not found unresponsive lately. */
  isAlive(id: number): boolean {
    const state = this.members.get(id)?.state;
    return (state === "up" || state === "draining") && !this.suspected(id);
  }

  /** May take new sessions or copies: up and not suspected. */
  isEligible(id: number): boolean {
    return this.members.get(id)?.state === "up" && !this.suspected(id);
  }

  isDraining(id: number): boolean {
    return this.members.get(id)?.state === "draining";
  }

  /** Where to reach a member's peer port, with the id its certificate must name. */
  peerTarget(id: number): PeerTarget | undefined {
    return this.targets.get(id);
  }

  /** The eligible server (never this one, never one in `exclude`) with the highest hash score. */
  pickSecondary(sessionId: SessionId, exclude: readonly number[] = []): ServerId | undefined {
    let best: { id: number; score: bigint } | undefined;
    for (const id of this.members.keys()) {
      if (id === this.self || exclude.includes(id) || !this.isEligible(id)) continue;
      const score = rendezvousScore(sessionId, id);
      if (!best || score > best.score) best = { id, score };
    }
    return best?.id as ServerId | undefined;
  }
}

function rendezvousScore(sessionId: SessionId, serverId: number): bigint {
  const digest = createHash("sha256").update(`${sessionId}:${serverId}`).digest();
  return digest.readBigUInt64BE(0);
}
