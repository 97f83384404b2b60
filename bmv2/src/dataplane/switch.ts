import {
  DROP_PORT,
  MAX_FRAME_BYTES,
  PORT_LIMIT,
  SwitchError,
  port as toPort,
  type ControlPlane,
  type Digest,
  type DigestListener,
  type EgressListener,
  type PortNumber,
  type SwitchModel,
  type SwitchOptions,
} from "./api.ts";
import { Control } from "./control.ts";
import { ReplicationEngine } from "./pre.ts";
import { loadProgram, type Program } from "./program.ts";
import { NOT_REQUESTED, PacketState } from "./state.ts";

/**
 * simple_switch: ingress (parser, verify checksums, ingress control), the
 * traffic manager (clone, digest, resubmit, multicast, unicast / drop),
 * egress (egress control, egress clone, drop, deparser with checksum update,
 * recirculate), all run to completion inside inject().
 */
const INSTANCE = { normal: 0n, ingressClone: 1n, egressClone: 2n, recirculate: 4n, replication: 5n, resubmit: 6n } as const;
/** Bound on the ingress passes (first pass, resubmits, recirculations) one injected frame may cause. */
const MAX_PASSES = 64;

class AssertionAbort extends Error {}

/** Why the switch discarded a copy of a packet (besides internal errors and failed asserts, counted on their own). */
type DropReason =
  | "pipeline_drops" // the program sent it to the drop port, or to an empty multicast group
  | "no_pipeline_drops"
  | "unknown_port_drops"
  | "oversize_drops"
  | "pass_limit_drops";

interface IngressJob {
  readonly frame: Uint8Array;
  readonly port: PortNumber;
  readonly instanceType: bigint;
  /** Field-list values carried over from the packet that caused this pass (resubmit / recirculate). */
  readonly preserved: readonly (readonly [number, bigint])[];
  /** simple_switch's packet-length register at the start of the pass. */
  readonly lengthRegister: number;
}

interface EgressJob {
  readonly s: PacketState;
  readonly port: PortNumber;
}

/** Our simple_switch: the SwitchModel contract plus what the model itself can tell. */
export interface SimpleSwitchModel extends SwitchModel {
  /** The compiled program (tests and tools inspect it), undefined before the first load. */
  readonly program: Program | undefined;
  /** The CPU port (simple_switch --cpu-port): frames leaving through it are packet-ins. */
  readonly cpuPort: PortNumber | undefined;
}

export function createSwitch(options: SwitchOptions = {}): SimpleSwitchModel {
  return new SimpleSwitch(options);
}

class SimpleSwitch implements SimpleSwitchModel {
  private prog: Program | undefined;
  private readonly pre = new ReplicationEngine();
  private readonly egressListeners = new Set<EgressListener>();
  private readonly digestListeners = new Set<DigestListener>();
  private readonly counts: Record<string, number> = {
    packets_in: 0,
    packets_out: 0,
    dropped: 0,
    parser_errors: 0,
    checksum_errors: 0,
    resubmitted: 0,
    recirculated: 0,
    cloned: 0,
    replicated: 0,
    digests: 0,
    assertion_failures: 0,
    internal_errors: 0,
    pass_limit_drops: 0,
    pipeline_drops: 0,
    no_pipeline_drops: 0,
    unknown_port_drops: 0,
    oversize_drops: 0,
  };
  private readonly dropPort: number;
  /** Configured ports (CPU port included), or undefined when every port number is one. */
  private readonly ports: ReadonlySet<number> | undefined;
  private readonly maxFrameBytes: number;
  private readonly now: () => bigint;
  private readonly log: (line: string) => void;
  readonly control: ControlPlane;

