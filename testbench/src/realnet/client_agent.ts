/**
 * A load client's network end, run as a real process inside a client namespace on kernel UDP:
 * `ip netns exec <ns> node --import tsx testbench/src/realnet/client_agent.ts --vip IP:PORT`.
 * The scenario runner in the root namespace drives it over stdin/stdout, one JSON line per
 * request and per answer (AgentRequest / AgentReply), so the runner's ledger and fault timeline
 * work unchanged while every datagram crosses the veths and the switch.
 */
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { SessionLoadClient } from "../system/load_client.ts";
import { openUdpTransport } from "../../../runtime/src/transport/udp.ts";
import { parseEndpoint } from "../../../runtime/src/transport/endpoint.ts";
import type { IncrAnswer, ReadAnswer } from "../system/handle.ts";

/** bigints (session ids) travel as decimal strings. */
export type AgentRequest = { readonly id: number; readonly op: "incr" | "read"; readonly session: string };

export type AgentReply =
  | { readonly t: "ready" }
  | { readonly t: "incr"; readonly id: number; readonly answer: IncrAnswer; readonly cookie: number }
  | { readonly t: "read"; readonly id: number; readonly answer: ReadAnswer; readonly cookie: number }
  | { readonly t: "error"; readonly id: number; readonly message: string };

function reply(r: AgentReply): void {
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { vip: { type: "string" }, "deadline-ms": { type: "string", default: "15000" } } });
  const vip = parseEndpoint(values.vip ?? "");
  if (!vip) throw new Error("--vip IP:PORT is required");
  const client = new SessionLoadClient({ index: 0, transport: await openUdpTransport({ ip: "0.0.0.0" }), vip, deadlineMs: Number(values["deadline-ms"]) });
  const lines = createInterface({ input: process.stdin });
  reply({ t: "ready" });
  for await (const line of lines) {
    if (line.trim() === "") continue;
    const request = JSON.parse(line) as AgentRequest;
    const session = BigInt(request.session);
    // Requests run concurrently: one outstanding increment per session, many sessions.
    const work = request.op === "incr" ? client.incr(session).then((answer) => reply({ t: "incr", id: request.id, answer, cookie: client.cookieOf(session) })) : client.read(session).then((answer) => reply({ t: "read", id: request.id, answer, cookie: client.cookieOf(session) }));
    work.catch((err: unknown) => reply({ t: "error", id: request.id, message: (err as Error).message }));
  }
  await client.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`client_agent: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
