import test from "ava";
import type { FrameHandler, FrameLink } from "../../../runtime/src/hoststack/link.ts";
import { FaultLink } from "../../src/system/fault_link.ts";

/** A FrameLink that records what was sent and lets the test inject frames from the switch side. */
function fakeLink(): FrameLink & { sent: Uint8Array[]; fromSwitch(frame: Uint8Array): void; closed: boolean } {
  let handler: FrameHandler | undefined;
  const link = {
    local: { ip: "127.0.0.1", port: 1 },
    sent: [] as Uint8Array[],
    closed: false,
    send(frame: Uint8Array) {
      link.sent.push(frame);
    },
    onFrame(h: FrameHandler) {
      handler = h;
    },
    fromSwitch(frame: Uint8Array) {
      handler?.(frame);
    },
    async close() {
      link.closed = true;
    },
  };
  return link;
}

function ipv4Frame(src: number, dst: number): Uint8Array {
  const frame = new Uint8Array(14 + 20 + 8);
  const view = new DataView(frame.buffer);
  view.setUint16(12, 0x0800);
  view.setUint8(14, 0x45);
  view.setUint32(14 + 12, src);
  view.setUint32(14 + 16, dst);
  return frame;
}

const A = 0x0a000001;
const B = 0x0a000002;
const C = 0x0a000003;

test("frames cross untouched without a fault, both ways", (t) => {
  const inner = fakeLink();
  const link = new FaultLink(inner);
  const received: Uint8Array[] = [];
  link.onFrame((f) => received.push(f));
  link.send(ipv4Frame(A, B));
  inner.fromSwitch(ipv4Frame(B, A));
  t.is(inner.sent.length, 1);
  t.is(received.length, 1);
  t.is(link.counters.passed, 2);
});

test("loss drops the configured fraction, decided by the injected random source", (t) => {
  const inner = fakeLink();
  let i = 0;
  const link = new FaultLink(inner, () => (i++ % 4) / 4);
  link.fault = { lossRate: 0.5, delayMs: 0, blackhole: false };
  for (let n = 0; n < 8; n++) link.send(ipv4Frame(A, C));
  t.is(inner.sent.length, 4);
  t.is(link.counters.lost, 4);
});

test("blackhole drops everything in both directions", (t) => {
  const inner = fakeLink();
  const link = new FaultLink(inner);
  const received: Uint8Array[] = [];
  link.onFrame((f) => received.push(f));
  link.fault = { lossRate: 0, delayMs: 0, blackhole: true };
  link.send(ipv4Frame(A, C));
  inner.fromSwitch(ipv4Frame(C, A));
  t.is(inner.sent.length + received.length, 0);
  t.is(link.counters.blackholed, 2);
});

test("partition drops only traffic to and from the named peer", (t) => {
  const inner = fakeLink();
  const link = new FaultLink(inner);
  const received: Uint8Array[] = [];
  link.onFrame((f) => received.push(f));
  link.partition(B);
  link.send(ipv4Frame(A, B));
  inner.fromSwitch(ipv4Frame(B, A));
  link.send(ipv4Frame(A, C));
  inner.fromSwitch(ipv4Frame(C, A));
  t.is(inner.sent.length, 1);
  t.is(received.length, 1);
  t.is(link.counters.partitioned, 2);
  link.unpartition(B);
  link.send(ipv4Frame(A, B));
  t.is(inner.sent.length, 2);
});

test("delay holds a copy of the frame and delivers it later; close cancels pending frames", async (t) => {
  const inner = fakeLink();
  const link = new FaultLink(inner);
  link.fault = { lossRate: 0, delayMs: 20, blackhole: false };
  const frame = ipv4Frame(A, C);
  link.send(frame);
  frame.fill(0);
  t.is(inner.sent.length, 0);
  await new Promise((r) => setTimeout(r, 60));
  t.is(inner.sent.length, 1);
  t.is(new DataView(inner.sent[0]!.buffer).getUint16(12), 0x0800);
  link.send(ipv4Frame(A, C));
  await link.close();
  await new Promise((r) => setTimeout(r, 40));
  t.is(inner.sent.length, 1);
  t.true(inner.closed);
});
