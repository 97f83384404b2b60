/**
 * The same client and controller against the real simple_switch_grpc, when it is installed.
 * Absent here, these tests are registered as skipped (never counted as passed).
 */
import test from "ava";
import { findSimpleSwitchGrpc, launchSimpleSwitchGrpc } from "../../../bmv2/src/real/simple_switch.ts";
import { action, insert, tableEntry } from "../../src/p4rt/entities.ts";
import { P4RuntimeError } from "../../src/p4rt/errors.ts";
import { Switch } from "../../src/p4rt/switch.ts";
import { conformanceProgram } from "./harness.ts";
import { freeTcpPort } from "../../../testbench/src/realnet/ports.ts";


const binary = findSimpleSwitchGrpc();
const program = conformanceProgram("v1model-special-ops-bmv2");
const why = !binary ? "simple_switch_grpc is not installed (not on PATH)" : !program ? "conformance corpus not found" : undefined;

if (why) {
  test.skip(`real simple_switch_grpc: pipeline, writes, reads, errors, arbitration (skipped: ${why})`, () => {});
} else {
  test("real simple_switch_grpc: pipeline, writes, reads, errors, arbitration", async (t) => {
    const launched = await launchSimpleSwitchGrpc({ grpcAddress: `127.0.0.1:${await freeTcpPort()}`, thriftPort: await freeTcpPort() });
    if (launched.kind !== "running") {
      t.fail(launched.message);
      return;
    }
    const a = new Switch({ address: launched.grpcAddress, electionId: 2, reconnect: false });
    const b = new Switch({ address: launched.grpcAddress, electionId: 1, reconnect: false });
    try {
      t.is(await a.connect(), "primary");
      await a.setPipeline({ p4info: program!.p4info, deviceConfig: program!.json, cookie: 7n });
      t.is((await a.getPipeline("COOKIE_ONLY")).cookie, 7n);
      const route = tableEntry("ipv4_da_lpm", { match: { "hdr.ipv4.dstAddr": "10.0.0.0/8" }, action: action("set_l2ptr", { l2ptr: 3 }) });
      await a.write([insert(route)]);
      t.is((await a.readAll(tableEntry("ipv4_da_lpm"))).length, 1);
      const dup = await t.throwsAsync(a.write([insert(route)]), { instanceOf: P4RuntimeError });
      t.deepEqual(dup.details.map((d) => d.code), ["ALREADY_EXISTS"]);
      t.is(await b.connect(), "backup");
      const promoted = b.waitForEvent("arbitration", (e) => e.role === "primary");
      a.close();
      await promoted;
    } finally {
      a.close();
      b.close();
      await launched.stop();
    }
  });
}
