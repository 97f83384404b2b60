import test from "ava";
import { action, group, groupAction, insert, member, modify, remove, tableEntry, counterEntry, registerEntry } from "../../src/p4rt/entities.ts";
import { P4RuntimeError } from "../../src/p4rt/errors.ts";
import { Switch } from "../../src/p4rt/switch.ts";
import { startBench } from "../controller/harness.ts";

/** The client against our switch running the compiled LB program: selectors, registers, counters, digests. */
test("action profile members and groups by name, registers and counters", async (t) => {
  const bench = await startBench([1]);
  const sw = new Switch({ address: bench.address, electionId: 50, p4info: bench.pipeline.p4info, reconnect: false });
  try {
    await sw.connect();
    await sw.setPipeline({ p4info: bench.pipeline.p4info, deviceConfig: bench.pipeline.deviceConfig, cookie: bench.pipeline.cookie });
    const pick = (id: number) => ({ name: "pick_failover_server", params: { server_id: id, server_addr: `10.0.0.${id}`, server_port: 7700 } });
    await sw.write([insert(member("failover_selector", 1, pick(1))), insert(member("failover_selector", 2, pick(2)))]);
    await sw.write([insert(group("failover_selector", 9, [{ memberId: 1 }, { memberId: 2 }]))]);
    await sw.write([insert(tableEntry("failover_select", { match: { "meta.secondary_id": 9 }, action: groupAction(9) }))]);
    const [g] = await sw.readAll(group("failover_selector", 9));
    t.deepEqual(g?.type === "action_profile_group" ? g.members!.map((m) => m.memberId).sort() : [], [1, 2]);
    const members = await sw.readAll(member("failover_selector", 0));
    t.is(members.length, 2);
    t.like(members.find((m) => m.type === "action_profile_member" && m.memberId === 2), { action: { name: "SessionLbIngress.failover.pick_failover_server", params: { server_addr: 0x0a000002n } } });
    const referenced = await t.throwsAsync(sw.write([remove(member("failover_selector", 1))]), { instanceOf: P4RuntimeError });
    t.not(referenced.failures[0]?.code, "OK", "a member still in a group cannot go");
    await sw.write([modify(group("failover_selector", 9, [{ memberId: 2 }]))]);
    await sw.write([remove(member("failover_selector", 1))]);

    await sw.write([modify(registerEntry("failure_detect.down_generation", 5, 3))]);
    const [reg] = await sw.readAll(registerEntry("failure_detect.down_generation", 5));
    t.like(reg, { type: "register_entry", index: 5, value: 3n });
    await sw.write([modify(counterEntry("stats.server_requests", 4, { packets: 7n, bytes: 700n }))]);
    t.like((await sw.readAll(counterEntry("stats.server_requests", 4)))[0], { data: { packets: 7n, bytes: 700n } });
    await sw.write([modify(tableEntry("detect_config", { isDefault: true, action: action("set_failure_timeout", { timeout_us: 1000 }) }))]);
    t.like((await sw.readAll(tableEntry("detect_config", { isDefault: true })))[0], { isDefault: true, action: { action: { params: { timeout_us: 1000n } } } });
  } finally {
    sw.close();
    await bench.close();
  }
});

test("digests arrive as named events and are acked, so identical data comes again", async (t) => {
  const bench = await startBench([1, 2]);
  const sw = new Switch({ address: bench.address, electionId: 50, reconnect: false });
  try {
    await sw.connect();
    await sw.setPipeline({ p4info: bench.pipeline.p4info, deviceConfig: bench.pipeline.deviceConfig });
    const route = (id: number) => tableEntry("ipv4_lpm", { match: { "hdr.ipv4.dst_addr": `10.0.0.${id}/32` }, action: action("route", { port: id, src_mac: 1, dst_mac: 2 }) });
    const primary = (id: number) => tableEntry("server_map", { match: { "meta.primary_id": id }, action: action("set_primary", { server_addr: `10.0.0.${id}`, server_port: 7700, generation: 1 }) });
    await sw.write([
      insert(tableEntry("classify.vip", { match: { "hdr.ipv4.dst_addr": "10.0.0.100", "hdr.udp.dst_port": 7700 }, action: action("set_vip") })),
      insert(route(1)),
      insert(route(2)),
      insert(primary(1)),
      insert(primary(2)),
      // An hour: only our ack, not the timeout, can release the second list.
      insert({ type: "digest_entry", digest: "server_down_digest_t", config: { maxTimeoutNs: 0n, maxListSize: 1, ackTimeoutNs: 3_600_000_000_000n } }),
      modify(tableEntry("detect_config", { isDefault: true, action: action("set_failure_timeout", { timeout_us: 1000 }) })),
    ]);
    const events = sw.events();
    const markDown = (): void => {
      bench.clockUs = 2_000_000n;
      bench.sendRequest(1, 2, 1n);
      bench.clockUs = 2_005_000n;
      bench.sendRequest(1, 2, 1n);
    };
    // next() rather than for-await: leaving a for-await loop would end the iterator.
    const nextDigest = async () => {
      for (;;) {
        const r = await events.next();
        if (r.done) throw new Error("event stream ended");
        if (r.value.kind === "digest") return r.value;
      }
    };
    markDown();
    const first = await nextDigest();
    t.is(first.digest, "server_down_digest_t");
    t.deepEqual(first.data, [{ server_id: 1n, detected_at: 2_005_000n, oldest_request_at: 2_000_000n }]);
    // Clear the mark and replay the same times: the switch sends identical data again only if the first list was acked.
    await sw.write([modify(registerEntry("down_generation", 1, 0)), modify(registerEntry("pending_since", 1, 0))]);
    markDown();
    const second = await nextDigest();
    t.deepEqual(second.data, first.data);
    t.not(second.listId, first.listId);
    await events.return();
  } finally {
    sw.close();
    await bench.close();
  }
});
