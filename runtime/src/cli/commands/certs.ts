import { type Command, optionInt, optionString, parseArgs, UsageError } from "../command.ts";
import { generateDevCluster } from "../../auth/dev_ca.ts";
import { isServerId, serverId, type ServerId } from "../../wire/session_header.ts";

/** "1-4,7" -> [1, 2, 3, 4, 7] */
function parseServerIds(text: string): ServerId[] {
  const ids: ServerId[] = [];
  for (const part of text.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    const from = Number(m?.[1]);
    const to = Number(m?.[2] ?? m?.[1]);
    if (!m || !isServerId(from) || !isServerId(to) || to < from) throw new UsageError(`bad --servers entry '${part}' (want ids 1..65534 or ranges like 1-4)`);
    for (let id = from; id <= to; id++) ids.push(serverId(id));
  }
  return [...new Set(ids)];
}

export const certsCommand: Command = {
  help: [
    "usage: slb certs --dir DIR [--servers LIST] [--days N]",
    "",
    "Writes a new cluster CA into DIR and issues from it one certificate per server (mutual TLS",
    "on the replication stream) and one for the controller, plus the cluster key that seals",
    "management datagrams (probes, membership) and the admin API's bearer token. Uses the",
    "openssl command (SLB_OPENSSL names another). Servers read DIR with `slb server --tls-dir`,",
    "the controller with `slb controller --tls-dir`, admin commands with SLB_ADMIN_TOKEN_FILE.",
    "For development: keep ca-key.pem away from the servers in a real deployment.",
    "",
    "options:",
    "  --dir DIR          where to write (created; existing files are replaced)",
    "  --servers LIST     server ids to issue certificates for, e.g. 1-4,7 (default 1-8)",
    "  --days N           validity (default 365)",
    "",
    "example:",
    "  slb certs --dir ./cluster --servers 1-3",
  ].join("\n"),
  async run(args) {
    const parsed = parseArgs(args, { values: ["dir", "servers", "days"] });
    if (parsed.positional.length > 0) throw new UsageError(`unexpected argument '${parsed.positional[0]}'`);
    const dir = optionString(parsed, "dir", "");
    if (dir === "") throw new UsageError("--dir is required");
    const days = optionInt(parsed, "days", 365);
    if (days < 1) throw new UsageError("--days must be at least 1");
    const servers = parseServerIds(optionString(parsed, "servers", "1-8"));
    await generateDevCluster({ dir, servers, days, progress: (line) => console.log(line) });
    return 0;
  },
};
