import { type Command, optionInt, optionString, parseArgs, UsageError } from "../command.ts";
import { loadTopology } from "../../controller/config.ts";
import { CredentialsError, loadAdminToken, loadClusterKey } from "../../auth/cluster_files.ts";
import { type ControllerAuth, runController } from "../../controller/run.ts";

export const controllerCommand: Command = {
  help: [
    "usage: slb controller --config TOPO.json (--tls-dir DIR | --insecure) [--election-id N] [--admin HOST:PORT] [--connect-timeout MS]",
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
    "  --tls-dir DIR       credentials from `slb certs`: probes and membership pushes are sealed with",
    "                      the cluster key, the admin API wants `Authorization: Bearer <admin.token>`",
    "                      (admin commands read SLB_ADMIN_TOKEN_FILE or SLB_ADMIN_TOKEN)",
    "  --insecure          neither: anyone reaching the admin address controls the pool",
    "",
    "example: slb controller --config topo.json --tls-dir ./cluster --election-id 2 --admin 127.0.0.1:9100",
  ].join("\n"),
  async run(args) {
    const parsed = parseArgs(args, { values: ["config", "election-id", "admin", "connect-timeout", "tls-dir"], flags: ["insecure"] });
    const file = optionString(parsed, "config", "");
    if (file === "") throw new UsageError("--config is required");
    const electionText = parsed.options.get("election-id");
    if (typeof electionText === "string" && !/^\d+$/.test(electionText)) throw new UsageError("--election-id needs a non-negative integer");
    const tlsDir = optionString(parsed, "tls-dir", "");
    const insecure = parsed.options.has("insecure");
    if ((tlsDir === "") === !insecure) throw new UsageError("give exactly one of --tls-dir DIR (sealed management, admin token) and --insecure");
    let auth: ControllerAuth | undefined;
    try {
      auth = insecure ? undefined : { clusterKey: loadClusterKey(tlsDir), adminToken: loadAdminToken(tlsDir), log: (line) => console.error(line) };
    } catch (err) {
      if (err instanceof CredentialsError) throw new UsageError(err.message);
      throw err;
    }
    const topology = loadTopology(file);
    const running = await runController(topology, {
      ...(typeof electionText === "string" ? { electionId: BigInt(electionText) } : {}),
      ...(typeof parsed.options.get("admin") === "string" ? { admin: optionString(parsed, "admin", "") } : {}),
      connectTimeoutMs: optionInt(parsed, "connect-timeout", 10_000),
      ...(auth ? { auth } : {}),
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
