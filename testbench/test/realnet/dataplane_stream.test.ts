/**
 * The dataplane stream against a stand-in for simple_switch_grpc's dataplane service that
 * refuses streams as the real one does before its program has started ("not ready") and while
 * another client holds the port: every frame reaches the switch exactly once, and a refusal it
 * stops retrying, or any other error, is reported.
 */
import * as grpc from "@grpc/grpc-js";
import test from "ava";
import { DataplaneStream, dataplaneServiceDefinition } from "../../src/realnet/diff_dataplane.ts";

interface StandIn {
  readonly address: string;
  /** Frames the stand-in read, in order (payload's first byte). */
  readonly read: number[];
  close(): Promise<void>;
}

/** Refuses the first `refusals` streams with `details`, then echoes every frame back on its port. */
async function standIn(refusals: number, details: string, code = grpc.status.UNAVAILABLE): Promise<StandIn> {
  const server = new grpc.Server();
  const read: number[] = [];
  let refused = 0;
  server.addService(dataplaneServiceDefinition(), {
    PacketStream(call: grpc.ServerDuplexStream<{ port: number; packet: Buffer }, object>) {
      if (refused < refusals) {
        refused++;
        call.emit("error", { code, details });
        return;
      }
      call.on("data", (m: { port: number; packet: Buffer }) => {
        read.push(m.packet[0]!);
        call.write({ device_id: "0", port: m.port, packet: m.packet });
      });
      call.on("end", () => call.end());
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return { address: `127.0.0.1:${port}`, read, close: () => new Promise((resolve) => server.tryShutdown(() => resolve())) };
}

async function until(done: () => boolean, ms = 5000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!done() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

for (const details of ["not ready", "only one client authorized at a time"]) {
  test(`frames sent while the switch refuses the stream ("${details}") arrive once it accepts one, each exactly once`, async (t) => {
    const sw = await standIn(3, details, details === "not ready" ? grpc.status.UNAVAILABLE : grpc.status.RESOURCE_EXHAUSTED);
    const stream = new DataplaneStream(sw.address);
    const back: number[] = [];
    stream.onFrame((f) => back.push(f.frame[0]!));
    try {
      for (let i = 0; i < 5; i++) stream.send(i + 1, new Uint8Array([i]));
      await until(() => back.length >= 5);
      for (let i = 5; i < 8; i++) stream.send(i + 1, new Uint8Array([i]));
      await until(() => back.length >= 8);
      t.deepEqual(sw.read, [0, 1, 2, 3, 4, 5, 6, 7]);
      t.deepEqual(back, [0, 1, 2, 3, 4, 5, 6, 7]);
      t.is(stream.error, undefined);
    } finally {
      stream.close();
      await sw.close();
    }
  });
}

test("any other refusal is reported, and nothing is sent again", async (t) => {
  const sw = await standIn(1, "bad device", grpc.status.INVALID_ARGUMENT);
  const stream = new DataplaneStream(sw.address);
  try {
    stream.send(1, new Uint8Array([9]));
    await until(() => stream.error !== undefined);
    t.regex(String(stream.error?.message), /bad device/);
    await new Promise((r) => setTimeout(r, 200));
    t.deepEqual(sw.read, []);
  } finally {
    stream.close();
    await sw.close();
  }
});
