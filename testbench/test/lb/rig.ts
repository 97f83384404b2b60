/**
 * PTF-style rig: our compiler's BMv2 JSON for p4/v1model/session_lb.p4 loaded into our switch
 * model with a fake clock; send a frame on a port, get back every frame that came out.
 */
import { fileURLToPath } from "node:url";
import test, { type ExecutionContext } from "ava";
import { createSwitch, port, type CounterValue, type Digest, type SwitchModel } from "../../../bmv2/src/dataplane/index.ts";
import { frameDiff, describeFrame } from "../../src/packet/index.ts";
import type { ServerId } from "../../../runtime/src/wire/session_header.ts";
import { compileFile } from "../../../compiler/src/index.ts";
import type { CompileResult } from "../../../compiler/src/driver/result.ts";
import { LbProgrammer, Names, type DropReason } from "./programmer.ts";

export const PROGRAM = fileURLToPath(new URL("../../../p4/v1model/session_lb.p4", import.meta.url));

export interface Emitted {
  readonly port: number;
  readonly frame: Uint8Array;
}

/** The compiled program (checked to load into our switch), or why it cannot be had (then the tests skip, never pass). */
export type CompiledProgram =
  | { readonly ok: true; readonly bmv2Json: unknown; readonly p4infoText: string }
  | { readonly ok: false; readonly reason: string };

let compiled: Promise<CompiledProgram> | undefined;

export function compileSessionLb(): Promise<CompiledProgram> {
  compiled ??= compileOnce();
  return compiled;
}

async function compileOnce(): Promise<CompiledProgram> {
  let result: CompileResult;
  try {
    result = compileFile(PROGRAM, {});
  } catch (err) {
    return { ok: false, reason: `our compiler crashed: ${(err as Error).message}` };
  }
  if (!result.ok) {
    const errors = result.diagnostics.filter((d) => d.severity === "error");
    return { ok: false, reason: `our compiler rejects the program: ${errors.map((d) => `${d.loc.file}:${d.loc.line}:${d.loc.col}: ${d.message}`).join("; ")}` };
  }
  try {
    createSwitch().loadPipeline(result.bmv2Json);
  } catch (err) {
    return { ok: false, reason: `our switch rejects our compiler's JSON: ${(err as Error).message}` };
  }
  return { ok: true, bmv2Json: result.bmv2Json, p4infoText: result.p4infoText };
}

export const START_MICROS = 1_000_000n;

export class LbRig {
  readonly digests: Digest[] = [];
  readonly program: LbProgrammer;
  private now = START_MICROS;

  constructor(
    readonly sw: SwitchModel,
    bmv2Json: unknown,
  ) {
    sw.onDigest((d) => this.digests.push(d));
    this.program = new LbProgrammer(sw.control, sessionPortsValueSet(bmv2Json));
  }

  /** Injects a frame and returns every frame the switch sent out, in order. */
  send(ingressPort: number, frame: Uint8Array): Emitted[] {
    const out: Emitted[] = [];
    const stop = this.sw.onEgress((p, f) => out.push({ port: p, frame: f.slice() }));
    try {
      this.sw.inject(port(ingressPort), frame);
    } finally {
      stop();
    }
    return out;
  }

  advance(micros: bigint): void {
    this.now += micros;
  }

  get clock(): bigint {
    return this.now;
  }

  packets(counter: string, index: number): bigint {
    return this.sw.control.counterRead(counter, index).packets;
  }

  counter(counter: string, index: number): CounterValue {
    return this.sw.control.counterRead(counter, index);
  }

  drops(reason: DropReason): bigint {
    return this.packets(Names.dropReasons, reason);
  }

  requestsTo(id: ServerId): bigint {
    return this.packets(Names.serverRequests, id);
  }

  register(name: string, index: number): bigint {
    return this.sw.control.registerRead(name, index);
  }
}

const compiledProgram = await compileSessionLb();

/**
 * Registers a packet test: runs when our compiler compiles the program, otherwise is
 * registered as skipped with the reason in its title (never counted as passed).
 */
export function lbTest(title: string, body: (t: ExecutionContext) => Promise<void>): void {
  if (compiledProgram.ok) test(title, body);
  else test.skip(`${title} [needs the compiled program: ${compiledProgram.reason.slice(0, 300)}]`, body);
}

/**
 * The BMv2 JSON name of the session_ports value set (the in-process control plane speaks JSON
 * names; P4Runtime uses the P4Info name from p4/contract.ts).
 */
function sessionPortsValueSet(bmv2Json: unknown): string {
  const sets = (bmv2Json as { parse_vsets?: { name: string }[] }).parse_vsets ?? [];
  const found = sets.find((v) => v.name === "session_ports" || v.name.endsWith(".session_ports"));
  if (!found) throw new Error(`the compiled program has no session_ports value set (parse_vsets: ${sets.map((v) => v.name).join(", ")})`);
  return found.name;
}

/** A fresh switch with the program loaded and nothing programmed. */
export async function newRig(): Promise<LbRig> {
  const program = await compileSessionLb();
  if (!program.ok) throw new Error(program.reason);
  let rig: LbRig | undefined;
  const sw = createSwitch({ clockMicros: () => rig?.clock ?? START_MICROS });
  sw.loadPipeline(program.bmv2Json);
  rig = new LbRig(sw, program.bmv2Json);
  return rig;
}

/** Asserts exactly one frame came out, on `expectedPort`, byte-equal to `expected` (with a readable diff if not). */
export function expectOne(t: ExecutionContext, out: readonly Emitted[], expectedPort: number, expected: Uint8Array): void {
  if (out.length !== 1) {
    t.fail(`expected one frame on port ${expectedPort}, got ${out.length}: ${out.map((e) => `port ${e.port}: ${describeFrame(e.frame)}`).join("; ")}`);
    return;
  }
  const [only] = out;
  t.is(only!.port, expectedPort, `frame left on port ${only!.port}: ${describeFrame(only!.frame)}`);
  const diff = frameDiff(expected, only!.frame);
  t.is(diff, undefined, diff);
}

export function expectNone(t: ExecutionContext, out: readonly Emitted[]): void {
  t.deepEqual(
    out.map((e) => `port ${e.port}: ${describeFrame(e.frame)}`),
    [],
    "expected the switch to drop the frame",
  );
}
