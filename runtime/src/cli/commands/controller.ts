import { type Command, optionInt, optionString, parseArgs, UsageError } from "../command.ts";
import { loadTopology } from "../../controller/config.ts";
import { runController } from "../../controller/run.ts";

export const controllerCommand: Command = {
  help: [
    "usage: slb controller --config TOPO.json [--election-id N] [--admin HOST:PORT] [--connect-timeout MS]",
    "",
    "Connects to every switch named in the topology file and, switch by switch, becomes primary",
    "(or waits as backup when a controller with a higher election id runs), loads the load-balancer",
    "pipeline unless that switch already runs it, reconciles its tables with the topology without",
    "wiping them (a switch that is down is synced when it returns), probes the servers, and on",
    "every change reprograms every switch the same way and pushes the membership. Serves the admin API and Prometheus /metrics on --admin (see `slb status`,",
    "`slb servers`, `slb drain`, `slb counters`, `slb events`). Runs until interrupted.",
    "",
    "options:",
    "  --config FILE       topology file (JSON: switch or switches, pipeline, vip or vips, servers, routes, health)",
    "  --election-id N     overrides every switch's electionId; the highest id is primary",
    "  --admin HOST:PORT   admin API address (default: the file's \"admin\", else 127.0.0.1:9100)",
    "  --connect-timeout MS  how long to wait for the switch (default 10000)",
    "",
    "example: slb controller --config topo.json --election-id 2 --admin 127.0.0.1:9100",
  ].join("\n"),
  async run(args) {
    const parsed = parseArgs(args, { values: ["config", "election-id", "admin", "connect-timeout"] });
    const file = optionString(parsed, "config", "");
    if (file === "") throw new UsageError("--config is required");
    const electionText = parsed.options.get("election-id");
    if (typeof electionText === "string" && !/^\d+$/.test(electionText)) throw new UsageError("--election-id needs a non-negative integer");
    const topology = loadTopology(file);
    const running = await runController(topology, {
      ...(typeof electionText === "string" ? { electionId: BigInt(electionText) } : {}),
      ...(typeof parsed.options.get("admin") === "string" ? { admin: optionString(parsed, "admin", "") } : {}),
      connectTimeoutMs: optionInt(parsed, "connect-timeout", 10_000),
    });
    const { host, port } = running.admin.address;
    const unsubscribe = running.controller.events.subscribe((e) => console.log(JSON.stringify(e, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))));
    console.error(`slb controller: ${running.controller.status().role} for ${topology.switches.map((s) => s.address).join(", ")}; admin API on http://${host}:${port}`);
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    unsubscribe();
    await running.stop();
    return 0;
  },
};
