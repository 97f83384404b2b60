/**
 * Profiling driver for the switch model's hot path: compiles the LB program with our compiler,
 * programs it like the system benchmark does, and injects a batch of LB requests in a loop.
 *
 *   npx tsx bmv2/bench/lb_inject.ts [packets] [baselineDataplaneDir]
 *
 * With a baseline directory (a copy of an older bmv2/src/dataplane), both models run in the
 * same process, alternating rounds, so a noisy machine affects both alike and the ratio holds.
 * Profile with `node --import tsx --cpu-prof bmv2/bench/lb_inject.ts`.
 */
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { compileLbProgram } from "../../testbench/src/system/program.ts";
import { CLIENT_PORT, SERVER_PORT, programLb, requestFrame } from "../../testbench/src/bench/lb_fixture.ts";
import { createSwitch, port } from "../src/dataplane/index.ts";
import type { SwitchModel } from "../src/dataplane/api.ts";

type CreateSwitch = () => SwitchModel;

const packets = Number(process.argv[2] ?? 200_000);
const baselineDir = process.argv[3];

function frames(): Uint8Array[] {
  return Array.from({ length: 256 }, (_, i) => requestFrame(0x1234_5678_0000_0000n + BigInt(i), i + 1));
}

function programmed(create: CreateSwitch, bmv2Json: string): { model: SwitchModel; forwarded: () => number } {
  const model = create();
  model.loadPipeline(JSON.parse(bmv2Json));
  programLb(model);
  let toServer = 0;
  model.onEgress((p) => {
    if (p === SERVER_PORT) toServer++;
  });
  return { model, forwarded: () => toServer };
}

function round(model: SwitchModel, batch: readonly Uint8Array[], count: number): number {
  const ingress = port(CLIENT_PORT);
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) model.inject(ingress, batch[i % batch.length]!);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const program = await compileLbProgram();
const batch = frames();
const candidates: { name: string; create: CreateSwitch }[] = [{ name: "current", create: createSwitch as CreateSwitch }];
if (baselineDir) {
  const mod = (await import(pathToFileURL(resolve(baselineDir, "index.ts")).href)) as { createSwitch: CreateSwitch };
  candidates.unshift({ name: "baseline", create: mod.createSwitch });
}
const runs = candidates.map((c) => ({ ...c, ...programmed(c.create, program.bmv2Json), seconds: 0, sent: 0 }));
for (const r of runs) {
  round(r.model, batch, 20_000);
  if (r.forwarded() !== 20_000) throw new Error(`${r.name}: ${r.forwarded()} of 20000 requests reached server 1: ${JSON.stringify(r.model.stats())}`);
}
const rounds = 5;
for (let i = 0; i < rounds; i++) {
  for (const r of runs) {
    r.seconds += round(r.model, batch, packets / rounds);
    r.sent += packets / rounds;
  }
}
for (const r of runs) {
  const pps = r.sent / r.seconds;
  console.log(`${r.name}: ${Math.round(pps)} packets/s, ${((r.seconds * 1e6) / r.sent).toFixed(2)} µs/packet`);
}
if (runs.length === 2) console.log(`speed-up: ${((runs[0]!.seconds / runs[0]!.sent) / (runs[1]!.seconds / runs[1]!.sent)).toFixed(2)}x`);
