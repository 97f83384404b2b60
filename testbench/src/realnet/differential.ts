/**
 * Differential test: the LB program, the same table states (what the controller programs, over
 * P4Runtime, phase by phase: diff_script.ts) and the same generated packets (diff_packets.ts)
 * through our switch model and another switch (the real simple_switch_grpc, or a second model
 * to check the comparison itself). Compared: every frame sent out (port and bytes), every
 * counter cell after each phase, and the servers named by the failure digests.
 */
import { Switch } from "../../../runtime/src/p4rt/switch.ts";
import { counterEntry, type Entity, insert } from "../../../runtime/src/p4rt/entities.ts";
import { desiredLbState, LB_NAMES, LB_SCOPE, type ServerView } from "../../../runtime/src/controller/lb_program.ts";
import { applyPlan, planReconcile, readOwnedState } from "../../../runtime/src/controller/reconcile.ts";
import { makePipeline, type Pipeline } from "../../../runtime/src/controller/pipeline.ts";
import { parseP4Info } from "../../../runtime/src/p4rt/p4info.ts";
import { compileWithRealP4c, realCompilerAvailable } from "../../../compiler/src/index.ts";
import { LB_PROGRAM, compileLbProgram } from "../system/program.ts";
import { Prng } from "../scenario/prng.ts";
import { CASE_KINDS, type CaseKind, type Injection, PacketFactory, type PhaseView, barrierPacket, phasePackets } from "./diff_packets.ts";
import { FrameLedger, type PacketDifference } from "./diff_compare.ts";
import { DIFF_PHASES, DIFF_SERVERS, type DiffPhase } from "./diff_script.ts";
import { type ReferenceTarget, type StreamTarget, bmv2TargetUnavailable, startBmv2Stream, startModelReference, startModelStream } from "./diff_targets.ts";
import { lbControllerTopology } from "./topology.ts";

export type { PacketDifference } from "./diff_compare.ts";

/** Which compiler's BMv2 JSON (and P4Info) a switch runs. */
export type ProgramSource = "ours" | "p4c";

export interface CounterDifference {
  readonly phase: string;
  /** "<counter>[<index>]". */
  readonly cell: string;
  readonly reference: string;
  readonly compared: string;
}

export interface DifferentialReport {
  readonly reference: string;
  readonly compared: string;
  readonly packets: number;
  readonly seed: number;
  /** Packets per case kind, and how many of them differed. */
  readonly cases: ReadonlyMap<CaseKind, { readonly packets: number; readonly differing: number }>;
  readonly phases: readonly { readonly name: string; readonly packets: number }[];
  readonly framesOut: number;
  readonly differences: readonly PacketDifference[];
  readonly counterCells: number;
  readonly counterDifferences: readonly CounterDifference[];
  readonly digests: { readonly reference: readonly number[]; readonly compared: readonly number[] };
  readonly seconds: number;
}

export type DifferentialOutcome =
  | { readonly kind: "compared"; readonly report: DifferentialReport }
  | { readonly kind: "skipped"; readonly reason: string }
  /** The compared switch would not take the program or its table state: what it said. */
  | { readonly kind: "refused"; readonly compared: string; readonly message: string };

export interface DifferentialOptions {
  readonly packets?: number;
  readonly seed?: number;
  /** Program of the reference (our model); default ours. */
  readonly referenceProgram?: ProgramSource;
  /** Program of the compared switch; default ours. */
  readonly comparedProgram?: ProgramSource;
  /** Rewrites entities on the compared switch only (to check that a difference is found). */
  readonly alterCompared?: (e: Entity) => Entity;
  readonly progress?: (line: string) => void;
}

export const DEFAULT_PACKETS = 10_000;
export const DEFAULT_SEED = 11;
const BATCH = 200;
/** How long the compared switch may stay silent while frames of a batch, or of one packet, are still owed. */
const BATCH_STALL_MS = 2000;
const PACKET_STALL_MS = 250;
const PLAN = { prefix: "slbdf", servers: DIFF_SERVERS, clients: 1, mgmtSubnet: "none" } as const;

export class RefusedError extends Error {}

/** The digest is configured once, by INSERT: real bmv2 cannot read a digest configuration back. */
const TABLES_ONLY = { ...LB_SCOPE, digests: [] };

export async function loadProgram(source: ProgramSource): Promise<Pipeline> {
  if (source === "ours") return (await compileLbProgram()).pipeline;
  const out = compileWithRealP4c(LB_PROGRAM, { target: "bmv2" });
  if (!out.ok) throw new Error(`real p4c rejected ${LB_PROGRAM}: ${out.diagnostics.map((d) => d.message).join("; ")}`);
  return makePipeline(parseP4Info(out.p4infoText), JSON.stringify(out.bmv2Json));
}

