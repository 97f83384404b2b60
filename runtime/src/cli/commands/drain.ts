import { type Command, optionString, parseArgs, UsageError } from "../command.ts";
import { adminCall, DEFAULT_ADMIN_ADDRESS } from "../../controller/admin_client.ts";
import type { ServerStatus } from "../../controller/controller.ts";

export const drainCommand: Command = {
  help: [
    "usage: slb drain ID [--undo] [--admin HOST:PORT]",
    "",
    "Takes the server out of the new-session group, out of server_map and out of every failover",
    "group: new sessions go elsewhere at once, and each existing session whose primary is this",
    "server fails over to a live server on its next request (the new primary fetches the session",
    "from its secondary). Responses from the server are still SNAT'd, so requests in flight",
    "complete. Servers are told the server is draining in the next membership push, so they stop",
    "choosing it as a secondary. --undo brings it back.",
    "",
    "options:",
    "  --undo             end the drain",
    `  --admin HOST:PORT  the controller's admin address (default ${DEFAULT_ADMIN_ADDRESS})`,
    "",
    "example: slb drain 2",
  ].join("\n"),
  async run(args) {
    const parsed = parseArgs(args, { values: ["admin"], flags: ["undo"] });
    const [id] = parsed.positional;
    if (id === undefined || !/^\d+$/.test(id)) throw new UsageError("drain needs a server id");
    const undo = parsed.options.has("undo");
    const s = await adminCall<ServerStatus>(optionString(parsed, "admin", DEFAULT_ADMIN_ADDRESS), undo ? "DELETE" : "POST", `/drain/${id}`);
    console.log(`server ${s.id} is now ${s.mode}`);
    return 0;
  },
};
