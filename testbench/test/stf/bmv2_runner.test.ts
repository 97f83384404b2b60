/**
 * The real-bmv2 STF runner judges as p4c's driver does: a wrong expectation, a missing packet
 * and a bad table command each fail with a report that says where. Uses p4c's JSON for a
 * corpus program with ternary priorities, entries added between packets and several ports.
 */
import test from "ava";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { conformanceDir } from "../../src/conformance.ts";
import { bmv2StfUnavailable, runStfOnBmv2 } from "../../src/stf/bmv2.ts";

const dir = conformanceDir();
const unavailable = !dir ? "conformance corpus not found (set SLB_CONFORMANCE_DIR)" : bmv2StfUnavailable();

if (unavailable) {
  test.skip(`STF runner on real bmv2 (skipped: ${unavailable})`, () => {});
} else {
  const program = (name: string): { json: unknown; stf: string } => ({
    json: JSON.parse(readFileSync(join(dir!, "v1model", `${name}.json`), "utf8")) as unknown,
    stf: readFileSync(join(dir!, "v1model", `${name}.stf`), "utf8"),
  });

  test.serial("real bmv2: p4c's own STF test passes, priorities and late entries included", async (t) => {
    const { json, stf } = program("ternary2-bmv2");
    const result = await runStfOnBmv2(stf, json);
    t.deepEqual(result.failures, []);
    t.true(result.passed);
    t.is(result.packetsReceived, result.packetsSent);
  });

  test.serial("real bmv2: a wrong byte, a missing packet and a bad entry are each reported", async (t) => {
    const { json, stf } = program("ternary2-bmv2");
    // The first expectation of the test, with one nibble changed: 7f becomes 7e.
    const wrongByte = stf.replace("expect 2 00000101 ******** **** 7f 66", "expect 2 00000101 ******** **** 7e 66");
    t.not(wrongByte, stf);
    const changed = await runStfOnBmv2(`${wrongByte}\nexpect 9 00\nadd test1 0 data.f1:0x1 nosuch_action()`, json);
    t.false(changed.passed);
    const all = changed.failures.join("\n");
    t.regex(all, /port 2 packet 0 \(expect on line \d+\): differs at nibble 21 \(byte 10\)/);
    t.regex(all, /port 9: expected 1 packet\(s\), got 0/);
    t.regex(all, /add failed: unknown action/);
  });
}
