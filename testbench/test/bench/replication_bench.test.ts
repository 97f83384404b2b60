/**
 * The replication bench runs on both transports: three processes, answered updates counted,
 * CPU time taken from each. No figure is asserted here: rates belong to `npm run bench`.
 */
import test from "ava";
import { measureVariant } from "../../src/bench/replication.ts";

for (const transport of ["stream", "datagram"] as const) {
  test(`sync replication bench over the ${transport} transport counts answered updates and their CPU per process`, async (t) => {
    const m = await measureVariant("sync", { transport }, 8, 300);
    t.regex(m.metric, transport === "stream" ? /^sync updates\/s \(one pair, 8 sessions\)$/ : /old datagram transport/);
    const detail = m.detail as { updates: number; clientTimeouts: number; cpuMicrosPerUpdate: Record<string, number | undefined> };
    t.true(detail.updates > 0, "the client got answers");
    t.is(detail.clientTimeouts, 0);
    t.true(m.value > 0);
    for (const party of ["primary", "secondary", "client"]) t.true((detail.cpuMicrosPerUpdate[party] ?? 0) > 0, `${party} CPU measured`);
  });
}
