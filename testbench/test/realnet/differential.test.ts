import test from "ava";
import { action, type Entity } from "../../../runtime/src/p4rt/entities.ts";
import { realCompilerAvailable } from "../../../compiler/src/index.ts";
import { bmv2TargetUnavailable } from "../../src/realnet/diff_targets.ts";
import { formatDifferentialReport, identical, runModelVsBmv2, runModelVsModel } from "../../src/realnet/differential.ts";
import { CASE_KINDS } from "../../src/realnet/diff_packets.ts";

/** Server 2's route with another next-hop MAC: every frame routed to 10.0.1.2 must differ in those bytes, nothing else. */
function moveServer2Mac(e: Entity): Entity {
  if (e.type !== "table_entry" || !e.table.endsWith("ipv4_lpm") || e.match?.["hdr.ipv4.dst_addr"] !== "10.0.1.2/32") return e;
  return { ...e, action: action("forwarding.route", { port: 2, src_mac: "02:00:00:00:00:fe", dst_mac: "02:00:00:00:09:99" }) };
}

/** Server 3 out of every failover group on one side: failovers pick differently, so egress ports and counters differ. */
function dropServer3FromFailover(e: Entity): Entity {
  if (e.type !== "action_profile_group" || !e.profile.endsWith("failover_selector") || !e.members) return e;
  const members = e.members.filter((m) => m.memberId !== 3);
  return { ...e, members: members.length > 0 ? members : e.members };
}

test.serial("two instances of our model agree on every frame, counter and digest, and every case kind is exercised", async (t) => {
  const report = await runModelVsModel({ packets: 1500 });
  t.log(formatDifferentialReport(report));
  t.true(report.packets >= 1500);
  t.deepEqual(report.differences, []);
  t.deepEqual(report.counterDifferences, []);
  t.true(identical(report));
  t.deepEqual(CASE_KINDS.filter((k) => !report.cases.has(k)), []);
  // A run that drops everything compares nothing: most packets must come out somewhere.
  t.true(report.framesOut > report.packets / 2, `${report.framesOut} frames out`);
  t.true(report.digests.reference.length > 0, "the marking phase marks some primary down");
});

test.serial("a different route on one side is reported packet by packet, with the differing bytes", async (t) => {
  const report = await runModelVsModel({ packets: 400, alterCompared: moveServer2Mac });
  t.log(formatDifferentialReport(report, 3));
  t.true(report.differences.length > 0);
  for (const d of report.differences) {
    t.regex(d.detail, /^frames differ at 2 byte\(s\)/);
    t.true(d.onlyReference[0]!.startsWith("2 020000000102"), d.onlyReference[0]);
    t.true(d.onlyCompared[0]!.startsWith("2 020000000999"), d.onlyCompared[0]);
  }
  t.deepEqual(report.counterDifferences, [], "a next-hop MAC changes no counter");
  t.false(identical(report));
});

test.serial("different failover groups on one side show up in egress ports and in the counters", async (t) => {
  const report = await runModelVsModel({ packets: 600, alterCompared: dropServer3FromFailover });
  t.log(formatDifferentialReport(report, 3));
  t.true(report.differences.some((d) => /^egress port \d+ vs \d+$/.test(d.detail)));
  t.true(report.counterDifferences.some((c) => c.cell.includes("server_requests")));
});

const bmv2Missing = bmv2TargetUnavailable();
for (const program of ["p4c", "ours"] as const) {
  const missing = bmv2Missing ?? (program === "p4c" && !realCompilerAvailable("bmv2") ? "p4c-bm2-ss is not installed" : undefined);
  const title = `our model and the real simple_switch_grpc (${program === "p4c" ? "p4c's" : "our compiler's"} JSON) agree on 1000 generated packets`;
  if (missing) {
    test.skip(`${title} [${missing}]`, () => {});
    continue;
  }
  test.serial(title, async (t) => {
    const outcome = await runModelVsBmv2({ packets: 1000, comparedProgram: program });
    if (outcome.kind === "skipped") return t.fail(outcome.reason);
    if (outcome.kind === "refused") return t.fail(`${outcome.compared} refused:\n${outcome.message}`);
    t.log(formatDifferentialReport(outcome.report));
    t.deepEqual(outcome.report.differences, []);
    t.deepEqual(outcome.report.counterDifferences, []);
    t.true(identical(outcome.report));
    t.true(outcome.report.framesOut > outcome.report.packets / 2);
  });
}
