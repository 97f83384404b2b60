/**
 * Kernel-UDP traffic for the veth benchmark, run as a process inside a namespace:
 *   udp_blast.ts send --to IP:PORT --duration-ms N [--size BYTES]   as fast as the socket takes them
 *   udp_blast.ts count --bind IP:PORT                                counts until SIGTERM
 * Each prints one JSON line at the end ({"sent": n} / {"received": n, "firstMs": t, "lastMs": t});
 * the receiver also prints "ready" once bound.
 */
import { createSocket } from "node:dgram";
import { parseArgs } from "node:util";
import { parseEndpoint } from "../../../runtime/src/transport/endpoint.ts";

/** Sends in flight at once: enough to keep the socket busy without queueing unboundedly in node. */
const WINDOW = 64;

async function send(to: { ip: string; port: number }, durationMs: number, size: number): Promise<void> {
  const socket = createSocket("udp4");
  const payload = Buffer.alloc(size, 0x5a);
  let sent = 0;
  let errors = 0;
  const until = performance.now() + durationMs;
  await new Promise<void>((resolve) => {
    let inFlight = 0;
    const pump = (): void => {
      while (inFlight < WINDOW && performance.now() < until) {
        inFlight++;
        socket.send(payload, to.port, to.ip, (err) => {
          inFlight--;
          if (err) errors++;
          else sent++;
          pump();
        });
      }
      if (inFlight === 0 && performance.now() >= until) resolve();
    };
    pump();
  });
  socket.close();
  process.stdout.write(`${JSON.stringify({ sent, errors })}\n`);
}

function count(bind: { ip: string; port: number }): void {
  const socket = createSocket({ type: "udp4", recvBufferSize: 4 * 1024 * 1024 });
  let received = 0;
  let firstMs = 0;
  let lastMs = 0;
  socket.on("message", () => {
    lastMs = performance.now();
    if (received++ === 0) firstMs = lastMs;
  });
  socket.bind(bind.port, bind.ip, () => process.stdout.write("ready\n"));
  process.once("SIGTERM", () => {
    process.stdout.write(`${JSON.stringify({ received, firstMs, lastMs })}\n`);
    socket.close();
  });
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { to: { type: "string" }, bind: { type: "string" }, "duration-ms": { type: "string", default: "2000" }, size: { type: "string", default: "64" } },
  });
  const mode = positionals[0];
  if (mode === "send") {
    const to = parseEndpoint(values.to ?? "");
    if (!to) throw new Error("send needs --to IP:PORT");
    await send(to, Number(values["duration-ms"]), Number(values.size));
  } else if (mode === "count") {
    const bind = parseEndpoint(values.bind ?? "");
    if (!bind) throw new Error("count needs --bind IP:PORT");
    count(bind);
  } else {
    throw new Error("usage: udp_blast.ts send|count ...");
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`udp_blast: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
