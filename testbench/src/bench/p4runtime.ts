/**
 * P4Runtime write rate against our switch's gRPC server: route inserts (ipv4_lpm /32 entries)
 * one update per Write, then batched, on a fresh switch with the LB pipeline and no controller.
 */
import { Switch } from "../../../runtime/src/p4rt/switch.ts";
import { action, insert, tableEntry, type Update } from "../../../runtime/src/p4rt/entities.ts";
import { compileLbProgram } from "../system/program.ts";
import { startSwitchRuntime } from "../system/switch_runtime.ts";
import { type BenchOutcome, measured } from "./report.ts";

const ROUTE_TABLE = "SessionLbIngress.forwarding.ipv4_lpm";
const ROUTE_ACTION = "SessionLbIngress.forwarding.route";

function routeInsert(i: number): Update {
  const ip = `172.${16 + ((i >> 16) & 0x0f)}.${(i >> 8) & 0xff}.${i & 0xff}`;
  return insert(tableEntry(ROUTE_TABLE, { match: { "hdr.ipv4.dst_addr": `${ip}/32` }, action: action(ROUTE_ACTION, { port: 1, src_mac: 0x0200000000fen, dst_mac: 0x020000000001n }) }));
}

export async function p4runtimeWrites(singles = 300, batches = 6, batchSize = 100): Promise<BenchOutcome> {
  const program = await compileLbProgram();
  const runtime = await startSwitchRuntime({ ports: [1] });
  const sw = new Switch({ address: runtime.grpcAddress, electionId: 1n, p4info: program.pipeline.p4info, reconnect: false });
  try {
    await sw.connect(10_000);
    await sw.setPipeline({ p4info: program.pipeline.p4info, deviceConfig: program.pipeline.deviceConfig, cookie: program.pipeline.cookie });
    let next = 0;
    let started = performance.now();
    for (let i = 0; i < singles; i++) await sw.write([routeInsert(next++)]);
    const singleRate = singles / ((performance.now() - started) / 1000);
    started = performance.now();
    for (let b = 0; b < batches; b++) await sw.write(Array.from({ length: batchSize }, () => routeInsert(next++)));
    const batchRate = (batches * batchSize) / ((performance.now() - started) / 1000);
    return measured(
      { metric: "writes/s, one update per Write", value: singleRate, unit: "updates/s", detail: { updates: singles } },
      { metric: `writes/s, ${batchSize} updates per Write`, value: batchRate, unit: "updates/s", detail: { updates: batches * batchSize } },
    );
  } finally {
    sw.close();
    await runtime.stop();
  }
}
