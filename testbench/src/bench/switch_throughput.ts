/**
 * Switch packets/s on the LB program: requests with a cookie (classify, cookie decode, DNAT,
 * checksum update, route), first straight into the model in process, then over UDP wires
 * from a client port to a server port with a window of frames in flight.
 */
import { HostWire } from "../system/host_wire.ts";
import { compileLbProgram } from "../system/program.ts";
import { startSwitchRuntime } from "../system/switch_runtime.ts";
import { CLIENT_PORT, SERVER_PORT, lbSwitch, port, programLb, requestFrame } from "./lb_fixture.ts";
import { type BenchOutcome, measured, na } from "./report.ts";

const FRAMES = 256;

function frames(): Uint8Array[] {
  return Array.from({ length: FRAMES }, (_, i) => requestFrame(0x1234_5678_0000_0000n + BigInt(i), i + 1));
}

export async function switchInProcess(ms = 2000): Promise<BenchOutcome> {
  const program = await compileLbProgram();
  const model = lbSwitch(program.bmv2Json);
  let toServer = 0;
  model.onEgress((p) => {
    if (p === SERVER_PORT) toServer++;
  });
  const batch = frames();
  const ingress = port(CLIENT_PORT);
  model.inject(ingress, batch[0]!);
  if (toServer !== 1) return na(`the LB program did not forward a request to server 1 (switch stats ${JSON.stringify(model.stats())})`);
  let sent = 0;
  const started = performance.now();
  while (performance.now() - started < ms) {
    for (const f of batch) model.inject(ingress, f);
    sent += batch.length;
  }
  const seconds = (performance.now() - started) / 1000;
  return measured(
    { metric: "LB requests/s through the model (in process)", value: sent / seconds, unit: "packets/s", detail: { packets: sent, forwarded: toServer - 1 } },
    { metric: "per packet", value: (seconds * 1e6) / sent, unit: "µs" },
  );
}

export async function switchOverWires(ms = 2000, window = 64): Promise<BenchOutcome> {
  const program = await compileLbProgram();
  const client = await HostWire.bind();
  const server = await HostWire.bind();
  const runtime = await startSwitchRuntime({
    ports: [SERVER_PORT, CLIENT_PORT],
    hosts: new Map([
      [SERVER_PORT, server.local],
      [CLIENT_PORT, client.local],
    ]),
  });
  try {
    runtime.model.loadPipeline(JSON.parse(program.bmv2Json));
    programLb(runtime.model);
    client.connect(runtime.wire(CLIENT_PORT));
    server.connect(runtime.wire(SERVER_PORT));
    const batch = frames();
    let received = 0;
    let inFlight = 0;
    let sent = 0;
    let wake: (() => void) | undefined;
    server.onFrame(() => {
      received++;
      inFlight--;
      wake?.();
    });
    const started = performance.now();
    while (performance.now() - started < ms) {
      while (inFlight < window) {
        client.send(batch[sent % batch.length]!);
        sent++;
        inFlight++;
      }
      const progressed = await new Promise<boolean>((resolve) => {
        wake = () => resolve(true);
        setTimeout(() => resolve(false), 50);
      });
      // 50 ms without a single frame: what was in flight is lost (socket buffers); refill.
      if (!progressed) inFlight = 0;
    }
    const seconds = (performance.now() - started) / 1000;
    const counted = received;
    await new Promise((r) => setTimeout(r, 200));
    const stats = runtime.model.stats();
    return measured(
      { metric: "LB requests/s over UDP wires", value: counted / seconds, unit: "packets/s", detail: { sent, received, window, switch: stats } },
      { metric: "frames lost on the way (socket buffers)", value: sent - received, unit: "frames" },
    );
  } finally {
    await runtime.stop();
    await client.close();
    await server.close();
  }
}
