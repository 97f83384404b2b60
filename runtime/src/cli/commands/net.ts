import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { NetError, execArgv, netDown, netUp } from "../../netns/lifecycle.ts";
import type { NetTopology } from "../../netns/topology.ts";
import { type Command, UsageError, optionInt, optionString, parseArgs } from "../command.ts";

const help = `usage: slb net up --topology FILE [--wire-base-port N --bridge-base-port M | --no-bridge]
       slb net down (--topology FILE | --prefix NAME)
       slb net exec --topology FILE HOST -- COMMAND [ARGS...]
       slb net scenario [NAME] [--target model|bmv2] [--compiler builtin|p4c|auto] [--short] [--seed N]
                        [--prefix NAME] [--mgmt-subnet A.B.C]
       slb net bench [--duration-ms N] [--size BYTES]
       slb net diff [--packets N] [--seed N] [--json ours|p4c|both]

Hosts as Linux network namespaces joined to switch ports by veth pairs (needs root, iproute2,
ethtool, and socat for the bridges). Like mininet, without mininet.

  up     creates one namespace per host (<prefix>-<host>), a veth pair (<prefix>p<port> outside,
         eth0 inside) with the host's MAC and address, static ARP and routes; and bridges each
         outside end to the switch model's UDP wire of that port (socat, raw frames <-> one UDP
         datagram per frame) unless --no-bridge (for a switch attached to the veths directly).
         Idempotent: leftovers of an earlier run with the same prefix are removed first.
         With "mgmt" in the topology, a Linux bridge <prefix>br joins every host's second veth
         (<prefix>m<port> outside, mgmt0 inside) to the root namespace (the controller's side).
  down   removes every namespace, veth, bridge and namespace process of the prefix, also after
         a crashed run.
  exec   runs a command inside a host's namespace.
  scenario  a bundled scenario (default primary-death) on real hosts: servers and client
         agents as processes in namespaces (kernel UDP), the switch and the controller here;
         the scenario's faults done for real; checks no session lost and no failover to a
         secondary while others live, then removes everything (also on failure). --target bmv2
         runs the real simple_switch_grpc on the veths (when installed); the same as
         \`slb scenario NAME --net namespaces\` with a chosen prefix and management subnet.
  bench  packets per second of our switch model through veths and the frame bridges.
  diff   generated packets (default 10000: sessions, failovers, data-plane marking, malformed,
         truncated, plain and non-IPv4) and the controller's table states through our model and
         the real simple_switch_grpc (fed over its dataplane gRPC service: no root needed);
         compares every frame out, counter and digest, prints the case table. --json picks the
         bmv2 side's program (p4c's, ours, or both runs, the default). Exit 0: no difference.

options:
  --topology FILE         JSON: {"prefix": "slb", "hosts": [{"name": "s1", "switchPort": 2,
                          "address": "10.0.1.1/16", "mac": "02:00:00:00:01:01",
                          "gateway": {"ip": "10.0.0.254", "mac": "02:00:00:00:00:fe"}, "arp": [],
                          "mgmtAddress": "192.168.77.1/24"}], "mgmt": {"bridgeAddress": "192.168.77.254/24"}}
  --prefix NAME           for down without a topology file
  --wire-base-port N      switch port P listens on 127.0.0.1:N+P (default 20000)
  --bridge-base-port M    bridge of port P sends from 127.0.0.1:M+P (default 21000)

example:
  sudo slb net up --topology testbench/net/lb3.json && sudo slb net exec --topology testbench/net/lb3.json client -- ip addr`;

function loadTopology(path: string): NetTopology {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as NetTopology;
  } catch (err) {
    throw new UsageError(`cannot read topology '${path}': ${(err as Error).message}`);
  }
}

export const netCommand: Command = {
  help,
  async run(args) {
    try {
      return await runNet(args);
    } catch (err) {
      // Missing root or tools, a bad topology, the real switch absent: a message, not a stack trace.
      if (!(err instanceof NetError)) throw err;
      console.error(`slb net: ${err.message}`);
      return 1;
    }
  },
};

