import test from "ava";
import { execFileSync } from "node:child_process";
import { type PacketRingAddon, type RingHandle, isPermissionError, loadPacketRings } from "../../src/ports/packet_rings.ts";
import { parseInterfaceBinding } from "../../src/ports/interface_ports.ts";

const load = loadPacketRings();
const unavailable = !load.ok ? load.reason : process.getuid?.() !== 0 ? "needs root (veth pairs and packet sockets)" : undefined;
if (unavailable) console.log(`packet-ring tests skipped: ${unavailable}`);
const withRings = unavailable ? test.skip : test.serial;

/** A veth pair named after this process, removed at the end. */
function vethPair(tag: string): { a: string; b: string; remove(): void } {
  const a = `pr${process.pid % 100000}${tag}a`;
  const b = `pr${process.pid % 100000}${tag}b`;
  const ip = (...args: string[]): void => void execFileSync("ip", args, { stdio: "ignore" });
  ip("link", "add", a, "type", "veth", "peer", "name", b);
  for (const i of [a, b]) {
    execFileSync("sysctl", ["-q", "-w", `net.ipv6.conf.${i}.disable_ipv6=1`], { stdio: "ignore" });
    ip("link", "set", i, "up");
  }
  return { a, b, remove: () => ip("link", "del", a) };
}

/** An Ethernet frame with a payload that names it (ethertype 0x88b5, local experimental). */
function frame(n: number, length = 100): Uint8Array {
  const f = new Uint8Array(length);
  f.set([0x02, 0, 0, 0, 0, 0xbb, 0x02, 0, 0, 0, 0, 0xaa, 0x88, 0xb5]);
  new DataView(f.buffer).setUint32(14, n);
  for (let i = 18; i < length; i++) f[i] = (n + i) & 0xff;
  return f;
}

function collect(addon: PacketRingAddon, h: RingHandle): Uint8Array[] {
  const got: Uint8Array[] = [];
  const batch = new ArrayBuffer(1 << 20);
  const descriptors = new Uint32Array(512);
  addon.receive(h, batch, descriptors, (count) => {
    for (let i = 0; i < count; i++) got.push(new Uint8Array(batch.slice(descriptors[2 * i]!, descriptors[2 * i]! + descriptors[2 * i + 1]!)));
  });
  return got;
}

async function until(done: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

test("interface bindings parse as simple_switch's PORT@IFNAME", (t) => {
  t.deepEqual(parseInterfaceBinding("1@veth1"), { port: 1, ifname: "veth1" });
  t.regex(parseInterfaceBinding("veth1") as string, /not PORT@INTERFACE/);
  t.regex(parseInterfaceBinding("600@veth1") as string, /out of range/);
  t.regex(parseInterfaceBinding("1@averyveryverylongname") as string, /not PORT@INTERFACE/);
});

withRings("frames sent on one end of a veth pair arrive whole, in order, on the other, in both directions", async (t) => {
  const { addon } = load as { ok: true; addon: PacketRingAddon };
  const pair = vethPair("x");
  const ha = addon.open(pair.a, 1 << 14, 16, 1, 64);
  const hb = addon.open(pair.b, 1 << 14, 16, 1, 64);
  try {
    const atB = collect(addon, hb);
    const atA = collect(addon, ha);
    // More frames than the 64 transmit slots: send must flush and reuse slots.
    const sent = Array.from({ length: 200 }, (_, i) => frame(i, 60 + (i % 5) * 300));
    for (const f of sent) {
      if (!addon.send(ha, f)) {
        addon.flush(ha);
        t.true(addon.send(ha, f), "a slot is free again after a flush");
      }
    }
    t.is(addon.flush(ha), 0);
    t.true(addon.send(hb, frame(9999)));
    addon.flush(hb);
    await until(() => atB.length >= sent.length && atA.length >= 1);
    const ours = atB.filter((f) => f[12] === 0x88 && f[13] === 0xb5);
    t.is(ours.length, sent.length);
    t.deepEqual(ours, sent);
    // A socket does not receive its own transmissions: A sees only B's frame.
    t.deepEqual(atA.filter((f) => f[12] === 0x88), [frame(9999)]);
    t.is(addon.stats(hb).kernelDrops, 0);
  } finally {
    addon.close(ha);
    addon.close(hb);
    pair.remove();
  }
});

withRings("an 802.1Q-tagged frame arrives with its tag in place (the kernel takes it out of the frame)", async (t) => {
  const { addon } = load as { ok: true; addon: PacketRingAddon };
  const pair = vethPair("v");
  const ha = addon.open(pair.a, 1 << 14, 4, 1, 8);
  const hb = addon.open(pair.b, 1 << 14, 4, 1, 8);
  try {
    const atB = collect(addon, hb);
    const tagged = frame(7, 100);
    // TPID 0x8100, PCP 3, VID 42, then the inner ethertype 0x88b5.
    tagged.set([0x81, 0x00, 0x60, 0x2a, 0x88, 0xb5], 12);
    t.true(addon.send(ha, tagged));
    addon.flush(ha);
    await until(() => atB.some((f) => f[12] === 0x81));
    t.deepEqual(atB.find((f) => f[12] === 0x81), tagged);
  } finally {
    addon.close(ha);
    addon.close(hb);
    pair.remove();
  }
});

withRings("the paced sender and the counter agree on what crossed a veth pair", async (t) => {
  const { addon } = load as { ok: true; addon: PacketRingAddon };
  const pair = vethPair("y");
  try {
    const counter = addon.counterStart(pair.b);
    const templates = [frame(1, 80), frame(2, 120)];
    const frames = new Uint8Array(200);
    frames.set(templates[0]!, 0);
    frames.set(templates[1]!, 80);
    const blast = await addon.blast(pair.a, frames, new Uint32Array([80, 120]), 5000, 0.4);
    await new Promise((r) => setTimeout(r, 200));
    const counted = addon.counterStop(counter);
    t.true(blast.sent >= 1500 && blast.sent <= 2100, `sent ${blast.sent} at 5000/s for 0.4 s`);
    t.is(counted.received, blast.sent);
    t.true(counted.p50Us <= counted.p99Us && counted.p99Us <= counted.maxUs);
  } finally {
    pair.remove();
  }
});

withRings("opening a missing interface names it and the failing step", (t) => {
  const { addon } = load as { ok: true; addon: PacketRingAddon };
  const e = t.throws(() => addon.open(`nx${process.pid % 100000}`, 1 << 14, 4, 1, 4));
  t.regex(e!.message, /nx\d+: no such interface/);
  t.false(isPermissionError(e));
});
