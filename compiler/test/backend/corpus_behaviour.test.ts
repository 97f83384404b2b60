/**
 * Behaviour, not only structure: for a sample of p4c-corpus programs (which have no STF tests of
 * their own), the same packets go through the real simple_switch loaded with p4c's JSON and
 * with ours; every port must send out the same packets, byte for byte, in the same order.
 * Tables stay empty, so this exercises parsers, default actions, control flow and deparsers.
 */
import test from "ava";
import { join } from "node:path";
import { conformanceDir, p4cCorpusCases } from "../../../testbench/src/conformance.ts";
import { bmv2StfUnavailable, runStfOnBmv2 } from "../../../testbench/src/stf/bmv2.ts";
import { compileFile, compileWithRealP4c, realCompilerAvailable } from "../../src/index.ts";
import { knownBackEndRejects, knownFrontEndRejects } from "./corpus_baseline.ts";

const base = conformanceDir();
const corpus = base ? join(base, "p4c-corpus") : undefined;
const accepted = p4cCorpusCases()
  .filter((c) => c.kind === "v1model" && c.verdict === "accept")
  .map((c) => c.name);

/** A fixed pseudo-random sequence (xorshift32), so that every run sends the same packets. */
function generator(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** Ethernet frames with common and random EtherTypes, IPv4 headers with common protocols, random payloads. */
function packets(count: number, seed: number): string[] {
  const next = generator(seed);
  const byte = (): number => next() & 0xff;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = Array.from({ length: 12 }, byte);
    const etherType = [0x0800, 0x0800, 0x86dd, 0x0806, 0x8100, next() & 0xffff][next() % 6]!;
    bytes.push(etherType >> 8, etherType & 0xff);
    if (etherType === 0x0800) {
      const protocol = [6, 17, 1, byte()][next() % 4]!;
      bytes.push(0x45, byte(), 0, 40 + (next() % 40), byte(), byte(), 0, 0, 1 + (next() % 64), protocol, byte(), byte(), ...Array.from({ length: 8 }, byte));
    }
    const payload = next() % 48;
    for (let j = 0; j < payload; j++) bytes.push(byte());
    out.push(Buffer.from(bytes).toString("hex"));
  }
  return out;
}

const why = accepted.length === 0 ? "p4c-corpus not found" : !realCompilerAvailable("bmv2") ? "p4c-bm2-ss not installed" : bmv2StfUnavailable();
if (why) {
  test.skip(`p4c-corpus: same packets out of real bmv2 with p4c's JSON and ours (skipped: ${why})`, () => {});
} else {
  // Every fifth program: the sample changes only with the corpus.
  const sample = accepted.filter((_, i) => i % 5 === 2);
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work);
    queue = run.catch(() => undefined);
    return run;
  };
  for (const name of sample) {
    test(`p4c-corpus behaviour on real bmv2: ${name}`, async (t) => {
      const file = join(corpus!, "v1model", `${name}.p4`);
      // Compiling inside the queue keeps it from stalling another test's switch run.
      const compiled = await serial(async () => ({ ours: compileFile(file), real: compileWithRealP4c(file) }));
      const { ours, real } = compiled;
      if (!ours.ok) {
        t.log(`our compiler rejects it: ${ours.diagnostics.find((d) => d.severity === "error")?.message}`);
        t.true(knownBackEndRejects.has(name) || knownFrontEndRejects.has(name), "a known gap");
        return;
      }
      if (!real.ok) return t.fail(`real p4c rejects ${name}`);
      const stf = packets(24, name.length * 7919).map((p) => `packet 0 ${p}`).join("\n");
      // Failures other than "port N sent packets" (no expect lines here) mean the run did not
      // complete, e.g. a program that resubmits forever: then ours must not complete either.
      const incomplete = (failures: readonly string[]) => failures.some((f) => !f.startsWith("port"));
      // Whether a program that loops (resubmit, recirculate) ever falls quiet depends on the
      // switch's queues, so on a loaded machine one run of a pair may settle and the other not:
      // such a pair is run again, a few times. A JSON that really differs disagrees every time.
      let fromReal = await serial(() => runStfOnBmv2(stf, real.bmv2Json));
      let fromOurs = await serial(() => runStfOnBmv2(stf, ours.bmv2Json));
      for (let again = 0; again < 2 && incomplete(fromReal.failures) !== incomplete(fromOurs.failures); again++) {
        t.log(`one run of the pair did not settle; running both again`);
        fromReal = await serial(() => runStfOnBmv2(stf, real.bmv2Json));
        fromOurs = await serial(() => runStfOnBmv2(stf, ours.bmv2Json));
      }
      if (fromReal.failures.some((f) => f.includes("exited at start"))) {
        // p4c's own output that bmv2 refuses (issue3374): nothing to compare; ours must run.
        t.log(`simple_switch refuses p4c's JSON: ${fromReal.failures[0]!.split("\n")[0]}`);
        t.false(incomplete(fromOurs.failures), fromOurs.failures.join("\n"));
        return;
      }
      if (incomplete(fromReal.failures)) {
        t.log(`with p4c's JSON the run does not complete: ${fromReal.failures[0]!.split("\n")[0]}`);
        t.true(incomplete(fromOurs.failures), "with our JSON the run completes, with p4c's it does not");
        return;
      }
      t.deepEqual(fromOurs.failures.filter((f) => !f.startsWith("port")), [], "our JSON runs");
      const hex = (m: ReadonlyMap<number, readonly Uint8Array[]>) =>
        Object.fromEntries([...m].sort(([a], [b]) => a - b).map(([port, list]) => [port, list.map((p) => Buffer.from(p).toString("hex"))]));
      t.deepEqual(hex(fromOurs.received), hex(fromReal.received));
      t.log(`${fromReal.packetsSent} packets in, ${fromReal.packetsReceived} out`);
    });
  }
}