async function runNet(args: readonly string[]): Promise<number> {
  const dashDash = args.indexOf("--");
  const own = dashDash >= 0 ? args.slice(0, dashDash) : args;
  const command = dashDash >= 0 ? args.slice(dashDash + 1) : [];
  const parsed = parseArgs(own, {
    values: ["topology", "prefix", "wire-base-port", "bridge-base-port", "target", "compiler", "seed", "duration-ms", "size", "mgmt-subnet", "packets", "json"],
    flags: ["no-bridge", "short"],
  });
  const [verb, host] = parsed.positional;
  const topologyPath = parsed.options.get("topology");
  const topology = typeof topologyPath === "string" ? loadTopology(topologyPath) : undefined;
  switch (verb) {
    case "up": {
      if (!topology) throw new UsageError("up needs --topology FILE");
      const wireBase = optionInt(parsed, "wire-base-port", 20000);
      const bridgeBase = optionInt(parsed, "bridge-base-port", 21000);
      const bridge = parsed.options.has("no-bridge")
        ? undefined
        : (p: number) => ({ wireAddress: { host: "127.0.0.1", port: wireBase + p }, bridgePort: bridgeBase + p });
      await netUp(topology, bridge ? { bridge } : {});
      for (const h of topology.hosts) console.log(`${topology.prefix}-${h.name}: ${h.address} on switch port ${h.switchPort}`);
      return 0;
    }
    case "down": {
      const prefix = topology?.prefix ?? optionString(parsed, "prefix", "");
      if (prefix === "") throw new UsageError("down needs --topology FILE or --prefix NAME");
      const removed = await netDown(prefix);
      console.log(`removed ${removed.namespaces} namespaces, ${removed.links} links, ${removed.bridges} frame bridges, ${removed.processes} processes`);
      return 0;
    }
    case "exec": {
      if (!topology || host === undefined || command.length === 0) throw new UsageError("exec needs --topology FILE HOST -- COMMAND");
      const [file, ...rest] = execArgv(topology, host, command);
      const child = spawn(file!, rest, { stdio: "inherit" });
      return await new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
    }
    case "scenario": {
      const target = optionString(parsed, "target", "model");
      if (target !== "model" && target !== "bmv2") throw new UsageError(`--target must be model or bmv2, got '${target}'`);
      const compilerText = optionString(parsed, "compiler", "builtin");
      if (!["builtin", "p4c", "auto"].includes(compilerText)) throw new UsageError(`--compiler must be builtin, p4c or auto, got '${compilerText}'`);
      const { resolveCompiler } = await import("../../../../testbench/src/realnet/system.ts");
      const compiler = resolveCompiler(compilerText);
      const name = host ?? "primary-death";
      const { bundledScenario } = await import("../../../../testbench/src/scenario/bundled.ts");
      const { namespaceScenarioBlocked, runScenarioOnNamespaces } = await import("../../../../testbench/src/realnet/scenario.ts");
      const { formatResult } = await import("../../../../testbench/src/scenario/runner.ts");
      let scenario: ReturnType<typeof bundledScenario>;
      try {
        scenario = bundledScenario(name);
      } catch (err) {
        throw new NetError((err as Error).message);
      }
      const blocked = namespaceScenarioBlocked(scenario, target, compiler);
      if (blocked) throw new NetError(blocked);
      const prefix = optionString(parsed, "prefix", "");
      const mgmtSubnet = optionString(parsed, "mgmt-subnet", "");
      try {
        const result = await runScenarioOnNamespaces(scenario, parsed.options.has("short"), {
          target,
          compiler,
          seed: optionInt(parsed, "seed", 1),
          ...(prefix ? { prefix } : {}),
          ...(mgmtSubnet ? { mgmtSubnet } : {}),
          log: (line) => console.log(line),
        });
        console.log(formatResult(result));
        return result.failures.length === 0 ? 0 : 1;
      } catch (err) {
        console.log(`scenario ${scenario.name}: FAIL\n  ${(err as Error).message}\nsessions lost: 0`);
        return 1;
      }
    }
    case "bench": {
      const { benchVethPps } = await import("../../../../testbench/src/realnet/bench.ts");
      const result = await benchVethPps({ durationMs: optionInt(parsed, "duration-ms", 3000), payloadBytes: optionInt(parsed, "size", 64) });
      console.log(`${result.pps} packets/s through veth (${result.received} of ${result.sent} sent received, ${result.payloadBytes}-byte payloads)`);
      return 0;
    }
    case "diff": {
      const json = optionString(parsed, "json", "both");
      if (json !== "ours" && json !== "p4c" && json !== "both") throw new UsageError(`--json must be ours, p4c or both, got '${json}'`);
      const { DEFAULT_PACKETS, DEFAULT_SEED } = await import("../../../../testbench/src/realnet/differential.ts");
      const { runDiffCommand } = await import("../../../../testbench/src/realnet/diff_command.ts");
      return await runDiffCommand({ packets: optionInt(parsed, "packets", DEFAULT_PACKETS), seed: optionInt(parsed, "seed", DEFAULT_SEED), json, log: (line) => console.log(line) });
    }
    default:
      throw new UsageError(verb === undefined ? "missing verb: up, down, exec, scenario, bench or diff" : `unknown verb '${verb}'`);
  }
}
