/**
 * Robustness of the switch model on the real LB program (compiled by our compiler): random and
 * mutated frames, frames over the size limit, unknown ports. The switch must stay up, never
 * throw, and account for every packet: in = out + dropped, dropped = the sum of its reasons.
 */
import test from "ava";
import { CLIENT_PORT, SERVER_PORT, programLb, requestFrame } from "../../../testbench/src/bench/lb_fixture.ts";
import { compileLbProgram } from "../../../testbench/src/system/program.ts";
import { MAX_FRAME_BYTES, port, type PortNumber, type SwitchModel, type SwitchOptions } from "../../src/dataplane/api.ts";
import { createSwitch } from "../../src/dataplane/index.ts";

const DROP_REASON_COUNTERS = ["pipeline_drops", "no_pipeline_drops", "unknown_port_drops", "oversize_drops", "pass_limit_drops", "internal_errors", "assertion_failures"];
const STATS = "SessionLbIngress.stats.";

interface Rig {
  readonly sw: SwitchModel;
  readonly out: [PortNumber, Uint8Array][];
}

async function lbRig(options: SwitchOptions = {}): Promise<Rig> {
  const program = await compileLbProgram();
  const sw = createSwitch(options);
  sw.loadPipeline(program.bmv2Json);
  programLb(sw);
  const out: [PortNumber, Uint8Array][] = [];
  sw.onEgress((p, f) => out.push([p, f]));
  return { sw, out };
}

function stat(sw: SwitchModel, name: string): number {
  return sw.stats()[name] ?? 0;
}

/** packets in = out + dropped, and dropped is exactly the sum of its reasons. */
function assertAccounting(t: { is: (a: unknown, b: unknown, m?: string) => void }, sw: SwitchModel, egressed: number): void {
  const s = sw.stats();
  t.is(s["packets_in"], (s["packets_out"] ?? 0) + (s["dropped"] ?? 0), `in = out + dropped (${JSON.stringify(s)})`);
  t.is(s["dropped"], DROP_REASON_COUNTERS.reduce((sum, k) => sum + (s[k] ?? 0), 0), `dropped is the sum of its reasons (${JSON.stringify(s)})`);
  t.is(s["packets_out"], egressed, "every counted output reached the egress listeners");
}

function counterSum(sw: SwitchModel, counter: string): number {
  let sum = 0n;
  for (let i = 0; i < sw.control.counterSize(counter); i++) sum += sw.control.counterRead(counter, i).packets;
  return Number(sum);
}

/** Deterministic xorshift32, so a failure names a reproducible seed. */
function prng(seed: number): (bound: number) => number {
  let x = seed >>> 0 || 1;
  return (bound) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % bound;
  };
}

function fuzzFrame(rand: (bound: number) => number, valid: readonly Uint8Array[]): Uint8Array {
  const base = valid[rand(valid.length)]!;
  switch (rand(5)) {
    case 0: {
      const f = new Uint8Array(rand(120));
      for (let i = 0; i < f.length; i++) f[i] = rand(256);
      return f;
    }
    case 1: {
      const f = base.slice();
      for (let n = 1 + rand(4); n > 0; n--) f[rand(f.length)] ^= 1 << rand(8);
      return f;
    }
    case 2:
      return base.slice(0, rand(base.length + 1));
    case 3: {
      const f = base.slice();
      // Hit the fields the parser and the LB branch on: ethertype, IPv4 version/ihl/ttl/protocol, ports, session header.
      const hot = [12, 13, 14, 22, 23, 36, 37, 42, 43, 44, 45, 46, 47, 48];
      for (let n = 1 + rand(3); n > 0; n--) f[hot[rand(hot.length)]!] = rand(256);
      return f;
    }
    default: {
      const f = new Uint8Array(base.length + rand(64));
      f.set(base);
      for (let i = base.length; i < f.length; i++) f[i] = rand(256);
      return f;
    }
  }
}

