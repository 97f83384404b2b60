/**
 * Differential test: the same LB program, the same table state (what the controller programs
 * for three live servers, written over P4Runtime) and the same packet sequence through two
 * switches, outputs compared packet by packet (which ports, which bytes). Our model against the
 * real simple_switch_grpc when it is installed; two instances of our model (one with a table
 * entry changed) check the comparison itself.
 */
import { Switch } from "../../../runtime/src/p4rt/switch.ts";
import { type Entity, insert, modify } from "../../../runtime/src/p4rt/entities.ts";
import { desiredLbState, type ServerView } from "../../../runtime/src/controller/lb_program.ts";
import { frameDiff, toHex } from "../packet/hexdump.ts";
import { type CompiledProgram, compileLbProgram } from "../system/program.ts";
import { type Injection, lbDifferentialPackets } from "./diff_packets.ts";
import { type DiffTarget, type Emitted, bmv2TargetUnavailable, startBmv2Target, startModelTarget } from "./diff_targets.ts";
import { lbControllerTopology, lbSwitchPorts } from "./topology.ts";

export interface PacketDifference {
  readonly index: number;
  readonly label: string;
  readonly ingressPort: number;
  /** "<port> <hex>" per frame emitted, sorted. */
  readonly a: readonly string[];
  readonly b: readonly string[];
  readonly detail: string;
}

export interface DifferentialReport {
  readonly a: string;
  readonly b: string;
  readonly packets: number;
  readonly identical: number;
  /** Frames each target emitted over the whole sequence (a sequence dropped entirely by both is no comparison). */
  readonly emittedA: number;
  readonly emittedB: number;
  readonly differences: readonly PacketDifference[];
}

export type DifferentialOutcome = { readonly kind: "compared"; readonly report: DifferentialReport } | { readonly kind: "skipped"; readonly reason: string };

const SERVERS = 3;
const PLAN = { prefix: "slbdf", servers: SERVERS, clients: 1 } as const;

/** The entities the controller would write for servers 1..3 all up; data-plane failure marking off (it depends on time). */
export function lbDifferentialEntities(): Entity[] {
  const topology = lbControllerTopology(PLAN, { grpcAddress: "-" }, { health: { intervalMs: 100, timeoutMs: 100, rise: 1, fall: 1 }, responseTimeoutUs: 0 });
  const servers: ServerView[] = topology.servers.map((config) => ({ config, mode: "up", generation: 1 }));
  return desiredLbState(topology, servers).entities.filter((e) => e.type !== "digest_entry");
}

/** Loads the program and writes the entities (default entries as MODIFY, the rest INSERT, in order). */
export async function programTarget(target: DiffTarget, program: CompiledProgram, entities: readonly Entity[]): Promise<void> {
  const sw = new Switch({ address: target.grpcAddress, deviceId: 0, electionId: 1, reconnect: false });
  try {
    await sw.connect();
    await sw.setPipeline({ p4info: program.pipeline.p4info, deviceConfig: program.pipeline.deviceConfig, cookie: program.pipeline.cookie });
    for (const e of entities) await sw.write([e.type === "table_entry" && e.isDefault ? modify(e) : insert(e)]);
  } finally {
    sw.close();
  }
}

function describeOutputs(outputs: readonly Emitted[]): string[] {
  return outputs.map((o) => `${o.port} ${toHex(o.frame)}`).sort();
}

function explain(a: readonly Emitted[], b: readonly Emitted[]): string {
  if (a.length === 1 && b.length === 1) {
    if (a[0]!.port !== b[0]!.port) return `egress port ${a[0]!.port} vs ${b[0]!.port}`;
    return frameDiff(a[0]!.frame, b[0]!.frame) ?? "same bytes";
  }
  const ports = (o: readonly Emitted[]): string => (o.length === 0 ? "dropped" : `${o.length} frame(s) on port(s) ${o.map((x) => x.port).join(",")}`);
  return `${ports(a)} vs ${ports(b)}`;
}

/** Sends every packet to both targets, one at a time, and compares what each emitted. */
export async function compareTargets(a: DiffTarget, b: DiffTarget, packets: readonly Injection[]): Promise<DifferentialReport> {
  const differences: PacketDifference[] = [];
  let emittedA = 0;
  let emittedB = 0;
  for (const [index, packet] of packets.entries()) {
    const outA = await a.send(packet.port, packet.frame);
    const outB = await b.send(packet.port, packet.frame);
    emittedA += outA.length;
    emittedB += outB.length;
    const textA = describeOutputs(outA);
    const textB = describeOutputs(outB);
    if (textA.join("\n") !== textB.join("\n")) {
      differences.push({ index, label: packet.label, ingressPort: packet.port, a: textA, b: textB, detail: explain(outA, outB) });
    }
  }
  return { a: a.name, b: b.name, packets: packets.length, identical: packets.length - differences.length, emittedA, emittedB, differences };
}

export interface DifferentialOptions {
  /** Rewrites entities on target B only (to check that a difference is found). */
  readonly alterB?: (e: Entity) => Entity;
  readonly packets?: readonly Injection[];
}

async function compareWith(startB: () => Promise<DiffTarget>, opts: DifferentialOptions): Promise<DifferentialReport> {
  const program = await compileLbProgram();
  const ports = lbSwitchPorts(PLAN);
  const entities = lbDifferentialEntities();
  const targets: DiffTarget[] = [];
  try {
    const a = await startModelTarget("our model", ports);
    targets.push(a);
    const b = await startB();
    targets.push(b);
    await programTarget(a, program, entities);
    await programTarget(b, program, opts.alterB ? entities.map(opts.alterB) : entities);
    return await compareTargets(a, b, opts.packets ?? lbDifferentialPackets(SERVERS));
  } finally {
    for (const t of targets) await t.close();
  }
}

/** Our model against a second instance of our model: the self-check of the comparison. */
export function runModelVsModel(opts: DifferentialOptions = {}): Promise<DifferentialReport> {
  return compareWith(() => startModelTarget("our model (second instance)", lbSwitchPorts(PLAN)), opts);
}

/** Our model against the real simple_switch_grpc; skipped (never passed) when it is not installed. */
export async function runModelVsBmv2(opts: DifferentialOptions = {}): Promise<DifferentialOutcome> {
  const reason = bmv2TargetUnavailable();
  if (reason) return { kind: "skipped", reason: `differential test against the real bmv2 skipped: ${reason}` };
  return { kind: "compared", report: await compareWith(() => startBmv2Target("real simple_switch_grpc", lbSwitchPorts(PLAN), PLAN.prefix), opts) };
}

export function formatDifferentialReport(report: DifferentialReport): string {
  const head = `${report.a} vs ${report.b}: ${report.identical}/${report.packets} packets identical (${report.emittedA} vs ${report.emittedB} frames out)`;
  return [head, ...report.differences.map((d) => `  #${d.index} ${d.label} (in on port ${d.ingressPort}): ${d.detail.split("\n")[0]}`)].join("\n");
}
