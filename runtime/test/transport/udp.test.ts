/**
 * Kernel UDP transports: the batched one (slb_udp addon) must behave as node:dgram does, both
 * talking to each other, while taking many datagrams per system call. The batched tests skip
 * with the reason where the addon is not built.
 */
import test from "ava";
import type { DatagramTransport } from "../../src/transport/datagram.ts";
import type { Endpoint } from "../../src/transport/endpoint.ts";
import { openUdpTransport } from "../../src/transport/udp.ts";
import { loadBatchedUdp, openBatchedUdp } from "../../src/transport/udp_batch.ts";

const addon = loadBatchedUdp();
const batchedTest = addon.ok ? test : test.skip;
const why = addon.ok ? "" : ` [skipped: ${addon.reason}]`;

type Received = { src: Endpoint; bytes: Uint8Array };

function collect(t: DatagramTransport): Received[] {
  const got: Received[] = [];
  t.onReceive((src, bytes) => got.push({ src, bytes }));
  return got;
}

async function until(done: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const datagram = (i: number, size = 32): Uint8Array => {
  const bytes = new Uint8Array(size);
  new DataView(bytes.buffer).setUint32(0, i);
  bytes.fill(i & 0xff, 4);
  return bytes;
};

for (const [label, engines] of [
  ["batched to batched", ["auto", "auto"]],
  ["dgram to batched", ["dgram", "auto"]],
  ["batched to dgram", ["auto", "dgram"]],
] as const) {
  batchedTest(`${label}: every datagram of a burst arrives whole, from the sender's address${why}`, async (t) => {
    const a = await openUdpTransport({ engine: engines[0] });
    const b = await openUdpTransport({ engine: engines[1] });
    try {
      const atB = collect(b);
      const atA = collect(a);
      for (let i = 0; i < 200; i++) a.send(b.local, datagram(i, 16 + (i % 50)));
      await until(() => atB.length === 200, "the burst");
      t.deepEqual(atB.map((r) => new DataView(r.bytes.buffer, r.bytes.byteOffset).getUint32(0)).sort((x, y) => x - y), [...Array(200).keys()]);
      for (const r of atB) {
        const i = new DataView(r.bytes.buffer, r.bytes.byteOffset).getUint32(0);
        t.deepEqual(r.bytes, datagram(i, 16 + (i % 50)));
        t.deepEqual(r.src, a.local);
      }
      b.send(atB[0]!.src, datagram(7));
      await until(() => atA.length === 1, "the answer");
      t.deepEqual(atA[0]!.src, b.local);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
}

batchedTest(`batched: a burst goes out and comes in with fewer system calls than datagrams; kept datagrams stay intact${why}`, async (t) => {
  if (!addon.ok) return;
  const a = openBatchedUdp(addon.addon, "127.0.0.1", 0);
  const b = openBatchedUdp(addon.addon, "127.0.0.1", 0);
  try {
    const kept = collect(b);
    for (let i = 0; i < 64; i++) a.send(b.local, datagram(i, 100));
    await until(() => kept.length === 64, "the first burst");
    // A second burst refills the receive buffer: what the handler kept from the first must not change.
    for (let i = 0; i < 64; i++) a.send(b.local, datagram(1000 + i, 100));
    await until(() => kept.length === 128, "the second burst");
    for (const r of kept) t.deepEqual(r.bytes, datagram(new DataView(r.bytes.buffer, r.bytes.byteOffset).getUint32(0), 100));
    t.is(a.stats().txDatagrams, 128);
    const rx = b.stats();
    t.is(rx.rxDatagrams, 128);
    t.true(rx.rxBatches < rx.rxDatagrams, `batches ${rx.rxBatches} for ${rx.rxDatagrams} datagrams`);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

batchedTest(`batched: the largest IPv4 datagram arrives whole${why}`, async (t) => {
  const a = await openUdpTransport();
  const b = await openUdpTransport();
  try {
    const got = collect(b);
    const big = new Uint8Array(65507).map((_, i) => (i * 31) & 0xff);
    a.send(b.local, big);
    a.send(b.local, datagram(1));
    await until(() => got.length === 2, "both datagrams");
    t.deepEqual(got.map((r) => r.bytes.length).sort((x, y) => x - y), [32, 65507]);
    t.deepEqual(got.find((r) => r.bytes.length === 65507)!.bytes, big);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

batchedTest(`batched: bad destinations and unreachable ports drop the datagram, never throw, and are counted${why}`, async (t) => {
  if (!addon.ok) return;
  const a = openBatchedUdp(addon.addon, "127.0.0.1", 0);
  const b = openBatchedUdp(addon.addon, "127.0.0.1", 0);
  try {
    const got = collect(b);
    t.notThrows(() => a.send({ ip: "not-an-address", port: 9 }, datagram(1)));
    t.notThrows(() => a.send({ ip: "127.0.0.1", port: 70000 }, datagram(2)));
    t.notThrows(() => a.send({ ip: "127.0.0.1", port: 0 }, datagram(3)));
    t.notThrows(() => a.send({ ip: "127.0.0.1", port: 1 }, datagram(4)));
    a.send(b.local, datagram(5));
    await until(() => got.length === 1, "the good datagram");
    t.is(new DataView(got[0]!.bytes.buffer, got[0]!.bytes.byteOffset).getUint32(0), 5);
    t.is(a.stats().txDropped, 3, "the bad address, the bad port and port 0");
    // An address already sent to does not make a bad port good: 65536 + b's port must not reach b.
    a.send({ ip: b.local.ip, port: 65536 + b.local.port }, datagram(6));
    a.send(b.local, datagram(7));
    await until(() => got.length === 2, "the next good datagram");
    t.is(new DataView(got[1]!.bytes.buffer, got[1]!.bytes.byteOffset).getUint32(0), 7);
    t.is(a.stats().txDropped, 4);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

batchedTest(`batched: a port in use is refused with EADDRINUSE; closing frees it and ends sending${why}`, async (t) => {
  const a = await openUdpTransport();
  await t.throwsAsync(() => openUdpTransport({ port: a.local.port }), { code: "EADDRINUSE", message: /Address already in use/ });
  const b = await openUdpTransport();
  const got = collect(b);
  await a.close();
  t.notThrows(() => a.send(b.local, datagram(1)));
  const again = await openUdpTransport({ port: a.local.port });
  t.is(again.local.port, a.local.port);
  again.send(b.local, datagram(2));
  await until(() => got.length === 1, "a datagram from the reopened port");
  t.is(new DataView(got[0]!.bytes.buffer, got[0]!.bytes.byteOffset).getUint32(0), 2, "nothing from the closed socket");
  await Promise.all([again.close(), b.close()]);
});

test("dgram engine on request: the same transport contract without the addon", async (t) => {
  const a = await openUdpTransport({ engine: "dgram" });
  const b = await openUdpTransport({ engine: "dgram" });
  try {
    const got = collect(b);
    a.send(b.local, datagram(9));
    t.notThrows(() => a.send({ ip: "127.0.0.1", port: 1 }, datagram(10)));
    await until(() => got.length === 1, "the datagram");
    t.deepEqual(got[0]!.bytes, datagram(9));
    t.deepEqual(got[0]!.src, a.local);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});
