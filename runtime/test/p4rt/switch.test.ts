import test from "ava";
import { action, insert, modify, remove, tableEntry, type TableEntry } from "../../src/p4rt/entities.ts";
import { P4RuntimeError } from "../../src/p4rt/errors.ts";
import type { SwitchEvent } from "../../src/p4rt/events.ts";
import { Switch } from "../../src/p4rt/switch.ts";
import { parseP4Info } from "../../src/p4rt/p4info.ts";
import { conformanceProgram, startTestSwitch } from "./harness.ts";

const program = conformanceProgram("v1model-special-ops-bmv2");
const maybe = program ? test : test.skip;
if (!program) test("conformance corpus present", (t) => t.log("conformance corpus not found: switch tests skipped"));

const route = (prefix: string, l2ptr: number): TableEntry =>
  tableEntry("ipv4_da_lpm", { match: { "hdr.ipv4.dstAddr": prefix }, action: action("set_l2ptr", { l2ptr }) });

maybe("pipeline load, capabilities, cookie, writes and reads by name", async (t) => {
  const running = await startTestSwitch();
  const sw = new Switch({ address: running.address, electionId: 10, reconnect: false });
  try {
    t.is(await sw.connect(), "primary");
    t.false(sw.hasSchema, "no pipeline yet, no schema");
    t.is(await sw.capabilities(), "1.3.0");
    await sw.setPipeline({ p4info: program!.p4info, deviceConfig: program!.json, cookie: 42n });
    t.is((await sw.getPipeline("COOKIE_ONLY")).cookie, 42n);
    await sw.write([insert(route("10.0.0.0/8", 7)), insert(route("192.168.1.0/24", 9)), insert(tableEntry("mac_da", { match: { "meta.fwd.l2ptr": 7 }, action: action("set_bd_dmac_intf", { bd: 1, dmac: "aa:bb:cc:dd:ee:ff", intf: 2 }) }))]);
    const routes = await sw.readAll(tableEntry("ipv4_da_lpm"));
    t.is(routes.length, 2);
    const ten = routes.find((e) => e.type === "table_entry" && (e.match?.["hdr.ipv4.dstAddr"] as { prefixLen: number }).prefixLen === 8);
    t.deepEqual(ten?.type === "table_entry" ? ten.action : undefined, { kind: "action", action: { name: "ingress.set_l2ptr", params: { l2ptr: 7n } } });
    const all = await sw.readAll(tableEntry(""));
    t.is(all.length, 3, "wildcard over every table");
    await sw.write([modify(route("10.0.0.0/8", 8)), remove(route("192.168.1.0/24", 9))]);
    const after = await sw.readAll(tableEntry("ipv4_da_lpm"));
    t.is(after.length, 1);
    t.like(after[0], { action: { kind: "action", action: { params: { l2ptr: 8n } } } });
  } finally {
    sw.close();
    await running.stop();
  }
});

maybe("a failed batch reports per-update errors", async (t) => {
  const running = await startTestSwitch();
  const sw = new Switch({ address: running.address, reconnect: false });
  try {
    await sw.connect();
    await sw.setPipeline({ p4info: program!.p4info, deviceConfig: program!.json });
    await sw.write([insert(route("10.0.0.0/8", 1))]);
    const err = await t.throwsAsync(sw.write([insert(route("11.0.0.0/8", 1)), insert(route("10.0.0.0/8", 2)), modify(route("12.0.0.0/8", 3))]), { instanceOf: P4RuntimeError });
    t.is(err.rpc, "Write");
    t.deepEqual(err.details.map((d) => d.code), ["OK", "ALREADY_EXISTS", "NOT_FOUND"]);
    t.deepEqual(err.failures.map((d) => d.index), [1, 2]);
    t.is((await sw.readAll(tableEntry("ipv4_da_lpm"))).length, 2, "the good update was applied");
  } finally {
    sw.close();
    await running.stop();
  }
});

maybe("primary and backup by election id; the backup takes over when the primary leaves", async (t) => {
  const running = await startTestSwitch();
  const a = new Switch({ address: running.address, electionId: 5, reconnect: false });
  const b = new Switch({ address: running.address, electionId: 3, reconnect: false });
  try {
    t.is(await a.connect(), "primary");
    await a.setPipeline({ p4info: program!.p4info, deviceConfig: program!.json });
    t.is(await b.connect(), "backup");
    t.true(b.hasSchema, "the backup learned the P4Info from the switch");
    const denied = await t.throwsAsync(b.write([insert(route("10.0.0.0/8", 1))]), { instanceOf: P4RuntimeError });
    t.is(denied.code, "PERMISSION_DENIED");
    t.is((await b.readAll(tableEntry("ipv4_da_lpm"))).length, 0, "a backup may read");
    const promoted = b.waitForEvent("arbitration", (e) => e.role === "primary");
    a.close();
    await promoted;
    t.true(b.isPrimary);
    await b.write([insert(route("10.0.0.0/8", 1))]);
    t.is((await b.readAll(tableEntry("ipv4_da_lpm"))).length, 1);
  } finally {
    a.close();
    b.close();
    await running.stop();
  }
});

