/**
 * P4Runtime write rate: route inserts (ipv4_lpm /32 entries) one update per Write, then
 * batches of inserts each followed by the batch of their deletes, on a fresh switch with the LB pipeline and no controller. Both switches run as
 * their own process (ours through `slb switch`), so the client's encoding does not share a
 * core with the server, and both get the same uncounted warm-up of inserts and deletes.
 */
import { Switch } from "../../../runtime/src/p4rt/switch.ts";
import { action, insert, tableEntry, type Update } from "../../../runtime/src/p4rt/entities.ts";
import { compileLbProgram } from "../system/program.ts";
import { type BenchOutcome, type Measurement, measured } from "./report.ts";
import type { Pipeline } from "../../../runtime/src/controller/pipeline.ts";
import { bmv2TargetUnavailable, startBmv2Stream } from "../realnet/diff_targets.ts";
import { loadProgram } from "../realnet/differential.ts";
import { startModelSwitchProcess } from "../realnet/model_switch_process.ts";
import { realCompilerAvailable } from "../../../compiler/src/index.ts";

const ROUTE_TABLE = "SessionLbIngress.forwarding.ipv4_lpm";
const ROUTE_ACTION = "SessionLbIngress.forwarding.route";

function routeInsert(i: number): Update {
  const ip = `172.${16 + ((i >> 16) & 0x0f)}.${(i >> 8) & 0xff}.${i & 0xff}`;
  return insert(tableEntry(ROUTE_TABLE, { match: { "hdr.ipv4.dst_addr": `${ip}/32` }, action: action(ROUTE_ACTION, { port: 1, src_mac: 0x0200000000fen, dst_mac: 0x020000000001n }) }));
}

interface WriteRates {
  readonly single: number;
  readonly batched: number;
}

const WARMUP_ROUNDS = 20;

/** Pushes the pipeline to the switch at `address`, warms both ends up, then times route inserts one per Write and in batches. */
async function measureWrites(address: string, pipeline: Pipeline, singles: number, batches: number, batchSize: number): Promise<WriteRates> {
  const sw = new Switch({ address, electionId: 1n, p4info: pipeline.p4info, reconnect: false });
  try {
    await sw.connect(10_000);
    await sw.setPipeline({ p4info: pipeline.p4info, deviceConfig: pipeline.deviceConfig, cookie: pipeline.cookie });
    for (let round = 0; round < WARMUP_ROUNDS; round++) {
      const updates = Array.from({ length: batchSize }, (_, i) => routeInsert(i));
      await sw.write(updates);
      await sw.write(updates.map((u) => ({ ...u, type: "DELETE" as const })));
      await sw.write([updates[0]!]);
      await sw.write([{ ...updates[0]!, type: "DELETE" }]);
    }
    let next = 0;
    let started = performance.now();
    for (let i = 0; i < singles; i++) await sw.write([routeInsert(next++)]);
    const single = singles / ((performance.now() - started) / 1000);
    started = performance.now();
    // Each batch is inserted, then deleted: as many updates as wanted while the table (1024 routes) never fills.
    for (let b = 0; b < batches; b++) {
      const updates = Array.from({ length: batchSize }, () => routeInsert(next++));
      await sw.write(updates);
      await sw.write(updates.map((u) => ({ ...u, type: "DELETE" as const })));
    }
    return { single, batched: (2 * batches * batchSize) / ((performance.now() - started) / 1000) };
  } finally {
    sw.close();
  }
}

/**
 * Our switch model's P4Runtime server, and beside it in the same run (so the ratio means
 * something on a noisy machine) the real simple_switch_grpc with the same program, when installed.
 */
export async function p4runtimeWrites(singles = 300, batches = 30, batchSize = 100): Promise<BenchOutcome> {
  const program = await compileLbProgram();
  const model = await startModelSwitchProcess(["--ports", "2", "--wire-base-port", "0"]);
  let ours: WriteRates;
  try {
    ours = await measureWrites(model.grpcAddress, program.pipeline, singles, batches, batchSize);
  } finally {
    await model.stop();
  }
  const rows: Measurement[] = [
    { metric: "our model writes/s, one update per Write", value: ours.single, unit: "updates/s", detail: { updates: singles } },
    { metric: `our model writes/s, ${batchSize} updates per Write`, value: ours.batched, unit: "updates/s", detail: { updates: 2 * batches * batchSize } },
  ];
  if (bmv2TargetUnavailable() !== undefined) return measured(...rows);
  // p4c's JSON where installed: the reference program, and write costs do not depend on who compiled it.
  const bmv2Pipeline = await loadProgram(realCompilerAvailable("bmv2") ? "p4c" : "ours");
  const bmv2 = await startBmv2Stream("simple_switch_grpc");
  let real: WriteRates;
  try {
    real = await measureWrites(bmv2.grpcAddress, bmv2Pipeline, singles, batches, batchSize);
  } catch (err) {
    // Our rows still count; the table says why bmv2's are missing.
    return measured({ ...rows[0]!, detail: { ...rows[0]!.detail, realBmv2: `not measured: ${(err as Error).message}` } }, ...rows.slice(1));
  } finally {
    await bmv2.close();
  }
  return measured(
    ...rows,
    { metric: "real bmv2 writes/s, one update per Write", value: real.single, unit: "updates/s", detail: { updates: singles } },
    { metric: `real bmv2 writes/s, ${batchSize} updates per Write`, value: real.batched, unit: "updates/s", detail: { updates: 2 * batches * batchSize } },
    { metric: "model / bmv2 writes/s, one update per Write", value: ours.single / real.single, unit: "x" },
    { metric: `model / bmv2 writes/s, ${batchSize} updates per Write`, value: ours.batched / real.batched, unit: "x" },
  );
}
