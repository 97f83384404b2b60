import test from "ava";
import { port, type Digest } from "../../src/dataplane/api.ts";
import { createSwitch, measureInjectRate } from "../../src/dataplane/index.ts";
import { fixtureProgram, frame } from "./fixture.ts";
import { fixtureSwitch } from "./harness.ts";

const fwd = (p: bigint) => ({ kind: "action" as const, call: { action: "ingress.fwd", args: [p] } });

test("exact table: hit forwards, miss runs the default (drop), direct counter counts hits", (t) => {
  const { sw, send } = fixtureSwitch();
  const h = sw.control.tableAdd("ingress.t_exact", [{ kind: "exact", value: 0x0an }], fwd(3n));
  t.deepEqual(send(frame(0x0a, 1, 0x1234, 0xee)), [[port(3), "0a011234ee"]]);
  t.deepEqual(send(frame(0x0b, 1, 0x1234)), []);
  t.deepEqual(sw.control.directCounterRead("ingress.t_exact", h), { packets: 1n, bytes: 5n });
  sw.control.tableModify("ingress.t_exact", h, fwd(4n));
  t.deepEqual(send(frame(0x0a, 1, 0)), [[port(4), "0a010000"]]);
  sw.control.tableSetDefault("ingress.t_exact", { action: "ingress.fwd", args: [9n] });
  t.deepEqual(send(frame(0x0b, 1, 0)), [[port(9), "0b010000"]]);
  const view = sw.control.tableEntries("ingress.t_exact");
  t.is(view.length, 1);
  t.deepEqual(view[0]!.counter, { packets: 2n, bytes: 9n });
  sw.control.directCounterWrite("ingress.t_exact", h, { packets: 0n, bytes: 0n });
  t.deepEqual(sw.control.directCounterRead("ingress.t_exact", h), { packets: 0n, bytes: 0n });
  t.is(sw.stats()["dropped"], 1);
});

test("lpm: the longest matching prefix wins", (t) => {
  const { sw, send } = fixtureSwitch();
  sw.control.tableAdd("ingress.t_lpm", [{ kind: "lpm", value: 0x1200n, prefixLength: 8 }], fwd(1n));
  const host = sw.control.tableAdd("ingress.t_lpm", [{ kind: "lpm", value: 0x1234n, prefixLength: 16 }], fwd(2n));
  sw.control.tableAdd("ingress.t_lpm", [{ kind: "lpm", value: 0x1230n, prefixLength: 12 }], fwd(3n));
  t.is(send(frame(0, 3, 0x1234))[0]?.[0], port(2));
  t.is(send(frame(0, 3, 0x1235))[0]?.[0], port(3));
  t.is(send(frame(0, 3, 0x12ff))[0]?.[0], port(1));
  t.deepEqual(send(frame(0, 3, 0x1300)), []);
  t.is(sw.control.tableFind("ingress.t_lpm", [{ kind: "lpm", value: 0x1234n, prefixLength: 16 }]), host);
  sw.control.tableDelete("ingress.t_lpm", host);
  t.is(send(frame(0, 3, 0x1234))[0]?.[0], port(3), "falls back to the /12 once the /16 is gone");
  sw.control.tableAdd("ingress.t_lpm", [{ kind: "lpm", value: 0n, prefixLength: 0 }], fwd(4n));
  t.is(send(frame(0, 3, 0x1300))[0]?.[0], port(4), "a /0 entry matches everything");
});

test("ternary + range: the highest priority matching entry wins", (t) => {
  const { sw, send } = fixtureSwitch();
  const any = { kind: "ternary" as const, value: 0n, mask: 0n };
  sw.control.tableAdd("ingress.t_range", [any, { kind: "range", low: 0n, high: 100n }], fwd(1n), 1);
  sw.control.tableAdd("ingress.t_range", [{ kind: "ternary", value: 0x10n, mask: 0xf0n }, { kind: "range", low: 50n, high: 60n }], fwd(2n), 5);
  t.is(send(frame(0x15, 2, 55))[0]?.[0], port(2));
  t.is(send(frame(0x25, 2, 55))[0]?.[0], port(1));
  t.is(send(frame(0x15, 2, 70))[0]?.[0], port(1));
  t.deepEqual(send(frame(0x15, 2, 170)), []);
});

