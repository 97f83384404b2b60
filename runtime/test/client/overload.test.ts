/**
 * The client library under overload: its retransmission timer follows the answers' round trip
 * (so slow answers are not multiplied by retransmissions), waits are jittered, and requests
 * beyond the in-flight bound wait for a slot instead of adding load.
 */
import test from "ava";
import { RequestSlots } from "../../src/client/request_slots.ts";
import { RetransmitTimer, withJitter } from "../../src/client/rtt.ts";
import { SessionClient } from "../../src/client/session_client.ts";
import type { DatagramTransport, ReceiveHandler } from "../../src/transport/datagram.ts";
import type { Endpoint } from "../../src/transport/endpoint.ts";
import { MessageType, type SessionHeader, decodeSessionMessage, encodeSessionMessage } from "../../src/wire/session_header.ts";

test("the retransmission timer starts at its minimum, follows slow answers, and stays within its cap", (t) => {
  const timer = new RetransmitTimer(100, 2000);
  t.is(timer.firstTimeoutMs(), 100);
  for (let i = 0; i < 20; i++) timer.sample(400);
  t.true(timer.firstTimeoutMs() >= 400, `waits at least the observed round trip, got ${timer.firstTimeoutMs()}`);
  t.true(timer.firstTimeoutMs() < 600, "and not much more once the answers are steady");
  for (let i = 0; i < 20; i++) timer.sample(10_000);
  t.is(timer.firstTimeoutMs(), 2000);
  const fast = new RetransmitTimer(100, 2000);
  for (let i = 0; i < 20; i++) fast.sample(5);
  t.is(fast.firstTimeoutMs(), 100, "never below the minimum");
});

test("a wait that had to back off is kept until a first attempt is answered again (Karn)", (t) => {
  const timer = new RetransmitTimer(100, 2000);
  timer.answeredAfterBackoff(800);
  t.is(timer.firstTimeoutMs(), 800);
  timer.sample(50);
  t.true(timer.firstTimeoutMs() < 800, "a clean sample replaces it");
});

test("jitter stretches a wait by at most the spread", (t) => {
  t.is(withJitter(200, 0.25, () => 0), 200);
  t.is(withJitter(200, 0.25, () => 0.999999), 200 * (1 + 0.25 * 0.999999));
  const spread = new Set(Array.from({ length: 50 }, () => withJitter(200, 0.25)));
  t.true(spread.size > 1, "random by default");
  t.true([...spread].every((ms) => ms >= 200 && ms < 250));
});

test("request slots: past the bound, requests wait first come first served", async (t) => {
  const slots = new RequestSlots(2);
  const order: number[] = [];
  await slots.acquire();
  await slots.acquire();
  const third = slots.acquire().then(() => order.push(3));
  const fourth = slots.acquire().then(() => order.push(4));
  t.is(slots.queued, 2);
  slots.release();
  await third;
  t.deepEqual(order, [3]);
  slots.release();
  await fourth;
  t.deepEqual(order, [3, 4]);
  t.is(slots.active, 2);
  t.throws(() => new RequestSlots(0), { instanceOf: RangeError });
});

/** A transport whose sends the test sees and whose answers the test delivers. */
function scriptedTransport(): { transport: DatagramTransport; sent: SessionHeader[]; answer(h: SessionHeader): void } {
  let handler: ReceiveHandler | undefined;
  const vip: Endpoint = { ip: "10.0.0.100", port: 7700 };
  const sent: SessionHeader[] = [];
  return {
    sent,
    transport: {
      local: { ip: "10.0.1.1", port: 5000 },
      send: (_dst, bytes) => {
        const d = decodeSessionMessage(bytes);
        if (d.ok) sent.push(d.message.header);
      },
      onReceive: (h) => {
        handler = h;
      },
      close: async () => undefined,
    },
    answer: (h) => handler?.(vip, encodeSessionMessage({ ...h, type: MessageType.Response, flags: 0 }, new TextEncoder().encode("ok"))),
  };
}

test("the client keeps at most maxInFlight requests outstanding; the others wait and go out as answers come", async (t) => {
  const wire = scriptedTransport();
  const client = new SessionClient({ transport: wire.transport, vip: { ip: "10.0.0.100", port: 7700 }, timeoutMs: 60_000, retries: 0, maxInFlight: 2 });
  try {
    const replies = Array.from({ length: 5 }, () => client.request(SessionClient.newSessionId(), "get n"));
    await new Promise((r) => setImmediate(r));
    t.is(wire.sent.length, 2, "only two on the wire");
    t.is(client.counters.queued, 3);
    wire.answer(wire.sent[0]!);
    await replies[0];
    await new Promise((r) => setImmediate(r));
    t.is(wire.sent.length, 3, "an answer lets the next one go");
    for (let i = 1; i < 5; i++) {
      while (wire.sent.length <= i) await new Promise((r) => setImmediate(r));
      wire.answer(wire.sent[i]!);
    }
    const answered = await Promise.all(replies);
    t.true(answered.every((r) => r.kind === "response" && r.attempts === 1));
  } finally {
    await client.close();
  }
});

test("closing the client fails the requests still waiting for a slot", async (t) => {
  const wire = scriptedTransport();
  const client = new SessionClient({ transport: wire.transport, vip: { ip: "10.0.0.100", port: 7700 }, timeoutMs: 60_000, retries: 0, maxInFlight: 1 });
  const first = client.request(SessionClient.newSessionId(), "get n");
  const waiting = client.request(SessionClient.newSessionId(), "get n");
  await new Promise((r) => setImmediate(r));
  await client.close();
  await t.throwsAsync(first);
  await t.throwsAsync(waiting, { message: /closed/ });
  t.is(wire.sent.length, 1);
});
