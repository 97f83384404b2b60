import { writeFileSync } from "node:fs";
import { type Command, UsageError, optionInt, optionString, parseArgs } from "../command.ts";
import { formatSummary, runDemo } from "../../../../testbench/src/demo/run.ts";
import { renderTimelineSvg } from "../../../../testbench/src/plot/svg.ts";
import { namespaceScenarioUnavailable, runDemoOnNamespaces } from "../../../../testbench/src/realnet/scenario.ts";
import { resolveCompiler } from "../../../../testbench/src/realnet/system.ts";
import { startEmbeddedSystem } from "../../../../testbench/src/system/orchestrator.ts";

export const demoCommand: Command = {
  help: [
    "usage: slb demo [--servers 4] [--switches 1] [--duration 30] [--net embedded|namespaces] [--target model|bmv2]",
    "                [--compiler builtin|p4c|auto] [--real] [--plot out.svg]",
    "",
    "Compiles the load-balancer program with our compiler, starts our switch model on UDP wires",
    "with its P4Runtime server, the controller, N session servers behind the switch (userspace",
    "host stack, no root) and client load generators with many sessions each. A quarter of the",
    "way in it kills the primary of a session, brings it back at half time (empty), then drains",
    "another server. The view is redrawn in place on a terminal, one progress line per tick",
    "otherwise. The summary's last line is `sessions lost: N`; the exit code is 1 if N > 0.",
    "",
    "options:",
    "  --servers N    session servers (default 4, at least 3)",
    "  --switches N   LB switches side by side (default 1; namespaces: at most 4); from 2 on, every host",
    "                 has a first hop through each, and the demo also kills switch 0 and brings",
    "                 it back empty, and cuts switch 1 off from the controller for a while",
    "  --duration S   seconds of load (default 30)",
    "  --net embedded|namespaces",
    "                 embedded (default): everything in this process on UDP wires, no root;",
    "                 namespaces: servers and clients as real processes in network namespaces",
    "                 on kernel UDP, the switch on veth pairs (root, iproute2, ethtool, socat);",
    "                 the same story: the primary SIGKILLed, restarted, another server drained",
    "  --target model|bmv2",
    "                 with --net namespaces: our switch model (default) or the real",
    "                 simple_switch_grpc on the veths",
    "  --compiler builtin|p4c|auto",
    "                 with --net namespaces, whose BMv2 JSON and P4Info the switch runs: ours",
    "                 (default), the real p4c-bm2-ss's, or auto: p4c's where it is installed",
    "  --real         the same as --net namespaces --target bmv2 (reports what is missing)",
    "  --plot FILE    also write an SVG timeline of the run",
    "",
    "example: slb demo --servers 5 --duration 20",
    "         slb demo --switches 2 --duration 20",
    "         slb demo --switches 2 --net namespaces --target bmv2",
  ].join("\n"),
  async run(args) {
    const parsed = parseArgs(args, { values: ["servers", "switches", "duration", "plot", "net", "target", "compiler"], flags: ["real"] });
    const servers = optionInt(parsed, "servers", 4);
    const switches = optionInt(parsed, "switches", 1);
    if (switches < 1 || switches > 8) throw new UsageError("--switches must be 1..8");
    const durationS = optionInt(parsed, "duration", 30);
    if (servers < 3) throw new UsageError("--servers must be at least 3 (one dies, one drains, sessions need a primary and a secondary)");
    if (durationS < 4) throw new UsageError("--duration must be at least 4 seconds");
    const real = parsed.options.has("real");
    const net = real ? "namespaces" : optionString(parsed, "net", "embedded");
    const target = real ? "bmv2" : optionString(parsed, "target", "model");
    if (net !== "embedded" && net !== "namespaces") throw new UsageError(`--net must be embedded or namespaces, got '${net}'`);
    if (target !== "model" && target !== "bmv2") throw new UsageError(`--target must be model or bmv2, got '${target}'`);
    if (net === "embedded" && target !== "model") throw new UsageError("--target bmv2 needs --net namespaces: simple_switch_grpc's ports are network interfaces");
    const compilerText = optionString(parsed, "compiler", "builtin");
    if (!["builtin", "p4c", "auto"].includes(compilerText)) throw new UsageError(`--compiler must be builtin, p4c or auto, got '${compilerText}'`);
    if (net === "embedded" && compilerText === "p4c") throw new UsageError("--compiler p4c needs --net namespaces (the embedded switch runs our compiler's JSON)");
    const compiler = net === "embedded" ? "builtin" : resolveCompiler(compilerText);
    if (net === "namespaces" && switches > 4) throw new UsageError("--switches with --net namespaces must be 1..4 (one veth letter per switch)");
    const plot = optionString(parsed, "plot", "");
    if (net === "namespaces") return runOnNamespaces(target, compiler, servers, switches, durationS, plot);
    let summary: Awaited<ReturnType<typeof runDemo>>;
    try {
      summary = await runDemo({
        servers,
        durationS,
        switches,
        startSystem: (n) => startEmbeddedSystem({ servers: n, replication: "sync", seed: Date.now() & 0x7fffffff, switches }),
        out: process.stdout,
      });
    } catch (err) {
      return notStarted(err);
    }
    if (plot !== "") writeFileSync(plot, renderTimelineSvg(summary.timeline));
    for (const line of formatSummary(summary)) console.log(line);
    return summary.lost === 0 && summary.violations.length === 0 ? 0 : 1;
  },
};

/** The same story on real hosts; a failure to bring the system up still ends with the summary line. */
async function runOnNamespaces(target: "model" | "bmv2", compiler: "builtin" | "p4c", servers: number, switches: number, durationS: number, plot: string): Promise<number> {
  const unavailable = namespaceScenarioUnavailable(target, compiler, switches);
  if (unavailable) {
    console.error(`slb demo --net namespaces: ${unavailable}`);
    return 2;
  }
  let summary: Awaited<ReturnType<typeof runDemoOnNamespaces>>;
  try {
    summary = await runDemoOnNamespaces({ target, compiler, servers, switches, durationS, seed: Date.now() & 0x7fffffff, out: process.stdout, log: (line) => console.log(line) });
  } catch (err) {
    return notStarted(err);
  }
  if (plot !== "") writeFileSync(plot, renderTimelineSvg(summary.timeline));
  const lines = formatSummary(summary);
  const problems = [...(summary.answered === 0 ? ["no request was answered"] : []), ...(summary.clean ? [] : [`teardown left ${JSON.stringify(summary.teardown)}`])];
  for (const line of lines.slice(0, -1)) console.log(line);
  for (const p of problems) console.log(`  FAIL ${p}`);
  console.log(lines[lines.length - 1]);
  return summary.lost === 0 && summary.violations.length === 0 && problems.length === 0 ? 0 : 1;
}

/** The run stopped early (most often the system never came up): a failure, with the summary line all the same. */
function notStarted(err: unknown): number {
  console.log("summary:");
  console.log(`  FAIL the run stopped: ${(err as Error).message}`);
  console.log("sessions lost: 0");
  return 1;
}
