import test from "ava";
import { createSocket, type Socket } from "node:dgram";
import { once } from "node:events";
import { port } from "../../src/dataplane/api.ts";
import { UdpWires } from "../../src/ports/udp_wires.ts";
import { frame } from "./fixture.ts";
import { fixtureSwitch } from "./harness.ts";

async function host(): Promise<Socket> {
  const s = createSocket("udp4");
  s.bind(0, "127.0.0.1");
  await once(s, "listening");
  return s;
}

function nextMessage(s: Socket, ms = 2000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no datagram within the deadline")), ms);
    s.once("message", (m: Buffer) => {
      clearTimeout(timer);
      resolve(m);
    });
  });
}

test("a frame sent to one port's socket comes back out of another port's socket", async (t) => {
  const { sw } = fixtureSwitch();
  sw.control.tableAdd("ingress.t_exact", [{ kind: "exact", value: 5n }], { kind: "action", call: { action: "ingress.fwd", args: [2n] } });
  const wires = new UdpWires(sw, { ports: [port(1), port(2)], basePort: 0 });
  await wires.start();
  const a = await host();
  const b = await host();
  try {
    const p1 = wires.endpoint(port(1));
    const p2 = wires.endpoint(port(2));
    t.is(p1.address, "127.0.0.1");
    t.not(p1.port, p2.port);
    // Host b attaches to port 2 by sending once (a frame the program drops).
    b.send(frame(9, 1, 0), p2.port, p2.address);
    await new Promise((r) => setTimeout(r, 50));
    const got = nextMessage(b);
    a.send(frame(5, 1, 0x1234, 0xaa), p1.port, p1.address);
    t.is((await got).toString("hex"), "05011234aa");
    t.is(wires.stats()["framesIn"], 2);
    t.is(wires.stats()["framesOut"], 1);
  } finally {
    a.close();
    b.close();
    await wires.stop();
  }
  t.false(wires.running);
});

test("a configured peer receives a port's frames without attaching first; unknown peers drop", async (t) => {
  const { sw } = fixtureSwitch();
  sw.control.tableAdd("ingress.t_exact", [{ kind: "exact", value: 5n }], { kind: "action", call: { action: "ingress.fwd", args: [2n] } });
  sw.control.tableAdd("ingress.t_exact", [{ kind: "exact", value: 6n }], { kind: "action", call: { action: "ingress.fwd", args: [3n] } });
  const peer = await host();
  const addr = peer.address();
  const wires = new UdpWires(sw, { ports: [port(1), port(2), port(3)], basePort: 0, peers: new Map([[port(2), { address: addr.address, port: addr.port }]]) });
  await wires.start();
  const sender = await host();
  try {
    const got = nextMessage(peer);
    const p1 = wires.endpoint(port(1));
    sender.send(frame(6, 1, 0), p1.port, p1.address);
    sender.send(frame(5, 1, 7), p1.port, p1.address);
    t.is((await got).toString("hex"), "05010007");
    t.is(wires.stats()["noPeerDrops"], 1);
  } finally {
    sender.close();
    peer.close();
    await wires.stop();
  }
});

test("start fails cleanly when a port's UDP socket is taken, and stop releases every socket", async (t) => {
  const { sw } = fixtureSwitch();
  const blocker = await host();
  const taken = blocker.address().port;
  const wires = new UdpWires(sw, { ports: [port(0), port(1)], basePort: taken - 1 });
  await t.throwsAsync(() => wires.start());
  t.false(wires.running);
  blocker.close();
  const again = new UdpWires(sw, { ports: [port(0), port(1)], basePort: taken - 1 });
  await again.start();
  t.is(again.endpoint(port(1)).port, taken);
  await again.stop();
});

test("a frame the switch sends to a port with no wire is counted, not lost silently", async (t) => {
  const { sw } = fixtureSwitch();
  sw.control.tableAdd("ingress.t_exact", [{ kind: "exact", value: 5n }], { kind: "action", call: { action: "ingress.fwd", args: [7n] } });
  const wires = new UdpWires(sw, { ports: [port(1)], basePort: 0 });
  await wires.start();
  try {
    sw.inject(port(1), frame(5, 1, 0));
    t.is(sw.stats()["packets_out"], 1, "the switch sent it to port 7");
    t.is(wires.stats()["noWireDrops"], 1);
    t.is(wires.stats()["framesOut"], 0);
  } finally {
    await wires.stop();
  }
});
