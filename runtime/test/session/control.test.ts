import test from "ava";
import { createSocket } from "node:dgram";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { ControlTimeoutError, decodeControl, encodeControl, probeServer, pushMembership } from "../../src/wire/control.ts";

const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));

test("control messages round-trip through encode/decode", (t) => {
  const membership = {
    kind: "membership",
    nonce: 7,
    epoch: 3,
    servers: [{ id: 1, address: "10.0.1.1", dataPort: 7700, peerPort: 7701, state: "up" }, { id: 2, address: "10.0.1.2", dataPort: 7700, peerPort: 7701, state: "draining" }],
  } as const;
  t.deepEqual(decodeControl(encodeControl(membership)), { ok: true, message: membership });
  const ack = { kind: "probe_ack", nonce: 1, serverId: 4, epoch: 9, sessions: 12, load: 0.5 } as const;
  t.deepEqual(decodeControl(encodeControl(ack)), { ok: true, message: ack });
});

test("decodeControl rejects garbage without throwing and keeps the nonce when it can", (t) => {
  for (const bytes of [new Uint8Array([0xff, 0xfe]), enc([1, 2]), enc({ kind: "probe", nonce: 1 }), enc(null), new Uint8Array(70_000)]) {
    t.false(decodeControl(bytes).ok);
  }
  const bad = decodeControl(enc({ slbctl: 1, kind: "membership", nonce: 5, epoch: 1, servers: [{ id: 0, address: "x" }] }));
  t.deepEqual(bad.ok ? undefined : bad.nonce, 5);
  const dup = decodeControl(
    enc({ slbctl: 1, kind: "membership", nonce: 5, epoch: 1, servers: [1, 1].map((id) => ({ id, address: "1.2.3.4", dataPort: 1, peerPort: 2, state: "up" })) }),
  );
  t.false(dup.ok);
  t.false(decodeControl(enc({ slbctl: 1, kind: "launch", nonce: 1 })).ok);
});

test("sendControl retransmits and matches the reply by nonce", async (t) => {
  const server = createSocket("udp4");
  let seen = 0;
  server.on("message", (bytes, rinfo) => {
    seen++;
    if (seen === 1) return; // drop the first attempt so the retry path runs
    const d = decodeControl(bytes);
    if (!d.ok || d.message.kind !== "probe") return;
    server.send(encodeControl({ kind: "probe_ack", nonce: d.message.nonce + 1, serverId: 9, epoch: 0, sessions: 0, load: 0 }), rinfo.port, rinfo.address);
    server.send(encodeControl({ kind: "probe_ack", nonce: d.message.nonce, serverId: 3, epoch: 2, sessions: 5, load: 0.25 }), rinfo.port, rinfo.address);
  });
  server.bind(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  const reply = await probeServer({ ip: "127.0.0.1", port }, { timeoutMs: 50, retries: 3 });
  t.is(seen, 2);
  t.like(reply, { kind: "probe_ack", serverId: 3, epoch: 2, sessions: 5 });
  server.close();
});

test("sendControl rejects with ControlTimeoutError when nobody answers", async (t) => {
  const silent = createSocket("udp4");
  silent.bind(0, "127.0.0.1");
  await once(silent, "listening");
  const port = (silent.address() as AddressInfo).port;
  await t.throwsAsync(pushMembership({ ip: "127.0.0.1", port }, { epoch: 1, servers: [] }, { timeoutMs: 20, retries: 1 }), { instanceOf: ControlTimeoutError });
  silent.close();
});
