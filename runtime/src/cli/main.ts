import { type Command, UsageError } from "./command.ts";
import { benchCommand } from "./commands/bench.ts";
import { clientCommand } from "./commands/client.ts";
import { compileCommand } from "./commands/compile.ts";
import { controllerCommand } from "./commands/controller.ts";
import { countersCommand } from "./commands/counters.ts";
import { demoCommand } from "./commands/demo.ts";
import { drainCommand } from "./commands/drain.ts";
import { eventsCommand } from "./commands/events.ts";
import { netCommand } from "./commands/net.ts";
import { scenarioCommand } from "./commands/scenario.ts";
import { serverCommand } from "./commands/server.ts";
import { serversCommand } from "./commands/servers.ts";
import { statusCommand } from "./commands/status.ts";
import { stfCommand } from "./commands/stf.ts";
import { switchCommand } from "./commands/switch.ts";
import { versionCommand } from "./commands/version.ts";

/** Every subcommand, in the order `slb --help` lists them. */
const commands: readonly Command[] = [
  compileCommand,
  stfCommand,
  switchCommand,
  controllerCommand,
  serverCommand,
  clientCommand,
  statusCommand,
  serversCommand,
  drainCommand,
  countersCommand,
  eventsCommand,
  demoCommand,
  scenarioCommand,
  benchCommand,
  netCommand,
  versionCommand,
];

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
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
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`slb: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
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
    throw err;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
