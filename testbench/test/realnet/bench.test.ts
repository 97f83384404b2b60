import test from "ava";
import { benchVethPps } from "../../src/realnet/bench.ts";
import { leftovers, namespaceScenarioUnavailable } from "../../src/realnet/scenario.ts";

const unavailable = namespaceScenarioUnavailable("model");
if (unavailable) console.log(`realnet benchmark test skipped: ${unavailable}`);

// Not a performance assertion (that is `npm run bench`): the benchmark's plumbing must carry frames and account for them.
(unavailable ? test.skip : test.serial)("the veth benchmark carries kernel UDP through the model and counts it consistently", async (t) => {
  const result = await benchVethPps({ durationMs: 800, prefix: "slbbt" });
  t.log(JSON.stringify(result));
  t.true(result.received > 0);
  t.true(result.received <= result.sent);
  t.is(result.lost, result.sent - result.received);
  t.true(result.switchFramesOut >= result.received);
  t.true(result.switchFramesIn >= result.switchFramesOut);
  t.true(result.pps > 0);
  t.deepEqual(await leftovers("slbbt", []), { namespaces: [], links: [], processes: [] });
});