/** A P4Runtime session to one switch that stays open for the whole run (it receives the digests). */
class Programmer {
  readonly digestServers: number[] = [];
  private first = true;

  private constructor(readonly sw: Switch) {
    sw.on("event", (e: { kind: string; data?: readonly Record<string, bigint>[] }) => {
      if (e.kind === "digest") for (const d of e.data ?? []) this.digestServers.push(Number(d["server_id"] ?? -1n));
    });
  }

  static async open(address: string, pipeline: Pipeline): Promise<Programmer> {
    const sw = new Switch({ address, deviceId: 0, electionId: 1, reconnect: false });
    await sw.connect();
    await sw.setPipeline({ p4info: pipeline.p4info, deviceConfig: pipeline.deviceConfig, cookie: pipeline.cookie });
    return new Programmer(sw);
  }

  /** Brings the switch to the phase's desired state the way the controller does (read, minimal diff, write). */
  async apply(phase: DiffPhase, alter?: (e: Entity) => Entity): Promise<void> {
    const topology = lbControllerTopology(PLAN, [{ address: "-", deviceId: 0 }], { health: { intervalMs: 100, timeoutMs: 100, rise: 1, fall: 1 }, responseTimeoutUs: phase.timeoutUs });
    const servers: ServerView[] = topology.servers.map((config, i) => ({ config, ...phase.servers[i]! }));
    const desired = desiredLbState(topology, servers);
    const wanted = alter ? { entities: desired.entities.map(alter) } : desired;
    const current = await readOwnedState(this.sw, TABLES_ONLY);
    await applyPlan(this.sw, planReconcile(this.sw.schema, { entities: wanted.entities.filter((e) => e.type !== "digest_entry") }, current));
    if (this.first) await this.sw.write(wanted.entities.filter((e) => e.type === "digest_entry").map(insert));
    this.first = false;
  }

  /**
   * Counter cells that are not zero. The per-server arrays have 65536 cells: after a phase only
   * the indexes a server id of the run can take are read; `everyCell` reads them all.
   */
  async counters(everyCell: boolean): Promise<Map<string, string>> {
    const perServer = [LB_NAMES.serverRequests, LB_NAMES.serverResponses, LB_NAMES.serverFailovers, LB_NAMES.serverMarkedDown];
    const serverIndexes = Array.from({ length: DIFF_SERVERS + 2 }, (_, i) => i);
    const queries = [
      ...perServer.flatMap((name) => (everyCell ? [counterEntry(name)] : serverIndexes.map((i) => counterEntry(name, i)))),
      counterEntry(LB_NAMES.dropReasons),
      counterEntry(LB_NAMES.events),
    ];
    const cells = new Map<string, string>();
    // One array per Read when every cell is asked for: 65536 cells are over 1 MB, four over gRPC's 4 MB limit.
    const answers = everyCell ? (await Promise.all(queries.map((q) => this.sw.readAll(q)))).flat() : await this.sw.readAll(queries);
    for (const e of answers) {
      if (e.type !== "counter_entry" || !e.data || (e.data.packets === 0n && e.data.bytes === 0n)) continue;
      cells.set(`${e.counter}[${e.index ?? 0}]`, `${e.data.packets} packets, ${e.data.bytes} bytes`);
    }
    return cells;
  }

  close(): void {
    this.sw.close();
  }
}

/** Writes failing on the compared switch are its refusal, with what its log says. */
async function onCompared<T>(target: StreamTarget, what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    await new Promise((r) => setTimeout(r, 200)); // let the switch's log catch up
    const log = target.errorLog();
    throw new RefusedError(`${what}: ${(err as Error).message}${log.length > 0 ? `\n${target.name} logged:\n  ${log.slice(0, 12).join("\n  ")}` : ""}`);
  }
}

function viewOf(phase: DiffPhase, markedDown: ReadonlySet<number>): PhaseView {
  const live = new Set(phase.servers.flatMap((s, i) => (s.mode === "up" ? [i + 1] : [])));
  return { servers: DIFF_SERVERS, live, detection: phase.timeoutUs > 0 && phase.pacing === "one at a time", markedDown };
}

/**
 * Sends packets to both switches, then waits until the compared one has sent as many frames for
 * them as the reference did, or has been silent for `stallMs` (then it dropped what the
 * reference sent: the ledger reports that).
 */
async function sendAndWait(ledger: FrameLedger, send: () => void, stallMs: number): Promise<void> {
  const before = ledger.frameCounts;
  send();
  const owed = (): number => ledger.frameCounts.expected - before.expected - (ledger.frameCounts.received - before.received);
  while (owed() > 0 && ledger.quietMs < stallMs) await new Promise((r) => setTimeout(r, 1));
}

