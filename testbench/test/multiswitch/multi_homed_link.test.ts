import test from "ava";
import type { FrameHandler, FrameLink } from "../../../runtime/src/hoststack/link.ts";
import { MultiHomedLink } from "../../src/system/multi_homed_link.ts";
import { buildUdpFrame } from "../../src/packet/frame.ts";
import { ipv4, mac } from "../../src/packet/address.ts";

class FakeHop implements FrameLink {
  readonly local = { ip: "127.0.0.1", port: 1 };
  readonly sent: Uint8Array[] = [];
  private handler: FrameHandler | undefined;
  send(frame: Uint8Array): void {
    this.sent.push(frame);
  }
  onFrame(handler: FrameHandler): void {
    this.handler = handler;
  }
  deliver(frame: Uint8Array): void {
    this.handler?.(frame);
  }
  async close(): Promise<void> {}
}

function frame(src: string, dst: string): Uint8Array {
  return buildUdpFrame({
    ethernet: { dst: mac("02:00:00:00:00:fe"), src: mac("02:00:00:00:00:01") },
    ipv4: { src: ipv4(src), dst: ipv4(dst), ttl: 64 },
    udp: { srcPort: 1000, dstPort: 2000 },
    payload: { kind: "raw", bytes: new Uint8Array(4) },
  });
}

function rig(preferred = 0) {
  const hops = [new FakeHop(), new FakeHop(), new FakeHop()];
  const clock = { now: 0 };
  const link = new MultiHomedLink(hops, { preferred, deadAfterMs: 300, now: () => clock.now });
  const received: Uint8Array[] = [];
  link.onFrame((f) => received.push(f));
  const counts = (): number[] => hops.map((h) => h.sent.length);
  return { hops, clock, link, received, counts };
}

test("a reply leaves on the hop its peer was last heard on; everything else on the preferred hop", (t) => {
  const { hops, link, received, counts } = rig(1);
  link.send(frame("10.0.2.1", "10.0.0.100"));
  t.deepEqual(counts(), [0, 1, 0], "the preferred first hop");
  hops[2]!.deliver(frame("10.0.2.7", "10.0.2.1"));
  t.is(received.length, 1, "frames from any hop reach the host");
  link.send(frame("10.0.2.1", "10.0.2.7"));
  t.deepEqual(counts(), [0, 1, 1], "the answer follows the request's switch");
});

test("a hop sent on without a frame back for longer than deadAfterMs is left for the next; a frame back restores trust", (t) => {
  const { hops, clock, link, counts } = rig(0);
  link.send(frame("10.0.2.1", "10.0.0.100"));
  clock.now = 200;
  link.send(frame("10.0.2.1", "10.0.0.100"));
  t.deepEqual(counts(), [2, 0, 0], "not yet suspected");
  clock.now = 301;
  link.send(frame("10.0.2.1", "10.0.0.100"));
  t.deepEqual(counts(), [2, 1, 0], "moved to the next hop");
  t.is(link.activeHop, 1);
  hops[1]!.deliver(frame("10.0.0.100", "10.0.2.1"));
  clock.now = 5000;
  link.send(frame("10.0.2.1", "10.0.0.100"));
  t.deepEqual(counts(), [2, 2, 0], "the answered hop stays");
});

test("when every hop has gone quiet, each gets another chance in turn", (t) => {
  const { clock, link, counts } = rig(0);
  const used: number[] = [];
  for (let ms = 0; ms <= 2000; ms += 50) {
    clock.now = ms;
    link.send(frame("10.0.2.1", "10.0.0.100"));
    if (used[used.length - 1] !== link.activeHop) used.push(link.activeHop);
  }
  t.deepEqual(used.slice(0, 6), [0, 1, 2, 0, 1, 2], "round robin over all hops, none abandoned for good");
  t.true(counts().every((n) => n > 0));
});
