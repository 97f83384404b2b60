/** Every benchmark `npm run bench` runs, in order, with its name in the table. */
import { compileTime } from "./compile.ts";
import { compileCorpusTime } from "./compile_corpus.ts";
import { controllerTakeoverTimes } from "./controller_takeover.ts";
import { failoverTimes } from "./failover.ts";
import { memoryPer100kSessions } from "./memory.ts";
import { p4runtimeWrites } from "./p4runtime.ts";
import { realToolRatios } from "./real.ts";
import { asyncLossWindow, replicationThroughput } from "./replication.ts";
import { type Benchmark, measured } from "./report.ts";
import { switchInProcess, switchOverWires } from "./switch_throughput.ts";
import { switchOnVeth } from "./veth.ts";
import { switchFailoverTimes } from "./switch_failover.ts";

export const BENCHMARKS: readonly Benchmark[] = [
  { name: "compile", run: () => compileTime() },
  { name: "compile corpus", run: () => compileCorpusTime() },
  { name: "switch in process", run: () => switchInProcess() },
  { name: "switch over wires", run: () => switchOverWires() },
  { name: "switch on veth", run: () => switchOnVeth() },
  { name: "p4runtime writes", run: () => p4runtimeWrites() },
  { name: "failover", run: () => failoverTimes(8, 1, ".bench/failover-timeline.svg") },
  { name: "controller takeover", run: () => controllerTakeoverTimes() },
  { name: "switch failover", run: () => switchFailoverTimes() },
  { name: "replication sync", run: async () => measured(...(await replicationThroughput("sync"))) },
  { name: "replication async", run: async () => measured(...(await replicationThroughput("async")), ...(await asyncLossWindow())) },
  { name: "memory", run: () => memoryPer100kSessions() },
  { name: "real tools", run: () => realToolRatios() },
];
