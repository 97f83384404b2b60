import { type Command, optionInt, optionString, parseArgs } from "../command.ts";
import { DEFAULT_ADMIN_ADDRESS, streamEvents } from "../../controller/admin_client.ts";

function format(e: Record<string, unknown>): string {
  const { time, seq: _seq, kind, ...detail } = e;
  const text = Object.entries(detail)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
  return `${String(time)}  ${String(kind).padEnd(18)} ${text}`;
}

export const eventsCommand: Command = {
  help: [
    "usage: slb events [--follow] [--limit N] [--json] [--admin HOST:PORT]",
    "",
    "Prints the controller's recent events (servers up/down, drains, reconciles with their write",
    "counts, membership pushes with their epoch, digests from the switch, arbitration changes).",
    "",
    "options:",
    "  --follow           keep watching new events until interrupted",
    "  --limit N          how many recent events to print first (default 20)",
    "  --json             print each event as a JSON line",
    `  --admin HOST:PORT  the controller's admin address (default ${DEFAULT_ADMIN_ADDRESS})`,
    "",
    "example: slb events --follow",
  ].join("\n"),
  async run(args) {
    const parsed = parseArgs(args, { values: ["admin", "limit"], flags: ["follow", "json"] });
    const follow = parsed.options.has("follow");
    const json = parsed.options.has("json");
    const abort = new AbortController();
    const stop = (): void => abort.abort();
    process.once("SIGINT", stop);
    try {
      await streamEvents(
        optionString(parsed, "admin", DEFAULT_ADMIN_ADDRESS),
        `/events?limit=${optionInt(parsed, "limit", 20)}${follow ? "&follow=1" : ""}`,
        (e) => console.log(json ? JSON.stringify(e) : format(e)),
        abort.signal,
      );
    } finally {
      process.off("SIGINT", stop);
    }
    return 0;
  },
};