/** Runs the whole script against a reference and a compared switch, both freshly started. */
async function compare(reference: ReferenceTarget, compared: StreamTarget, opts: DifferentialOptions): Promise<DifferentialReport> {
  const started = performance.now();
  const total = opts.packets ?? DEFAULT_PACKETS;
  const seed = opts.seed ?? DEFAULT_SEED;
  const progress = opts.progress ?? (() => {});
  const rng = new Prng(seed);
  const factory = new PacketFactory(rng);
  const ledger = new FrameLedger();
  const stopFrames = compared.onFrame((e) => ledger.receive(e));
  const kinds = new Map<number, CaseKind>();
  const refProgrammer = await Programmer.open(reference.grpcAddress, await loadProgram(opts.referenceProgram ?? "ours"));
  const comparedPipeline = await loadProgram(opts.comparedProgram ?? "ours");
  const cmpProgrammer = await onCompared(compared, "loading the program", () => Programmer.open(compared.grpcAddress, comparedPipeline));
  const counterDifferences: CounterDifference[] = [];
  const phases: { name: string; packets: number }[] = [];
  let counterCells = 0;
  let barriers = 0;
  let framesOut = 0;
  const markedDown = new Set<number>();
  try {
    for (const [p, phase] of DIFF_PHASES.entries()) {
      await refProgrammer.apply(phase);
      await onCompared(compared, `programming phase "${phase.name}"`, () => cmpProgrammer.apply(phase, opts.alterCompared));
      for (const [i, s] of phase.servers.entries()) if (p > 0 && s.generation !== DIFF_PHASES[p - 1]!.servers[i]!.generation) markedDown.delete(i + 1);
      const count = p === DIFF_PHASES.length - 1 ? Math.max(0, total - ledger.packetCount) : Math.round(total * phase.share);
      const packets = phasePackets(factory, rng, viewOf(phase, markedDown), count);
      const digestsBefore = refProgrammer.digestServers.length;
      const send = (packet: Injection): number => {
        const { outputs, digests } = reference.inject(packet.port, packet.frame);
        const kind: CaseKind = digests > 0 && packet.kind === "known session, data-plane detection on" ? "primary marked down by the data plane (digest)" : packet.kind;
        const index = ledger.expect({ ...packet, kind }, outputs);
        kinds.set(index, kind);
        framesOut += outputs.length;
        compared.submit(packet.port, packet.frame);
        return outputs.length;
      };
      if (phase.pacing === "one at a time") {
        for (const packet of packets) {
          // Each packet waits for the previous one's output (or 1 ms if it had none) so that their timestamps differ by more than the 1 µs timeout.
          let frames = 0;
          await sendAndWait(ledger, () => (frames = send(packet)), PACKET_STALL_MS);
          if (frames === 0) await new Promise((r) => setTimeout(r, 1));
        }
      } else {
        for (let i = 0; i < packets.length; i += BATCH) {
          await sendAndWait(
            ledger,
            () => {
              for (const packet of packets.slice(i, i + BATCH)) send(packet);
              send(barrierPacket(factory, DIFF_SERVERS, barriers++));
            },
            BATCH_STALL_MS,
          );
        }
      }
      // Every packet of the phase has left both switches' ingress before counters are read.
      await sendAndWait(ledger, () => send(barrierPacket(factory, DIFF_SERVERS, barriers++)), BATCH_STALL_MS);
      for (const server of refProgrammer.digestServers.slice(digestsBefore)) markedDown.add(server);
      const lastPhase = p === DIFF_PHASES.length - 1;
      const [a, b] = [await refProgrammer.counters(lastPhase), await cmpProgrammer.counters(lastPhase)];
      for (const cell of new Set([...a.keys(), ...b.keys()])) {
        counterCells++;
        if (a.get(cell) !== b.get(cell)) counterDifferences.push({ phase: phase.name, cell, reference: a.get(cell) ?? "0", compared: b.get(cell) ?? "0" });
      }
      phases.push({ name: phase.name, packets: packets.length });
      progress(`phase ${p + 1}/${DIFF_PHASES.length} "${phase.name}": ${packets.length} packets, ${ledger.packetCount} sent so far, ${ledger.differences().length} differing`);
    }
    // Anything the compared switch sends late is still caught.
    await new Promise((r) => setTimeout(r, 300));
    const deadline = performance.now() + 2000;
    while (cmpProgrammer.digestServers.length < refProgrammer.digestServers.length && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  } finally {
    stopFrames();
    refProgrammer.close();
    cmpProgrammer.close();
  }
  const differences = ledger.differences();
  const differing = new Set(differences.map((d) => d.index));
  const cases = new Map<CaseKind, { packets: number; differing: number }>();
  for (const [index, kind] of kinds) {
    const row = cases.get(kind) ?? { packets: 0, differing: 0 };
    cases.set(kind, { packets: row.packets + 1, differing: row.differing + (differing.has(index) ? 1 : 0) });
  }
  return {
    reference: reference.name,
    compared: compared.name,
    packets: ledger.packetCount,
    seed,
    cases,
    phases,
    framesOut,
    differences,
    counterCells,
    counterDifferences,
    digests: { reference: [...refProgrammer.digestServers].sort((x, y) => x - y), compared: [...cmpProgrammer.digestServers].sort((x, y) => x - y) },
    seconds: (performance.now() - started) / 1000,
  };
}

async function withTargets(startCompared: () => Promise<StreamTarget>, opts: DifferentialOptions): Promise<DifferentialReport> {
  const reference = await startModelReference(`our model (${opts.referenceProgram ?? "ours"} JSON)`);
  try {
    const compared = await startCompared();
    try {
      return await compare(reference, compared, opts);
    } finally {
      await compared.close();
    }
  } finally {
    await reference.close();
  }
}

/** Our model against a second instance of our model: the self-check of the comparison. */
export function runModelVsModel(opts: DifferentialOptions = {}): Promise<DifferentialReport> {
  return withTargets(() => startModelStream(`our model, second instance (${opts.comparedProgram ?? "ours"} JSON)`), opts);
}

/** Why the compared program cannot be had here (p4c missing), or undefined. */
function programUnavailable(source: ProgramSource | undefined): string | undefined {
  return source === "p4c" && !realCompilerAvailable("bmv2") ? "p4c-bm2-ss is not installed (not found on PATH)" : undefined;
}

/** Our model against the real simple_switch_grpc; skipped (never passed) when it is not installed. */
export async function runModelVsBmv2(opts: DifferentialOptions = {}): Promise<DifferentialOutcome> {
  const reason = bmv2TargetUnavailable() ?? programUnavailable(opts.comparedProgram) ?? programUnavailable(opts.referenceProgram);
  if (reason) return { kind: "skipped", reason: `differential test against the real bmv2 skipped: ${reason}` };
  const name = `real simple_switch_grpc (${opts.comparedProgram ?? "ours"} JSON)`;
  try {
    return { kind: "compared", report: await withTargets(() => startBmv2Stream(name), opts) };
  } catch (err) {
    if (err instanceof RefusedError) return { kind: "refused", compared: name, message: err.message };
    throw err;
  }
}

/** The verdict: no frame, counter or digest differs. */
export function identical(report: DifferentialReport): boolean {
  return report.differences.length === 0 && report.counterDifferences.length === 0 && report.digests.reference.join() === report.digests.compared.join();
}

export function formatDifferentialReport(report: DifferentialReport, maxListed = 20): string {
  const width = Math.max(...CASE_KINDS.map((k) => k.length));
  const lines = [
    `${report.reference} vs ${report.compared}: ${report.packets} packets (seed ${report.seed}) in ${report.seconds.toFixed(1)} s, ${report.framesOut} frames out`,
    `  ${"case".padEnd(width)}  packets  differing`,
  ];
  for (const kind of CASE_KINDS) {
    const row = report.cases.get(kind);
    if (row) lines.push(`  ${kind.padEnd(width)}  ${String(row.packets).padStart(7)}  ${String(row.differing).padStart(9)}`);
  }
  lines.push(`  phases: ${report.phases.map((p) => `${p.name} (${p.packets})`).join("; ")}`);
  lines.push(`  frames: ${report.packets - report.differences.length}/${report.packets} packets identical (egress port and bytes)`);
  lines.push(`  counters: ${report.counterCells} non-zero cells compared after the phases (every cell after the last), ${report.counterDifferences.length} differ`);
  lines.push(`  digests (server marked down): ${report.digests.reference.length} vs ${report.digests.compared.length}${report.digests.reference.join() === report.digests.compared.join() ? ", same servers" : `: [${report.digests.reference.join(",")}] vs [${report.digests.compared.join(",")}]`}`);
  for (const d of report.differences.slice(0, maxListed)) lines.push(`  #${d.index} ${d.kind}: ${d.label} (in on port ${d.ingressPort}): ${d.detail.split("\n")[0]}`);
  for (const c of report.counterDifferences.slice(0, maxListed)) lines.push(`  counter ${c.cell} after "${c.phase}": ${c.reference} vs ${c.compared}`);
  if (report.differences.length > maxListed) lines.push(`  ... ${report.differences.length - maxListed} more differing packets`);
  lines.push(identical(report) ? "  no differences" : "  DIFFERENCES FOUND");
  return lines.join("\n");
}