maybe("the stream reconnects with back-off after the switch restarts", async (t) => {
  let running = await startTestSwitch();
  const port = running.server.port;
  const sw = new Switch({ address: running.address, electionId: 2, reconnect: { initialMs: 20, maxMs: 200 } });
  const events: SwitchEvent["kind"][] = [];
  sw.on("event", (e: SwitchEvent) => events.push(e.kind));
  try {
    await sw.connect();
    await sw.setPipeline({ p4info: program!.p4info, deviceConfig: program!.json });
    const down = sw.waitForEvent("disconnected");
    await running.stop();
    const d = await down;
    t.true(d.retryInMs > 0);
    running = await startTestSwitch(port);
    await sw.waitForEvent("arbitration", (e) => e.role === "primary", 10_000);
    t.true(sw.isPrimary);
    // The restarted switch has no pipeline: load it again and write.
    await sw.setPipeline({ p4info: program!.p4info, deviceConfig: program!.json });
    await sw.write([insert(route("10.0.0.0/8", 1))]);
    t.is((await sw.readAll(tableEntry("ipv4_da_lpm"))).length, 1);
    t.true(events.includes("disconnected") && events.filter((k) => k === "arbitration").length >= 2);
  } finally {
    sw.close();
    await running.stop();
  }
});

maybe("events are delivered to async iterators until close", async (t) => {
  const running = await startTestSwitch();
  const sw = new Switch({ address: running.address, reconnect: false });
  const seen: string[] = [];
  const iterate = (async () => {
    for await (const e of sw.events()) seen.push(e.kind);
  })();
  await sw.connect();
  sw.close();
  await iterate;
  await running.stop();
  t.deepEqual(seen, ["connected", "arbitration", "closed"]);
});

test("packet-out goes through the pipeline and comes back as a packet-in with named metadata", async (t) => {
  const { compileFile } = await import("../../../compiler/src/index.ts");
  const compiled = compileFile(new URL("./fixtures/packet_echo.p4", import.meta.url).pathname);
  if (!compiled.ok) {
    t.fail(`our compiler rejected the packet I/O test program: ${JSON.stringify(compiled.diagnostics[0])}`);
    return;
  }
  // Our compiler does not emit controller_packet_metadata yet; these are the ids p4c gives the two headers.
  const p4info = parseP4Info(
    compiled.p4infoText.includes("controller_packet_metadata")
      ? compiled.p4infoText
      : `${compiled.p4infoText}
controller_packet_metadata { preamble { id: 81826293 name: "packet_in" alias: "packet_in" annotations: "@controller_header(\\"packet_in\\")" }
  metadata { id: 1 name: "ingress_port" bitwidth: 9 } metadata { id: 2 name: "pad" bitwidth: 7 } }
controller_packet_metadata { preamble { id: 76689799 name: "packet_out" alias: "packet_out" annotations: "@controller_header(\\"packet_out\\")" }
  metadata { id: 1 name: "egress_port" bitwidth: 9 } metadata { id: 2 name: "pad" bitwidth: 7 } }
`,
  );
  const running = await startTestSwitch(0, 255);
  const sw = new Switch({ address: running.address, reconnect: false });
  try {
    await sw.connect();
    await sw.setPipeline({ p4info, deviceConfig: new TextEncoder().encode(JSON.stringify(compiled.bmv2Json)) });
    const packetIn = sw.waitForEvent("packet_in");
    const payload = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0x99]);
    sw.packetOut(payload, { egress_port: 5 });
    const e = await packetIn;
    t.deepEqual(Uint8Array.from(e.payload), payload);
    t.deepEqual(e.metadata, { ingress_port: 5n, pad: 0n });
    t.throws(() => sw.packetOut(payload, { nope: 1 }), { message: /no metadata field/ });
  } finally {
    sw.close();
    await running.stop();
  }
});

test("roles arbitrate separately: each role has its own primary", async (t) => {
  const running = await startTestSwitch();
  const full = new Switch({ address: running.address, electionId: 9, reconnect: false });
  const monitor = new Switch({ address: running.address, electionId: 1, role: "monitor", reconnect: false });
  const monitorBackup = new Switch({ address: running.address, electionId: 0, role: "monitor", reconnect: false });
  try {
    t.is(await full.connect(), "primary");
    t.is(await monitor.connect(), "primary", "a lower election id is primary in its own role");
    t.is(await monitorBackup.connect(), "backup");
  } finally {
    full.close();
    monitor.close();
    monitorBackup.close();
    await running.stop();
  }
});

test("connecting to nothing fails fast without reconnect, and names the address", async (t) => {
  const { createServer } = await import("node:net");
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const sw = new Switch({ address: `127.0.0.1:${port}`, reconnect: false });
  try {
    await t.throwsAsync(sw.connect(5_000), { message: new RegExp(`cannot connect to 127\\.0\\.0\\.1:${port}`) });
  } finally {
    sw.close();
  }
});
