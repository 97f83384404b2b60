/**
 * The load generator that runs as a real process inside a client namespace, on kernel UDP:
 * `ip netns exec <ns> node --import tsx testbench/src/realnet/load_gen.ts --vip IP:PORT ...`.
 * Each session does "incr c" one request at a time until the run's time is up, then reads its
 * counter back. Every outcome is one JSON line on stdout (see LoadEvent) for the scenario runner
 * in the root namespace, which keeps the ledger and checks the invariants: this process knows
 * nothing of which servers live.
 */
import { parseArgs } from "node:util";
import { SessionLoadClient } from "../system/load_client.ts";
import { openUdpTransport } from "../../../runtime/src/transport/udp.ts";
import { parseEndpoint } from "../../../runtime/src/transport/endpoint.ts";
import { Prng } from "../scenario/prng.ts";

/** bigints travel as decimal strings. */
export type LoadEvent =
  | { readonly t: "ready" }
  | {
      readonly t: "answer";
      readonly sessionId: string;
      readonly counter: number;
      readonly version: number;
      readonly cookieSent: number;
      readonly cookieReceived: number;
      readonly failover: boolean;
      readonly retries: number;
      readonly latencyMs: number;
    }
  | { readonly t: "unanswered"; readonly sessionId: string; readonly error: string }
  | { readonly t: "final"; readonly sessionId: string; readonly counter: number | "unreadable" }
  | { readonly t: "done"; readonly errorAnswers: number };

function emit(event: LoadEvent): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

async function runSession(client: SessionLoadClient, session: bigint, until: number, gapMs: number): Promise<void> {
  while (Date.now() < until) {
    const sent = performance.now();
    try {
      const a = await client.incr(session);
      const latencyMs = performance.now() - sent;
      emit({ t: "answer", sessionId: session.toString(), counter: a.counter, version: a.version, cookieSent: a.cookieSent, cookieReceived: a.cookieReceived, failover: a.failover, retries: a.retries, latencyMs });
    } catch (err) {
      emit({ t: "unanswered", sessionId: session.toString(), error: (err as Error).message });
    }
    if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      vip: { type: "string" },
      sessions: { type: "string", default: "8" },
      "duration-ms": { type: "string", default: "3000" },
      "gap-ms": { type: "string", default: "5" },
      seed: { type: "string", default: "1" },
      "deadline-ms": { type: "string", default: "10000" },
    },
  });
  const vip = parseEndpoint(values.vip ?? "");
  if (!vip) throw new Error("--vip IP:PORT is required");
  const prng = new Prng(Number(values.seed));
  const client = new SessionLoadClient({
    index: 0,
    transport: await openUdpTransport({ ip: "0.0.0.0" }),
    vip,
    deadlineMs: Number(values["deadline-ms"]),
    nextSessionId: () => prng.bigint64() || 1n,
  });
  const sessions = Array.from({ length: Number(values.sessions) }, () => client.newSession());
  emit({ t: "ready" });
  const until = Date.now() + Number(values["duration-ms"]);
  await Promise.all(sessions.map((s) => runSession(client, s, until, Number(values["gap-ms"]))));
  for (const s of sessions) {
    let counter: number | "unreadable";
    try {
      counter = (await client.read(s)).counter;
    } catch {
      counter = "unreadable";
    }
    emit({ t: "final", sessionId: s.toString(), counter });
  }
  emit({ t: "done", errorAnswers: client.errorAnswers });
  await client.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`load_gen: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
