import { type Command, optionInt, optionString, parseArgs, UsageError } from "../command.ts";
import { adminCall, DEFAULT_ADMIN_ADDRESS } from "../../controller/admin_client.ts";
import type { ServerStatus } from "../../controller/controller.ts";

function table(rows: readonly ServerStatus[]): string {
  const header = ["id", "address", "mode", "health", "gen", "rtt ms", "mgmt", "last error"];
  const lines = rows.map((s) => [
    String(s.id),
    `${s.ip}:${s.dataPort}`,
    s.mode,
    s.health,
    String(s.generation),
    s.lastRttMs === undefined ? "-" : s.lastRttMs.toFixed(2),
    s.mgmt,
    s.lastError ?? "",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  return [header, ...lines].map((l) => l.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}

export const serversCommand: Command = {
  help: [
    "usage: slb servers [list] [--json]",
    "       slb servers add --id N --ip A.B.C.D --mac MAC --switch-port P --mgmt HOST:PORT [--data-port N] [--peer-port N]",
    "       slb servers remove ID",
    "",
    "list    every server with its mode (up, down, draining), probe health, server_map generation",
    "        and last probe round trip",
    "add     adds a server at run time: the switch learns its route and SNAT entry at once, and it",
    "        takes sessions after its health probes pass",
    "remove  takes a server out of every table, group and the membership",
    "",
    "options:",
    `  --admin HOST:PORT  the controller's admin address (default ${DEFAULT_ADMIN_ADDRESS})`,
    "",
    "example: slb servers add --id 4 --ip 10.0.0.4 --mac 02:00:00:00:00:04 --switch-port 4 --mgmt 127.0.0.1:9104",
  ].join("\n"),
  async run(args) {
    const parsed = parseArgs(args, {
      values: ["admin", "id", "ip", "mac", "switch-port", "mgmt", "data-port", "peer-port"],
      flags: ["json"],
    });
    const admin = optionString(parsed, "admin", DEFAULT_ADMIN_ADDRESS);
    const [action = "list", arg] = parsed.positional;
    switch (action) {
      case "list": {
        const servers = await adminCall<ServerStatus[]>(admin, "GET", "/servers");
        console.log(parsed.options.has("json") ? JSON.stringify(servers, null, 2) : table(servers));
        return 0;
      }
      case "add": {
        for (const required of ["id", "ip", "mac", "switch-port", "mgmt"]) {
          if (!parsed.options.has(required)) throw new UsageError(`servers add needs --${required}`);
        }
        const body = {
          id: optionInt(parsed, "id", 0),
          ip: optionString(parsed, "ip", ""),
          mac: optionString(parsed, "mac", ""),
          switchPort: optionInt(parsed, "switch-port", 0),
          mgmt: optionString(parsed, "mgmt", ""),
          dataPort: optionInt(parsed, "data-port", 7700),
          peerPort: optionInt(parsed, "peer-port", 7701),
        };
        const added = await adminCall<ServerStatus>(admin, "POST", "/servers", body);
        console.log(`server ${added.id} added (${added.mode}); it takes sessions once its probes pass`);
        return 0;
      }
      case "remove": {
        if (arg === undefined || !/^\d+$/.test(arg)) throw new UsageError("servers remove needs a server id");
        await adminCall(admin, "DELETE", `/servers/${arg}`);
        console.log(`server ${arg} removed`);
        return 0;
      }
      default:
        throw new UsageError(`unknown servers action '${action}' (list, add, remove)`);
    }
  },
};