test("registers and indirect counters are updated by the data plane", (t) => {
  const { sw, send } = fixtureSwitch();
  // reg[val & 7] = dst; then val = reg[0]; count(cnt, 1)
  t.deepEqual(send(frame(0x42, 5, 0x0008)), [[port(1), "42050042"]]);
  t.is(sw.control.registerRead("ingress.reg", 0), 0x42n);
  send(frame(0x43, 5, 0x0003));
  t.is(sw.control.registerRead("ingress.reg", 3), 0x43n);
  t.deepEqual(sw.control.counterRead("ingress.cnt", 1), { packets: 2n, bytes: 8n });
  sw.control.registerWrite("ingress.reg", 0, 0x1111n);
  t.deepEqual(send(frame(0x44, 5, 0x0001)), [[port(1), "44051111"]]);
});

test("ingress clone: original and clone leave, the clone carries the unmodified frame through egress", (t) => {
  const { sw, send } = fixtureSwitch();
  t.deepEqual(send(frame(1, 6, 2)), [[port(1), "01060002"]], "no clone session: only the original");
  sw.control.cloneSessionSet(5, { replicas: [{ port: port(7), instance: 0 }] });
  const out = send(frame(1, 6, 2, 0xab));
  t.deepEqual(
    out.sort((a, b) => a[0] - b[0]),
    [
      [port(1), "01060002ab"],
      [port(7), "01cc0002ab"],
    ],
  );
  sw.control.cloneSessionSet(5, { replicas: [{ port: port(7), instance: 0 }], packetLengthBytes: 2 });
  t.deepEqual(send(frame(1, 6, 2, 0xab)).find(([p]) => p === port(7)), [port(7), "01cc"]);
});

test("multicast: one copy per replica of the group, none for an empty group", (t) => {
  const { sw, send } = fixtureSwitch();
  t.deepEqual(send(frame(1, 7, 0)), []);
  sw.control.multicastGroupSet(9, [
    { port: port(2), instance: 1 },
    { port: port(3), instance: 2 },
  ]);
  t.deepEqual(send(frame(1, 7, 0)), [
    [port(2), "01070000"],
    [port(3), "01070000"],
  ]);
  t.is(sw.stats()["replicated"], 2);
});

test("digests carry the learn list values to every listener", (t) => {
  const { sw, send } = fixtureSwitch();
  const got: Digest[] = [];
  const stop = sw.onDigest((d) => got.push(d));
  send(frame(0x77, 8, 0xbeef));
  t.deepEqual(got, [{ name: "digest_t", values: [0x77n, 0xbeefn] }]);
  stop();
  send(frame(0x78, 8, 0));
  t.is(got.length, 1);
});

test("action selector: group members are picked by the selector hash, deterministically", (t) => {
  const { sw, send } = fixtureSwitch();
  const c = sw.control;
  const members = [1n, 2n, 3n].map((p) => c.memberAdd("ingress.ap", { action: "ingress.fwd", args: [p] }));
  const g = c.groupCreate("ingress.ap");
  for (const m of members) c.groupAddMember("ingress.ap", g, m);
  c.tableAdd("ingress.t_sel", [{ kind: "exact", value: 1n }], { kind: "group", group: g });
  c.tableAdd("ingress.t_sel", [{ kind: "exact", value: 2n }], { kind: "member", member: members[2]! });
  const seen = new Set<number>();
  for (let v = 0; v < 64; v++) {
    const first = send(frame(1, 4, v))[0]?.[0];
    t.is(send(frame(1, 4, v))[0]?.[0], first, "same flow, same member");
    if (first !== undefined) seen.add(first);
  }
  t.deepEqual([...seen].sort(), [1, 2, 3]);
  t.is(send(frame(2, 4, 0))[0]?.[0], port(3));
});

test("meters: unconfigured is green, a configured meter turns red when the bucket is empty", (t) => {
  let now = 0n;
  const { sw, send } = fixtureSwitch(() => now);
  t.deepEqual(send(frame(1, 9, 0xffff)), [[port(1), "01090000"]]);
  // 1 packet burst, practically no refill.
  sw.control.meterSet("ingress.m", 0, [
    { infoRate: 0.000001, burstSize: 1 },
    { infoRate: 0.000001, burstSize: 1 },
  ]);
  t.deepEqual(send(frame(1, 9, 0)), [[port(1), "01090000"]], "green");
  t.deepEqual(send(frame(1, 9, 0)), [[port(1), "01090002"]], "red");
  now += 10_000_000n;
  t.deepEqual(send(frame(1, 9, 0)), [[port(1), "01090000"]], "refilled after 10 s");
  t.throws(() => sw.control.meterSet("ingress.m", 2, undefined));
});

