import type { Command } from "../command.ts";
import { benchMain } from "../../../../testbench/src/bench/main.ts";
import { BENCHMARKS } from "../../../../testbench/src/bench/suite.ts";

export const benchCommand: Command = {
  help: [
    "usage: slb bench [--only name,name] [--out file.json]",
    "",
    "Measures the switch model (packets/s in process and over UDP wires, on the LB program),",
    "compile time, P4Runtime writes/s, the failover time distribution, replication throughput",
    "per server pair (sync and async) with the async loss window, and memory per 100k sessions.",
    "Where the real p4c and simple_switch_grpc are installed, also side-by-side ratios.",
    "A benchmark whose piece is missing prints `n/a: <reason>`; the others still run.",
    "",
    `benchmarks: ${BENCHMARKS.map((b) => b.name).join(", ")}`,
    "",
    "example: slb bench --only \"replication sync,memory\"",
  ].join("\n"),
  run: (args) => benchMain(args),
};
