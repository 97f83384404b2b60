import { type Command, UsageError } from "./command.ts";

/** A subcommand as `slb --help` lists it; its module loads only when it runs. */
interface CommandEntry {
  readonly name: string;
  /** One line for `slb --help`. */
  readonly summary: string;
  readonly load: () => Promise<Command>;
}

/**
 * Every subcommand, in the order `slb --help` lists them. Loading a command's module on demand
 * keeps `slb compile` from loading gRPC, the controller and the testbench at every start.
 */
export const COMMANDS: readonly CommandEntry[] = [
  { name: "compile", summary: "compile a P4 program to BMv2 JSON and P4Info (builtin compiler or the real p4c)", load: async () => (await import("./commands/compile.ts")).compileCommand },
  { name: "stf", summary: "run an STF packet test of a P4 program on our switch model or the real bmv2", load: async () => (await import("./commands/stf.ts")).stfCommand },
  { name: "switch", summary: "run the switch model with its P4Runtime server and UDP wires", load: async () => (await import("./commands/switch.ts")).switchCommand },
  { name: "controller", summary: "run the P4Runtime controller for a topology (health checks, failover, admin API)", load: async () => (await import("./commands/controller.ts")).controllerCommand },
  { name: "server", summary: "run a session server (replicated session store behind the VIP)", load: async () => (await import("./commands/server.ts")).serverCommand },
  { name: "certs", summary: "generate a dev cluster CA, server and controller certificates, cluster key and admin token", load: async () => (await import("./commands/certs.ts")).certsCommand },
  { name: "client", summary: "send session requests to the VIP (with a cookie jar)", load: async () => (await import("./commands/client.ts")).clientCommand },
  { name: "status", summary: "show the controller's role, the switch and the server pool", load: async () => (await import("./commands/status.ts")).statusCommand },
  { name: "servers", summary: "list, add or remove session servers of a running controller", load: async () => (await import("./commands/servers.ts")).serversCommand },
  { name: "drain", summary: "drain a server (no new sessions; its sessions move on their next request)", load: async () => (await import("./commands/drain.ts")).drainCommand },
  { name: "counters", summary: "show the switch's per-server and drop counters", load: async () => (await import("./commands/counters.ts")).countersCommand },
  { name: "events", summary: "show (and with --follow, watch) the controller's event log", load: async () => (await import("./commands/events.ts")).eventsCommand },
  { name: "demo", summary: "run the whole system under load, kill a primary, bring it back, drain a server, show it live", load: async () => (await import("./commands/demo.ts")).demoCommand },
  { name: "scenario", summary: "run a failure scenario on the whole system and check its invariants", load: async () => (await import("./commands/scenario.ts")).scenarioCommand },
  { name: "bench", summary: "run the benchmarks: table on stdout, JSON in .bench/results.json", load: async () => (await import("./commands/bench.ts")).benchCommand },
  { name: "net", summary: "create / remove / enter network-namespace hosts wired to switch ports", load: async () => (await import("./commands/net.ts")).netCommand },
  { name: "version", summary: "print the version of slb", load: async () => (await import("./commands/version.ts")).versionCommand },
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    "slb: in-network session load balancing (P4 data plane, compiler, switch model, controller, testbench)",
    "",
    "usage: slb <command> [options]",
    "",
    "commands:",
    ...lines,
    "",
    "Run `slb <command> --help` for the options of one command.",
  ].join("\n");
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    console.error(`slb: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const command = await entry.load();
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(command.help);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`slb ${name}: ${err.message}\n\n${command.help}`);
      return 2;
    }
    // A failure a command did not anticipate still ends as one line for the user; the stack is for us.
    const message = err instanceof Error ? err.message : String(err);
    console.error(`slb ${name}: ${message}`);
    if (process.env["SLB_DEBUG"] && err instanceof Error && err.stack) console.error(err.stack);
    else console.error("(set SLB_DEBUG=1 for the stack trace)");
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
