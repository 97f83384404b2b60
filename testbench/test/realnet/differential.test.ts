import test from "ava";
import { action, type Entity } from "../../../runtime/src/p4rt/entities.ts";
import { bmv2TargetUnavailable } from "../../src/realnet/diff_targets.ts";
import { formatDifferentialReport, runModelVsBmv2, runModelVsModel } from "../../src/realnet/differential.ts";
import { lbDifferentialPackets } from "../../src/realnet/diff_packets.ts";

/** Server 2's route with another next-hop MAC: every packet routed to 10.0.1.2 must differ, nothing else. */
function moveServer2Mac(e: Entity): Entity {
  if (e.type !== "table_entry" || !e.table.endsWith("ipv4_lpm") || e.match?.["hdr.ipv4.dst_addr"] !== "10.0.1.2/32") return e;
  return { ...e, action: action("forwarding.route", { port: 2, src_mac: "02:00:00:00:00:fe", dst_mac: "02:00:00:00:09:99" }) };
}

test.serial("two instances of our model with the same tables emit the same frames for every packet", async (t) => {
  const report = await runModelVsModel();
  t.log(formatDifferentialReport(report));
  t.is(report.packets, lbDifferentialPackets().length);
  t.deepEqual(report.differences, []);
  // The sequence is no comparison if it is all dropped: only the ARP, TTL 1 and fragment cases are.
  t.is(report.emittedA, report.packets - 3);
  t.is(report.emittedB, report.emittedA);
});

test.serial("a different table entry on one side is reported, packet by packet, with the differing bytes", async (t) => {
  const report = await runModelVsModel({ alterB: moveServer2Mac });
  t.log(formatDifferentialReport(report));
  t.true(report.differences.length > 0);
  for (const d of report.differences) {
    t.regex(d.detail, /^frames differ at 2 byte\(s\)/);
    t.regex(d.detail, /@5: expected 0x02 got 0x99/);
    t.true(d.a[0]!.startsWith("2 020000000102"), d.a[0]);
    t.true(d.b[0]!.startsWith("2 020000000999"), d.b[0]);
  }
  t.is(report.identical + report.differences.length, report.packets);
});

const bmv2Missing = bmv2TargetUnavailable();
if (bmv2Missing) console.log(`differential test against the real bmv2 skipped: ${bmv2Missing}`);
(bmv2Missing ? test.skip : test.serial)("our model and the real simple_switch_grpc emit the same frames for every packet", async (t) => {
  const outcome = await runModelVsBmv2();
  if (outcome.kind === "skipped") return t.fail(outcome.reason);
  t.log(formatDifferentialReport(outcome.report));
  t.deepEqual(outcome.report.differences, []);
  t.true(outcome.report.emittedA > 0);
});
