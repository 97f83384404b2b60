import type { Command } from "../command.ts";
import { optionString, parseArgs } from "../command.ts";
import { adminCall, DEFAULT_ADMIN_ADDRESS } from "../../controller/admin_client.ts";
import type { ControllerStatus } from "../../controller/controller.ts";

export const statusCommand: Command = {
  help: [
    "usage: slb status [--admin HOST:PORT] [--json]",
    "",
    "Asks a running controller (slb controller) for its state: primary or backup, the switch",
    "address, the pipeline cookie, the membership epoch and how many servers are up, down or",
    "draining.",
    "",
    "options:",
    `  --admin HOST:PORT  the controller's admin address (default ${DEFAULT_ADMIN_ADDRESS})`,
    "  --json             print the raw JSON",
    "",
    "example: slb status --admin 127.0.0.1:9100",
  ].join("\n"),
  async run(args) {
    const parsed = parseArgs(args, { values: ["admin"], flags: ["json"] });
    const s = await adminCall<ControllerStatus>(optionString(parsed, "admin", DEFAULT_ADMIN_ADDRESS), "GET", "/status");
    if (parsed.options.has("json")) {
      console.log(JSON.stringify(s, null, 2));
      return 0;
    }
    console.log(
      [
        `controller  ${s.role}${s.active ? " (active)" : ""}, election id ${s.electionId}`,
        ...s.switches.map((w) => `switch      ${w.name} ${w.address} device ${w.deviceId}: ${w.role}${w.active ? " (synced)" : ""}, ${w.reconciles} reconciles`),
        `pipeline    cookie ${s.pipelineCookie}`,
        `membership  epoch ${s.epoch}`,
        `servers     ${s.servers.up} up, ${s.servers.down} down, ${s.servers.draining} draining (${s.servers.total} total)`,
        `writes      ${s.reconciles} reconciles: ${s.updatesWritten.inserts} inserts, ${s.updatesWritten.modifies} modifies, ${s.updatesWritten.deletes} deletes`,
      ].join("\n"),
    );
    return 0;
  },
};
