/**
 * The demo end to end, shortened: the whole embedded system under load, a primary killed and
 * restarted, another server drained; the summary's last line is exactly `sessions lost: N`
 * and N is 0.
 */
import test from "ava";
import { formatSummary, runDemo } from "../../src/demo/run.ts";
import { renderFrame, renderProgressLine } from "../../src/demo/view.ts";
import { demoCommand } from "../../../runtime/src/cli/commands/demo.ts";
import { UsageError } from "../../../runtime/src/cli/command.ts";
import { startEmbeddedSystem } from "../../src/system/orchestrator.ts";

test("a short demo kills, restarts and drains, loses no session and ends with the summary line", async (t) => {
  let output = "";
  const summary = await runDemo({
    servers: 4,
    durationS: 5,
    startSystem: (servers) => startEmbeddedSystem({ servers, replication: "sync", seed: 5 }),
    out: { write: (text: string) => (output += text), isTTY: false },
  });
  const lines = formatSummary(summary);
  t.log(lines.join("\n"));
  t.is(lines[lines.length - 1], "sessions lost: 0");
  t.is(summary.lost, 0);
  t.deepEqual(summary.violations, []);
  t.true(summary.answered > 0);
  t.true(summary.answered <= summary.sent);
  t.true(summary.failovers > 0, "the killed primary's sessions moved");
  t.regex(output, /killed server \d+ \(primary of session 0\)/);
  t.regex(output, /restarted server \d+/);
  t.regex(output, /draining server \d+/);
  t.regex(output, /^\[\d+\.\ds\] up [34]\/4 {2}req\/s \d+/m, "plain progress lines when not a terminal");
  t.false(output.includes("\x1b["), "no cursor movement when not a terminal");
  t.true(summary.timeline.events.length === 3);
});

test("the live frame shows every server's state and the latency figures", (t) => {
  const snapshot = {
    elapsedS: 3.2,
    durationS: 30,
    servers: [
      { id: 1, state: "running" as const, stored: 40, primaryFor: 20 },
      { id: 2, state: "killed" as const, stored: undefined, primaryFor: 0 },
      { id: 3, state: "draining" as const, stored: 12, primaryFor: 3 },
    ],
    requestsPerSec: 512,
    answered: 1000,
    failovers: 7,
    p50Ms: 1.5,
    p99Ms: 12.25,
    controller: "running" as const,
    events: ["1.0s killed server 2"],
  };
  const frame = renderFrame(snapshot).join("\n");
  t.regex(frame, /2 {2}DOWN/);
  t.regex(frame, /3 {2}DRAIN/);
  t.regex(frame, /p99 12\.3 ms/);
  t.regex(frame, /killed server 2/);
  t.is(renderProgressLine(snapshot), "[3.2s] up 2/3  req/s 512  answered 1000  failovers 7  p50 1.5 ms  p99 12.3 ms");
});

test("slb demo refuses too few servers", async (t) => {
  await t.throwsAsync(demoCommand.run(["--servers", "2"]), { instanceOf: UsageError });
});
