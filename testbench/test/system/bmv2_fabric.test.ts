/**
 * The embedded system on the real simple_switch_grpc: sessions are served through it, its
 * counters are read over P4Runtime, and a switch restart (a new, empty bmv2 on the same ports)
 * is reconciled by the controller without losing the session.
 */
import test from "ava";
import { findSimpleSwitchGrpc } from "../../../bmv2/src/real/simple_switch.ts";
import { decodeCookie, serverId } from "../../../runtime/src/wire/session_header.ts";
import { startEmbeddedSystem } from "../../src/system/orchestrator.ts";

const missing = findSimpleSwitchGrpc() === undefined ? "simple_switch_grpc is not installed (not found on PATH)" : undefined;

if (missing) {
  test.skip(`the embedded system on real bmv2 [skipped: ${missing}]`, () => {});
} else {
  test.serial("the embedded system on real bmv2 serves sessions, counts them and survives a switch restart", async (t) => {
    const sys = await startEmbeddedSystem({ servers: 3, replication: "sync", seed: 31, switchTarget: "bmv2" });
    try {
      t.regex(sys.switchDescription, /simple_switch_grpc/);
      t.throws(() => sys.switchModel(), { message: /no in-process model/ });
      const client = await sys.newClient();
      const id = client.newSession();
      t.is((await client.incr(id)).counter, 1);
      const primary = serverId(decodeCookie(client.cookieOf(id)).primary);
      t.true((await sys.switchCounter("SessionLbIngress.stats.server_requests", primary)) >= 1n, "bmv2 counted the request to the primary");
      await sys.restartSwitch(0);
      t.is((await client.incr(id)).counter, 2, "the session survived the switch restart");
      const stats = sys.stats();
      t.true((stats["bmv2.framesOut"] ?? 0) >= 4);
      t.true((stats["controller.reconciles"] ?? 0) >= 2, "the controller reconciled the empty switch");
    } finally {
      await sys.close();
    }
  });
}