  constructor(private readonly options: SwitchOptions) {
    this.dropPort = options.dropPort ?? DROP_PORT;
    this.ports = options.ports ? new Set([...options.ports, ...(options.cpuPort === undefined ? [] : [options.cpuPort])]) : undefined;
    this.maxFrameBytes = options.maxFrameBytes ?? MAX_FRAME_BYTES;
    // performance.now() is monotonic with sub-microsecond resolution, and cheaper per packet than hrtime.bigint() arithmetic.
    const start = performance.now();
    this.now = options.clockMicros ?? (() => BigInt(Math.floor((performance.now() - start) * 1000)));
    this.log = options.log ?? (() => {});
    this.control = new Control(() => this.requireProgram(), this.pre);
  }

  get program(): Program | undefined {
    return this.prog;
  }

  get loaded(): boolean {
    return this.prog !== undefined;
  }

  /** The CPU port (simple_switch --cpu-port): frames leaving through it are packet-ins. */
  get cpuPort(): PortNumber | undefined {
    return this.options.cpuPort;
  }

  /** The loaded program, or FAILED_PRECONDITION. */
  requireProgram(): Program {
    if (!this.prog) throw new SwitchError("FAILED_PRECONDITION", "no pipeline loaded");
    return this.prog;
  }

  loadPipeline(bmv2Json: unknown): void {
    let json = bmv2Json;
    if (json instanceof Uint8Array) json = new TextDecoder().decode(json);
    if (typeof json === "string") {
      try {
        json = JSON.parse(json) as unknown;
      } catch (e) {
        throw new SwitchError("INVALID_ARGUMENT", `BMv2 JSON does not parse: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    let program: Program;
    try {
      program = loadProgram(json, {
        now: this.now,
        log: this.log,
        dropPort: this.dropPort,
        assertionFailed: (_s, where) => {
          this.counts["assertion_failures"]!++;
          this.log(`assertion failed: ${where}`);
          throw new AssertionAbort(where);
        },
      });
    } catch (e) {
      // Whatever shape the JSON had, a failed load is the caller's bad argument.
      if (e instanceof SwitchError) throw e;
      throw new SwitchError("INVALID_ARGUMENT", `malformed BMv2 JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.prog = program;
  }

  onEgress(listener: EgressListener): () => void {
    this.egressListeners.add(listener);
    return () => this.egressListeners.delete(listener);
  }

  onDigest(listener: DigestListener): () => void {
    this.digestListeners.add(listener);
    return () => this.digestListeners.delete(listener);
  }

  stats(): Readonly<Record<string, number>> {
    return { ...this.counts };
  }

  /** Whether frames can enter or leave through `p`. */
  private isPort(p: number): boolean {
    if (this.ports) return this.ports.has(p);
    if (p === this.options.cpuPort) return true;
    return Number.isInteger(p) && p >= 0 && p < PORT_LIMIT && p !== this.dropPort;
  }

  private drop(reason: DropReason, copies = 1): void {
    this.counts["dropped"]! += copies;
    this.counts[reason]! += copies;
  }

  inject(ingressPort: PortNumber, frame: Uint8Array): void {
    this.counts["packets_in"]!++;
    const prog = this.prog;
    if (!prog) return this.drop("no_pipeline_drops");
    if (!this.isPort(ingressPort)) return this.drop("unknown_port_drops");
    if (frame.length > this.maxFrameBytes) return this.drop("oversize_drops");
    const ingressQueue: IngressJob[] = [
      { frame, port: ingressPort, instanceType: INSTANCE.normal, preserved: [], lengthRegister: frame.length },
    ];
    const egressQueue: EgressJob[] = [];
    let ingressPasses = 0;
    // Heads of the two queues (indices rather than shift(): the common packet makes one pass of each).
    let ingressHead = 0;
    let egressHead = 0;
    while (ingressHead < ingressQueue.length || egressHead < egressQueue.length) {
      const egressPending = egressHead < egressQueue.length;
      // Replicas are bounded by the groups; only resubmit / recirculate loops need a cap.
      if (!egressPending && ++ingressPasses > MAX_PASSES) {
        this.drop("pass_limit_drops", ingressQueue.length - ingressHead);
        break;
      }
      try {
        if (egressPending) this.egress(prog, egressQueue[egressHead++]!, ingressQueue, egressQueue);
        else this.ingress(prog, ingressQueue[ingressHead++]!, ingressQueue, egressQueue);
      } catch (e) {
        if (!(e instanceof AssertionAbort)) {
          this.counts["internal_errors"]!++;
          this.log(`internal error: ${e instanceof Error ? e.message : String(e)}`);
        }
        this.counts["dropped"]!++;
      }
    }
  }

  /** Runs the parser and checksum verification on a PHV whose metadata is already set. */
  private parse(prog: Program, s: PacketState, counted = true): void {
    const std = prog.std;
    const error = prog.parser.run(s);
    if (error !== 0 && counted) this.counts["parser_errors"]!++;
    std.setNumber(s, std.at.parser_error, error);
    for (const c of prog.checksums) {
      if (!c.verify || !c.condition(s)) continue;
      if (c.calc.hash(s) !== BigInt.asUintN(c.target.width, c.target.read(s))) {
        std.set(s, std.at.checksum_error, 1n);
        if (counted) this.counts["checksum_errors"]!++;
      }
    }
  }

  /**
   * A fresh PHV for a frame entering ingress. A frame from a port gets the
   * intrinsic metadata simple_switch sets on receive; a resubmitted or
   * recirculated one starts from zeroed metadata plus its field list.
   */
  private ingressState(prog: Program, job: IngressJob): PacketState {
    const s = new PacketState(prog.layout, job.frame);
    const std = prog.std;
    if (job.instanceType === INSTANCE.normal) {
      std.setNumber(s, std.at.ingress_port, job.port);
      std.set(s, std.at.ingress_global_timestamp, this.now());
    }
    if (job.instanceType !== INSTANCE.resubmit) std.setNumber(s, std.at.packet_length, job.frame.length);
    for (const [slot, v] of job.preserved) prog.layout.write(s, slot, v);
    std.set(s, std.at.instance_type, job.instanceType);
    s.ingressLength = job.frame.length;
    s.lengthRegister = job.lengthRegister;
    this.parse(prog, s);
    return s;
  }

  private preserve(prog: Program, s: PacketState, fieldList: number): (readonly [number, bigint])[] {
    const slots = prog.fieldLists.get(fieldList);
    return slots ? slots.map((slot) => [slot, prog.layout.read(s, slot)] as const) : [];
  }

  /** Zeroes every metadata header (simple_switch's reset_metadata). */
  private resetMetadata(prog: Program, s: PacketState): void {
    for (const h of prog.metadataSlots) {
      s.f[h] = 0n;
      s.n[h] = 0;
    }
  }

  private ingress(prog: Program, job: IngressJob, ingressQueue: IngressJob[], egressQueue: EgressJob[]): void {
    const s = this.ingressState(prog, job);
    const std = prog.std;
    const ingressLengthRegister = s.lengthRegister;
    prog.ingress.run(s);
    s.exit = false;

    if (s.cloneSession > 0) {
      const session = this.pre.session(s.cloneSession - 1);
      if (session) {
        // An ingress clone is the frame as it arrived, parsed again; of the metadata only the field list survives.
        const preserved = this.preserve(prog, s, s.cloneFieldList);
        for (const r of session.replicas) {
          const c = new PacketState(prog.layout, job.frame);
          c.ingressLength = job.frame.length;
          c.lengthRegister = ingressLengthRegister;
          this.parse(prog, c, false);
          this.resetMetadata(prog, c);
          for (const [slot, v] of preserved) prog.layout.write(c, slot, v);
          std.set(c, std.at.instance_type, INSTANCE.ingressClone);
          std.setNumber(c, std.at.egress_rid, r.instance);
          c.truncateTo = session.packetLengthBytes ?? 0;
          egressQueue.push({ s: c, port: r.port });
          this.counts["cloned"]!++;
        }
      }
    }
    if (s.digestList >= 0) this.emitDigest(prog, s);
    if (s.resubmitFieldList !== NOT_REQUESTED) {
      this.counts["resubmitted"]!++;
      ingressQueue.push({
        frame: job.frame,
        port: job.port,
        instanceType: INSTANCE.resubmit,
        preserved: this.preserve(prog, s, s.resubmitFieldList),
        lengthRegister: 0,
      });
      return;
    }
    const mgid = std.getNumber(s, std.at.mcast_grp);
    if (mgid !== 0) {
      std.set(s, std.at.instance_type, INSTANCE.replication);
      const replicas = this.pre.group(mgid) ?? [];
      for (const r of replicas) {
        std.setNumber(s, std.at.egress_rid, r.instance);
        // Replicas start with simple_switch's per-packet registers cleared (no pending recirculate).
        const c = s.copy(prog.layout);
        egressQueue.push({ s: c, port: r.port });
        this.counts["replicated"]!++;
      }
      if (replicas.length === 0) this.drop("pipeline_drops");
      return;
    }
    const egressSpec = std.getNumber(s, std.at.egress_spec);
    if (egressSpec === this.dropPort) return this.drop("pipeline_drops");
    std.set(s, std.at.instance_type, INSTANCE.normal);
    egressQueue.push({ s, port: toPort(egressSpec) });
  }

  private egress(prog: Program, job: EgressJob, ingressQueue: IngressJob[], egressQueue: EgressJob[]): void {
    const s = job.s;
    const std = prog.std;
    std.set(s, std.at.egress_global_timestamp, this.now());
    std.setNumber(s, std.at.egress_port, job.port);
    std.set(s, std.at.egress_spec, 0n);
    std.setNumber(s, std.at.packet_length, s.lengthRegister);
    s.cloneSession = 0;
    prog.egress.run(s);
    s.exit = false;

    if (s.cloneSession > 0) {
      const session = this.pre.session(s.cloneSession - 1);
      if (session) {
        // An egress clone keeps the headers as egress left them; metadata starts over.
        const preserved = this.preserve(prog, s, s.cloneFieldList);
        for (const r of session.replicas) {
          const c = s.copy(prog.layout);
          this.resetMetadata(prog, c);
          for (const [slot, v] of preserved) prog.layout.write(c, slot, v);
          std.set(c, std.at.instance_type, INSTANCE.egressClone);
          std.setNumber(c, std.at.egress_rid, r.instance);
          c.lengthRegister = 0;
          c.truncateTo = session.packetLengthBytes ?? 0;
          egressQueue.push({ s: c, port: r.port });
          this.counts["cloned"]!++;
        }
      }
    }
    if (std.getNumber(s, std.at.egress_spec) === this.dropPort) return this.drop("pipeline_drops");
    for (const c of prog.checksums) if (c.update && c.condition(s)) c.target.write(s, c.calc.hash(s));
    let out = prog.deparser.emit(s);
    if (s.truncateTo > 0 && out.length > s.truncateTo) out = out.slice(0, s.truncateTo);
    if (s.recirculateFieldList !== NOT_REQUESTED) {
      this.counts["recirculated"]!++;
      ingressQueue.push({
        frame: out,
        port: job.port,
        instanceType: INSTANCE.recirculate,
        preserved: this.preserve(prog, s, s.recirculateFieldList),
        lengthRegister: out.length,
      });
      return;
    }
    if (!this.isPort(job.port)) return this.drop("unknown_port_drops");
    if (out.length > this.maxFrameBytes) return this.drop("oversize_drops");
    this.counts["packets_out"]!++;
    for (const l of this.egressListeners) {
      try {
        l(job.port, out);
      } catch (e) {
        this.log(`egress listener failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  private emitDigest(prog: Program, s: PacketState): void {
    const list = prog.learnLists.get(s.digestList);
    if (!list) return;
    const digest: Digest = { name: list.name, values: list.fields.map((f) => f(s)) };
    this.counts["digests"]!++;
    for (const l of this.digestListeners) {
      try {
        l(digest);
      } catch (e) {
        this.log(`digest listener failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
}
