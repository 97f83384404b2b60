import { writeFileSync } from "node:fs";
import { type Command, UsageError, optionInt, optionString, parseArgs } from "../command.ts";
import { formatSummary, runDemo } from "../../../../testbench/src/demo/run.ts";
import { renderTimelineSvg } from "../../../../testbench/src/plot/svg.ts";
import { namespaceScenarioUnavailable, runNamespaceScenario } from "../../../../testbench/src/realnet/scenario.ts";
import { startEmbeddedSystem } from "../../../../testbench/src/system/orchestrator.ts";

export const demoCommand: Command = {
  help: [
    "usage: slb demo [--servers 4] [--switches 1] [--duration 30] [--net embedded|namespaces] [--target model|bmv2] [--real] [--plot out.svg]",
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
    "  --switches N   LB switches side by side (default 1; embedded only); from 2 on, every host",
    "                 has a first hop through each, and the demo also kills switch 0 and brings",
    "                 it back empty, and cuts switch 1 off from the controller for a while",
    "  --duration S   seconds of load (default 30)",
    "  --net embedded|namespaces",
    "                 embedded (default): everything in this process on UDP wires, no root;",
    "                 namespaces: servers and clients as real processes in network namespaces",
    "                 on kernel UDP, the switch on veth pairs (root, iproute2, ethtool, socat)",
    "  --target model|bmv2",
    "                 with --net namespaces: our switch model (default) or the real",
    "                 simple_switch_grpc on the veths",
    "  --real         the same as --net namespaces --target bmv2 (reports what is missing)",
    "  --plot FILE    also write an SVG timeline of the run",
    "",
    "example: slb demo --servers 5 --duration 20",
    "         slb demo --switches 2 --duration 20",
  ].join("\n"),
  async run(args) {
    const parsed = parseArgs(args, { values: ["servers", "switches", "duration", "plot", "net", "target"], flags: ["real"] });
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
    if (net === "namespaces" && switches > 1) throw new UsageError("--switches runs on --net embedded only (the namespace topology has one switch)");
    if (net === "namespaces") return runOnNamespaces(target, servers, durationS);
    const summary = await runDemo({
      servers,
      durationS,
      switches,
      startSystem: (n) => startEmbeddedSystem({ servers: n, replication: "sync", seed: Date.now() & 0x7fffffff, switches }),
      out: process.stdout,
    });
    const plot = optionString(parsed, "plot", "");
    if (plot !== "") writeFileSync(plot, renderTimelineSvg(summary.timeline));
    for (const line of formatSummary(summary)) console.log(line);
    return summary.lost === 0 && summary.violations.length === 0 ? 0 : 1;
  },
};

/** The same story on real hosts: server and client processes in namespaces, a primary SIGKILLed part-way. */
async function runOnNamespaces(target: "model" | "bmv2", servers: number, durationS: number): Promise<number> {
  const unavailable = namespaceScenarioUnavailable(target);
  if (unavailable) {
    console.error(`slb demo --net namespaces: ${unavailable}`);
    return 2;
  }
  const result = await runNamespaceScenario({ target, servers, sessions: 16, durationMs: durationS * 1000, log: (line) => console.log(line) });
  console.log("summary:");
  console.log(`  switch:            ${target === "model" ? "our switch model on veths" : "simple_switch_grpc on veths"}`);
  console.log(`  increments acked:  ${result.acked}`);
  console.log(`  retried:           ${result.retries}`);
  console.log(`  failovers:         ${result.failovers}`);
  console.log(`  killed:            server ${result.killedServer} at ${result.killedAtMs} ms`);
  for (const v of result.violations) console.log(`  violation: ${v}`);
  console.log(`sessions lost: ${result.lostSessions}`);
  return result.passed ? 0 : 1;
}