test("frames too short for the parser still run ingress with parser_error set, and never throw", (t) => {
  const { sw, send } = fixtureSwitch();
  sw.control.tableSetDefault("ingress.t_exact", { action: "ingress.fwd", args: [1n] });
  for (const f of [new Uint8Array(0), Uint8Array.of(1), Uint8Array.of(1, 1, 0)]) t.notThrows(() => send(f));
  t.is(sw.stats()["parser_errors"], 3);
  t.is(sw.stats()["internal_errors"], 0);
});

test("resubmit: the frame re-enters ingress with zeroed metadata except the preserved field list", (t) => {
  const { sw, send } = fixtureSwitch();
  // First pass stores 0x5a in a preserved metadata field; the second copies it (and ingress_port) into h.
  t.deepEqual(send(frame(9, 10, 0, 0xee), 3), [[port(1), "000a005aee"]]);
  t.is(sw.stats()["resubmitted"], 1);
});

test("log_msg formats its arguments; a failed assert drops the packet and is counted", (t) => {
  const lines: string[] = [];
  const sw = createSwitch({ log: (l) => lines.push(l) });
  sw.loadPipeline(fixtureProgram());
  const out: number[] = [];
  sw.onEgress((p) => out.push(p));
  sw.inject(port(0), frame(7, 11, 0x10));
  t.deepEqual(out, [1]);
  t.true(lines.includes("val=16 dst=7"), lines.join("\n"));
  t.notThrows(() => sw.inject(port(0), frame(7, 11, 0)));
  t.deepEqual(out, [1]);
  t.is(sw.stats()["assertion_failures"], 1);
  t.is(sw.stats()["internal_errors"], 0);
});

test("direct meters: each entry has its own meter, its color lands in the result field", (t) => {
  let now = 0n;
  const { sw, send } = fixtureSwitch(() => now);
  const call = { kind: "action" as const, call: { action: "ingress.fwd_color", args: [2n] } };
  const a = sw.control.tableAdd("ingress.t_exact", [{ kind: "exact", value: 1n }], call);
  sw.control.tableAdd("ingress.t_exact", [{ kind: "exact", value: 2n }], call);
  t.true(sw.control.tableInfo("ingress.t_exact").withMeters);
  const tight = [
    { infoRate: 0.000001, burstSize: 1 },
    { infoRate: 0.000001, burstSize: 2 },
  ] as const;
  sw.control.directMeterSet("ingress.t_exact", a, tight);
  const color = (dst: number) => send(frame(dst, 1, 0xffff))[0]?.[1].slice(4);
  t.is(color(1), "0000", "green");
  t.is(color(1), "0001", "yellow: committed bucket empty");
  t.is(color(1), "0002", "red: peak bucket empty too");
  t.is(color(2), "0000", "the other entry is unmetered");
  t.deepEqual(sw.control.tableEntries("ingress.t_exact").find((e) => e.handle === a)?.meter, tight);
  sw.control.directMeterSet("ingress.t_exact", a, undefined);
  t.is(color(1), "0000");
});

test("measureInjectRate drives inject in a loop and counts what came out", (t) => {
  const { sw } = fixtureSwitch();
  sw.control.tableAdd("ingress.t_exact", [{ kind: "exact", value: 1n }], fwd(2n));
  const rate = measureInjectRate(sw, port(0), [frame(1, 1, 0), frame(9, 1, 0)], 100, 10);
  t.is(rate.packets, 100);
  t.is(rate.framesOut, 50, "every other frame misses and is dropped");
  t.true(rate.seconds >= 0);
  t.throws(() => measureInjectRate(sw, port(0), [], 1));
});

test("a multicast group with hundreds of replicas delivers every copy", (t) => {
  const { sw, send } = fixtureSwitch();
  sw.control.multicastGroupSet(
    9,
    Array.from({ length: 300 }, (_, i) => ({ port: port(i), instance: i })),
  );
  t.is(send(frame(1, 7, 0)).length, 300);
  t.is(sw.stats()["pass_limit_drops"], 0);
});

test("a program that resubmits forever is cut off after a bounded number of passes", (t) => {
  const program = fixtureProgram();
  const ingress = (program["pipelines"] as { conditionals: { name: string; true_next: string }[] }[])[0]!;
  ingress.conditionals.find((c) => c.name === "r1")!.true_next = "tbl_resubmit1";
  const sw = createSwitch();
  sw.loadPipeline(program);
  const out: number[] = [];
  sw.onEgress((p) => out.push(p));
  t.notThrows(() => sw.inject(port(0), frame(1, 10, 0)));
  t.deepEqual(out, []);
  t.is(sw.stats()["pass_limit_drops"], 1);
  t.true(sw.stats()["resubmitted"]! >= 60);
});
