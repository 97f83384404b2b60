/**
 * The switch's data-plane down mark and the controller's view converge: a server the switch
 * marked down while the controller believes it up gets a generation bump on its next good probe.
 */
import test from "ava";
import { LB_NAMES } from "../../src/controller/lb_program.ts";
import { nextEvent, startBench } from "./harness.ts";

test("a down mark set while no controller listened is lifted by the next controller's first good probe", async (t) => {
  const bench = await startBench([1, 2, 3]);
  try {
    const first = bench.controller(20n);
    await first.start();
    await first.idle();
    first.stop();
    // Server 2 is slow for a moment while no controller is primary: the switch marks it down and
    // its digest reaches no one.
    bench.sendRequest(2, 1, 0x5151n);
    bench.clockUs += 5_000n;
    bench.sendRequest(2, 1, 0x5151n);
    // Each request naming 2 fails over (or is dropped when the stale failover group picks 2 itself).
    const routes = Array.from({ length: 8 }, (_, i) => bench.routeRequest(2, 1, 0x6160n + BigInt(i)));
    t.true(routes.some((r) => r?.failover === true), "the switch holds the mark");
    t.false(routes.some((r) => r?.port === 2), "the switch holds the mark");

    const second = bench.controller(30n);
    const lifted = nextEvent(second, "server_up", (e) => e.server === 2, 5_000);
    await second.start();
    t.regex(String((await lifted).reason), /down mark/);
    await second.idle();
    const entry = (await bench.read(LB_NAMES.serverMap)).find((e) => e.match?.["meta.primary_id"] === 2n);
    t.is(entry?.action?.kind === "action" ? entry.action.action.params?.["generation"] : undefined, 2n, "a new generation");
    t.like(bench.routeRequest(2, 1, 0x7171n), { port: 2, failover: false }, "server 2 takes its sessions again");
    const status = second.serverList().find((s) => s.id === 2);
    t.is(status?.mode, "up");
  } finally {
    await bench.close();
  }
});

test("a digest whose probe fails takes the server out; when it answers again the switch and the controller agree it is up", async (t) => {
  const bench = await startBench([1, 2, 3], { intervalMs: 200, fall: 100 });
  try {
    const c = bench.controller();
    await c.start();
    await c.idle();
    bench.fakes.get(2)!.alive = false;
    const down = nextEvent(c, "server_down", (e) => e.server === 2, 5_000);
    bench.sendRequest(2, 1, 0x8181n);
    bench.clockUs += 5_000n;
    bench.sendRequest(2, 1, 0x8181n);
    t.regex(String((await down).reason), /data-plane/);
    const back = nextEvent(c, "reconciled", (e) => e.reason === "server 2 up", 5_000);
    bench.fakes.get(2)!.alive = true;
    await back;
    await c.idle();
    t.like(bench.routeRequest(2, 1, 0x9191n), { port: 2, failover: false }, "switch and controller agree: server 2 is up");
    t.is(c.serverList().find((s) => s.id === 2)?.mode, "up");
  } finally {
    await bench.close();
  }
});
