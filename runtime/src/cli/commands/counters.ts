import { type Command, optionString, parseArgs } from "../command.ts";
import { adminCall, DEFAULT_ADMIN_ADDRESS } from "../../controller/admin_client.ts";
import type { CountersSnapshot } from "../../controller/controller.ts";

export const countersCommand: Command = {
  help: [
    "usage: slb counters [--admin HOST:PORT] [--json]",
    "",
    "Reads, through the controller, the switch counters of every server (requests forwarded to it,",
    "responses from it, requests failed over away from it, times the data plane marked it down)",
    "and the dropped packets by reason.",
    "",
    "options:",
    `  --admin HOST:PORT  the controller's admin address (default ${DEFAULT_ADMIN_ADDRESS})`,
    "  --json             print the raw JSON",
    "",
    "example: slb counters",
  ].join("\n"),
  async run(args) {
    const parsed = parseArgs(args, { values: ["admin"], flags: ["json"] });
    const c = await adminCall<CountersSnapshot>(optionString(parsed, "admin", DEFAULT_ADMIN_ADDRESS), "GET", "/counters");
    if (parsed.options.has("json")) {
      console.log(JSON.stringify(c, null, 2));
      return 0;
    }
    const rows = [["server", "requests", "responses", "failovers", "marked down"], ...c.servers.map((s) => [String(s.id), s.requests.packets, s.responses.packets, s.failovers.packets, s.markedDown.packets])];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    console.log(rows.map((r) => r.map((v, i) => v.padStart(widths[i]!)).join("  ")).join("\n"));
    const drops = Object.entries(c.drops).filter(([, v]) => v.packets !== "0");
    console.log(drops.length === 0 ? "\nno drops" : `\ndrops:\n${drops.map(([reason, v]) => `  ${reason.padEnd(20)} ${v.packets}`).join("\n")}`);
    return 0;
  },
};
