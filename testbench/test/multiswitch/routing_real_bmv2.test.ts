/**
 * Identical routing on real simple_switch_grpc: two switches with the same table state, one of
 * which lived through a server leaving and rejoining every group, send the same session ids and
 * cookies to the same servers. This holds only if bmv2 picks a group member by member handle,
 * not by the order members joined the group (our model copies that; runtime/test/controller/
 * multi_switch.test.ts checks the same on our model over many more sessions).
 */
import test from "ava";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { compileWithRealP4c } from "../../../compiler/src/real/p4c.ts";
import { BMV2_COMPILER_NAMES, findTool } from "../../../compiler/src/real/find_tool.ts";
import { makePipeline, type Pipeline } from "../../../runtime/src/controller/pipeline.ts";
import { parseP4Info } from "../../../runtime/src/p4rt/p4info.ts";
import { Controller } from "../../../runtime/src/controller/controller.ts";
import { parseTopology } from "../../../runtime/src/controller/config.ts";
import { Flags, makeCookie, MessageType, NEW_SESSION_COOKIE, serverId, type SessionId } from "../../../runtime/src/wire/session_header.ts";
import { FakeServer } from "../../../runtime/test/controller/fake_servers.ts";
import { nextEvent } from "../../../runtime/test/controller/harness.ts";
import { formatIpv4, ipv4, mac } from "../../src/packet/address.ts";
import { buildUdpFrame, parseFrame } from "../../src/packet/frame.ts";
import { bmv2TargetUnavailable, startBmv2Target, type DiffTarget } from "../../src/realnet/diff_targets.ts";

const SERVERS = [1, 2, 3, 4];
const CLIENT_PORT = 10;

function request(primary: number, secondary: number, session: bigint): Uint8Array {
  return buildUdpFrame({
    ethernet: { dst: mac("02:00:00:00:00:64"), src: mac("02:00:00:00:01:10") },
    ipv4: { src: ipv4("10.0.1.10"), dst: ipv4("10.0.0.100"), ttl: 64 },
    udp: { srcPort: 40000, dstPort: 7700 },
    payload: {
      kind: "session",
      header: {
        type: MessageType.Request,
        flags: 0,
        cookie: primary === 0 ? NEW_SESSION_COOKIE : makeCookie(serverId(primary), serverId(secondary)),
        sessionId: session as SessionId,
        sessionVersion: 1,
        requestId: 1,
      },
    },
  });
}

/**
 * Where the switch sends the request. Nothing in the taps' settle time is retried (a loaded
 * machine can delay the real switch's output past it): this program drops none of these
 * requests, and a retry of a routing decision that keeps no state gives the same answer.
 */
async function where(target: DiffTarget, frame: Uint8Array): Promise<string> {
  let out = await target.send(CLIENT_PORT, frame);
  for (let attempt = 1; attempt < 4 && out.length === 0; attempt++) out = await target.send(CLIENT_PORT, frame);
  const first = out[0];
  if (!first) return "dropped";
  const parsed = parseFrame(first.frame);
  const flags = parsed.session?.ok ? parsed.session.message.header.flags : 0;
  return `${first.port} ${parsed.ipv4 ? formatIpv4(parsed.ipv4.dst) : "?"}${flags & Flags.Failover ? " failover" : ""}`;
}

const LB_P4 = new URL("../../../p4/v1model/session_lb.p4", import.meta.url).pathname;

/**
 * The LB program as real p4c compiles it: the reference for real bmv2 (simple_switch_grpc
 * refuses failover_selector members with our compiler's JSON, which shares one NoAction
 * between tables where p4c gives each table its own). p4c's include files are looked for
 * next to it as installed (bin/../share/p4c/p4include) when it does not find them itself.
 */
function realLbPipeline(): Pipeline | string {
  const p4c = findTool(BMV2_COMPILER_NAMES);
  if (!p4c) return "p4c-bm2-ss is not installed (not found on PATH)";
  const shipped = join(dirname(p4c), "..", "share", "p4c", "p4include");
  const out = compileWithRealP4c(LB_P4, existsSync(shipped) ? { includeDirs: [shipped] } : {});
  if (!out.ok) return `p4c-bm2-ss failed: ${out.diagnostics[0]?.message ?? "?"}`;
  return makePipeline(parseP4Info(out.p4infoText), JSON.stringify(out.bmv2Json));
}

