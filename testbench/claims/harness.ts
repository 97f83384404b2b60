/**
 * Shared steps of the claim tests: each claim element of SPEC.md is shown end to end on the
 * embedded system (the controller over P4Runtime, session servers and clients on userspace
 * host stacks behind switch ports), once per switch target: our compiler's JSON on our model
 * over UDP wires, and the real simple_switch_grpc fed over its dataplane gRPC service. What the
 * tests assert is what crossed the wires, what the switch counted and what each server holds.
 */
import test, { type ExecutionContext } from "ava";
import { findSimpleSwitchGrpc } from "../../bmv2/src/real/simple_switch.ts";
import { realCompilerAvailable } from "../../compiler/src/index.ts";
import type { CompilerChoice } from "../src/system/program.ts";
import { decodeCookie, serverId, type ServerId } from "../../runtime/src/wire/session_header.ts";
import { readSessionFrame, type SessionFrame } from "../src/system/frames.ts";
import type { LoadClient } from "../src/system/handle.ts";
import { type EmbeddedSystem, startEmbeddedSystem } from "../src/system/orchestrator.ts";

export const P = "SessionLbIngress.";

export interface ClaimTarget {
  readonly name: string;
  readonly switchTarget: "model" | "bmv2";
  readonly compiler: CompilerChoice;
  /** Why it cannot run here, or undefined. */
  readonly unavailable: () => string | undefined;
}

const bmv2Missing = (): string | undefined => (findSimpleSwitchGrpc() === undefined ? "simple_switch_grpc is not installed (not found on PATH)" : undefined);

/** Our JSON on our model and on real bmv2, and p4c's on real bmv2 (the reference for what our JSON must do there). */
export const CLAIM_TARGETS: readonly ClaimTarget[] = [
  { name: "our model, our JSON", switchTarget: "model", compiler: "builtin", unavailable: () => undefined },
  { name: "real bmv2, our JSON", switchTarget: "bmv2", compiler: "builtin", unavailable: bmv2Missing },
  {
    name: "real bmv2, p4c's JSON",
    switchTarget: "bmv2",
    compiler: "p4c",
    unavailable: () => bmv2Missing() ?? (realCompilerAvailable("bmv2") ? undefined : "p4c-bm2-ss is not installed (not found on PATH)"),
  },
];

/** Registers `title [target]` for every target, each on a fresh 4-server system; a target that cannot run here is skipped with the reason. */
export function claimTest(title: string, seed: number, body: (t: ExecutionContext, sys: EmbeddedSystem) => Promise<void>): void {
  for (const target of CLAIM_TARGETS) {
    const named = `${title} [${target.name}]`;
    const reason = target.unavailable();
    if (reason) {
      test.skip(`${named} [skipped: ${reason}]`, () => {});
      continue;
    }
    test.serial(named, async (t) => {
      const sys = await startEmbeddedSystem({ servers: 4, replication: "sync", seed, switchTarget: target.switchTarget, compiler: target.compiler });
      try {
        await body(t, sys);
        if (target.switchTarget === "bmv2") t.true((sys.stats()["bmv2.framesOut"] ?? 0) > 0, "the real switch carried the traffic");
      } finally {
        await sys.close();
      }
      t.pass();
    });
  }
}

export async function until(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await predicate())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Opens `n` sessions with `incrs` increments each; returns their ids. */
export async function sessions(client: LoadClient, n: number, incrs = 2): Promise<bigint[]> {
  const ids = Array.from({ length: n }, () => client.newSession());
  await Promise.all(ids.map(async (id) => {
    for (let i = 0; i < incrs; i++) await client.incr(id);
  }));
  return ids;
}

/** The pair the client's cookie names; secondary 0 when the session could not be replicated. */
export function pair(client: LoadClient, id: bigint): { primary: ServerId; secondary: ServerId } {
  const c = decodeCookie(client.cookieOf(id));
  return { primary: serverId(c.primary), secondary: c.secondary as ServerId };
}

/** Sessions with a live replica pair (a server under a burst of load may serve one unreplicated for a moment). */
export function replicated(client: LoadClient, ids: readonly bigint[]): bigint[] {
  return ids.filter((id) => pair(client, id).secondary !== 0);
}

/** The server that is primary of the most sessions, and those sessions. */
export function busiestPrimary(client: LoadClient, ids: readonly bigint[]): { server: ServerId; ids: bigint[] } {
  const by = new Map<ServerId, bigint[]>();
  for (const id of replicated(client, ids)) by.set(pair(client, id).primary, [...(by.get(pair(client, id).primary) ?? []), id]);
  const [server, list] = [...by].sort((a, b) => b[1].length - a[1].length)[0]!;
  return { server, ids: list };
}

export function tapSessions(link: { tap: ((d: "to-switch" | "from-switch", f: Uint8Array) => void) | undefined }, direction: "to-switch" | "from-switch"): SessionFrame[] {
  const seen: SessionFrame[] = [];
  link.tap = (d, frame) => {
    if (d !== direction) return;
    const s = readSessionFrame(frame);
    if (s) seen.push(s);
  };
  return seen;
}

export function counter(sys: EmbeddedSystem, name: string, index: number): Promise<bigint> {
  return sys.switchCounter(`${P}stats.${name}`, index);
}

/** UDP addresses and payload of a frame (peer traffic has no session header). */
export function peerDatagram(frame: Uint8Array): { dstIp: string; srcPort: number; payload: Uint8Array } | undefined {
  if (frame.length < 42 || frame[12] !== 0x08 || frame[13] !== 0x00 || frame[23] !== 17) return undefined;
  const ihl = (frame[14]! & 0x0f) * 4;
  const udp = 14 + ihl;
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  return {
    dstIp: [30, 31, 32, 33].map((i) => frame[i]).join("."),
    srcPort: view.getUint16(udp),
    payload: frame.subarray(udp + 8, 14 + view.getUint16(16)),
  };
}