test("fuzz: random and mutated LB frames never throw, the switch stays up and every packet is accounted for", async (t) => {
  const { sw, out } = await lbRig();
  const valid = Array.from({ length: 16 }, (_, i) => requestFrame(0xabcd_0000_0000_0000n + BigInt(i), i + 1));
  const rand = prng(0x5eed_1234);
  const ports = [CLIENT_PORT, SERVER_PORT, 2, 0, 101];
  const frames = 3000;
  for (let i = 0; i < frames; i++) {
    const f = fuzzFrame(rand, valid);
    t.notThrows(() => sw.inject(port(ports[rand(ports.length)]!), f), `frame ${i}: ${Buffer.from(f).toString("hex")}`);
  }
  t.is(stat(sw, "packets_in"), frames);
  t.is(stat(sw, "internal_errors"), 0, "no frame hit a model error");
  t.is(stat(sw, "assertion_failures"), 0);
  t.true(stat(sw, "pipeline_drops") > 0 && stat(sw, "packets_out") > 0, "the mix both forwards and drops");
  assertAccounting(t, sw, out.length);
  // The program's own books: every frame it dropped is in drop_reasons (frames it forwards are counted per server or not at all).
  t.is(counterSum(sw, `${STATS}drop_reasons`), stat(sw, "pipeline_drops"), "the LB counted each of its drops under a reason");
  t.true(counterSum(sw, `${STATS}server_requests`) + counterSum(sw, `${STATS}server_responses`) <= stat(sw, "packets_out"));

  out.length = 0;
  sw.inject(port(CLIENT_PORT), valid[0]!);
  t.deepEqual(
    out.map(([p]) => p),
    [port(SERVER_PORT)],
    "a valid request still reaches server 1 after the fuzzing",
  );
});

test("frames over the size limit are dropped and counted on the way in, before the pipeline sees them", async (t) => {
  const { sw, out } = await lbRig({ maxFrameBytes: 1518 });
  const request = requestFrame(0x42n, 1);
  const padded = (length: number): Uint8Array => {
    const f = new Uint8Array(length);
    f.set(request);
    return f;
  };
  sw.inject(port(CLIENT_PORT), padded(1518));
  t.deepEqual(
    out.map(([p, f]) => [p, f.length]),
    [[port(SERVER_PORT), 1518]],
    "a frame of exactly the limit is forwarded whole",
  );
  sw.inject(port(CLIENT_PORT), padded(1519));
  sw.inject(port(CLIENT_PORT), padded(65_000));
  t.is(out.length, 1, "nothing over the limit came out");
  t.is(stat(sw, "oversize_drops"), 2);
  t.is(counterSum(sw, `${STATS}server_requests`), 1, "oversize frames never reached the program's counters");
  assertAccounting(t, sw, out.length);
});

test("the default frame limit is MAX_FRAME_BYTES (jumbo)", async (t) => {
  const { sw, out } = await lbRig();
  const f = new Uint8Array(MAX_FRAME_BYTES + 1);
  f.set(requestFrame(0x43n, 1));
  sw.inject(port(CLIENT_PORT), f);
  sw.inject(port(CLIENT_PORT), f.subarray(0, MAX_FRAME_BYTES));
  t.deepEqual(
    out.map(([p, x]) => [p, x.length]),
    [[port(SERVER_PORT), MAX_FRAME_BYTES]],
  );
  t.is(stat(sw, "oversize_drops"), 1);
  assertAccounting(t, sw, out.length);
});

test("unknown ports: frames entering on a port beyond v1model's 9 bits or on the drop port are dropped and counted", async (t) => {
  const { sw, out } = await lbRig();
  const request = requestFrame(0x44n, 1);
  for (const p of [512, 4096, 511, -1, 1.5]) sw.inject(port(p), request);
  t.is(out.length, 0);
  t.is(stat(sw, "unknown_port_drops"), 5);
  t.is(counterSum(sw, `${STATS}server_requests`), 0, "the program never saw them");
  sw.inject(port(CLIENT_PORT), request);
  t.is(out.length, 1, "a known port still works");
  assertAccounting(t, sw, out.length);
});

test("configured ports: ingress on another port, and egress the program sends to another port, are dropped and counted", async (t) => {
  const { sw, out } = await lbRig({ ports: [port(CLIENT_PORT), port(SERVER_PORT)] });
  const request = requestFrame(0x45n, 1);
  sw.inject(port(7), request);
  t.is(stat(sw, "unknown_port_drops"), 1);
  sw.inject(port(CLIENT_PORT), request);
  t.deepEqual(
    out.map(([p]) => p),
    [port(SERVER_PORT)],
  );

  const narrow = await lbRig({ ports: [port(CLIENT_PORT)] });
  narrow.sw.inject(port(CLIENT_PORT), request);
  t.is(narrow.out.length, 0, "the route to server 1 leads to a port the switch does not have");
  t.is(stat(narrow.sw, "unknown_port_drops"), 1);
  t.is(counterSum(narrow.sw, `${STATS}server_requests`), 1, "the program did forward it: the drop is the switch's");
  assertAccounting(t, sw, out.length);
  assertAccounting(t, narrow.sw, narrow.out.length);
});

test("a frame with no pipeline loaded is dropped and counted", (t) => {
  const sw = createSwitch();
  t.notThrows(() => sw.inject(port(1), new Uint8Array(64)));
  t.is(stat(sw, "no_pipeline_drops"), 1);
  assertAccounting(t, sw, 0);
});