const missing = bmv2TargetUnavailable() ?? (findTool(BMV2_COMPILER_NAMES) ? undefined : "p4c-bm2-ss is not installed (not found on PATH)");
if (missing) console.log(`multi-switch routing on real bmv2 skipped: ${missing}`);
(missing ? test.skip : test.serial)("real bmv2: the same session and cookie go to the same server on two switches with different histories", async (t) => {
  const fakes = new Map<number, FakeServer>();
  const targets: DiffTarget[] = [];
  const controllers: Controller[] = [];
  try {
    for (const id of SERVERS) fakes.set(id, await FakeServer.start(id));
    targets.push(await startBmv2Target("s1", 250));
    targets.push(await startBmv2Target("s2", 250));
    const pipeline = realLbPipeline();
    if (typeof pipeline === "string") return t.fail(pipeline);
    const topology = (switches: readonly DiffTarget[]) =>
      parseTopology(
        {
          switches: switches.map((s) => ({ name: s.name, address: s.grpcAddress, electionId: 10 })),
          pipeline: { json: "unused.json", p4info: "unused.txtpb" },
          vip: { ip: "10.0.0.100", port: 7700, mac: "02:00:00:00:00:64" },
          servers: SERVERS.map((id) => ({ id, ip: `10.0.0.${id}`, mac: `02:00:00:00:00:0${id}`, switchPort: id, mgmt: fakes.get(id)!.mgmt })),
          routes: [{ prefix: "10.0.1.0/24", switchPort: CLIENT_PORT, mac: "02:00:00:00:01:10" }],
          health: { intervalMs: 50, timeoutMs: 300, rise: 2, fall: 2 },
          failure: { responseTimeoutUs: 60_000_000 },
        },
        "/tmp",
      );
    // s1 alone first: server 2 leaves every group and rejoins it (s1's groups now name 2 last by arrival).
    const first = new Controller({ topology: topology([targets[0]!]), pipeline, reconnect: { initialMs: 50, maxMs: 500 } });
    controllers.push(first);
    await first.start(20_000);
    await first.idle();
    let seen = nextEvent(first, "reconciled", (e) => e.reason === "server 2 down", 15_000);
    fakes.get(2)!.alive = false;
    await seen;
    seen = nextEvent(first, "reconciled", (e) => e.reason === "server 2 up", 15_000);
    fakes.get(2)!.alive = true;
    await seen;
    await first.idle();
    first.stop();
    // One controller for both: s1 keeps its state (and handles), s2 is programmed from empty.
    const both = new Controller({ topology: topology(targets), pipeline, reconnect: { initialMs: 50, maxMs: 500 } });
    controllers.push(both);
    await both.start(20_000);
    await both.idle();
    t.deepEqual(both.status().switches.map((s) => s.active), [true, true]);
    // Server 4 down on both: sessions naming it fail over through the failover groups.
    seen = nextEvent(both, "membership_pushed", (e) => (e.servers as string[]).includes("4:down"), 15_000);
    fakes.get(4)!.alive = false;
    await seen;
    await both.idle();

    const picked = new Set<string>();
    for (let n = 0; n < 40; n++) {
      const session = 0x2000_0000_0000n + BigInt(n) * 104729n;
      const [primary, secondary] = n % 2 === 0 ? [0, 0] : [4, SERVERS[n % 3]!];
      const a = await where(targets[0]!, request(primary!, secondary!, session));
      const b = await where(targets[1]!, request(primary!, secondary!, session));
      t.is(a, b, `session ${session} cookie ${primary}/${secondary}`);
      picked.add(a);
    }
    t.true(picked.size >= 3, `spread over several servers: ${[...picked].join(", ")}`);
    t.false([...picked].some((p) => p.includes("10.0.0.4")), "never the dead server");
  } finally {
    for (const c of controllers) c.stop();
    for (const target of targets) await target.close();
    for (const f of fakes.values()) f.close();
  }
});
