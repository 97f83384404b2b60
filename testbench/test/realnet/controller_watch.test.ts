import test from "ava";
import { EventLog } from "../../../runtime/src/controller/event_log.ts";
import type { ControllerStatus } from "../../../runtime/src/controller/controller.ts";
import { ControllerWatch } from "../../src/realnet/controller_watch.ts";

function fakeController(up: () => number): { events: EventLog; status: () => ControllerStatus } {
  const events = new EventLog();
  const status = (): ControllerStatus =>
    ({ servers: { total: 3, up: up(), down: 3 - up(), draining: 0 }, switches: [] }) as unknown as ControllerStatus;
  return { events, status };
}

test("servers up is not enough: bring-up waits for a reconcile the switch took", async (t) => {
  const controller = fakeController(() => 3);
  const watch = new ControllerWatch(controller);
  t.false(watch.programmed);
  const waiting = watch.untilProgrammed(3, 2000);
  controller.events.record("reconciled", { reason: "start-up", inserts: 26, modifies: 1, deletes: 0, batches: 3 });
  await waiting;
  t.true(watch.programmed);
  watch.close();
});

test("a write the switch refuses keeps the watch unprogrammed and bring-up fails with the switch's message", async (t) => {
  const controller = fakeController(() => 3);
  const lines: string[] = [];
  const watch = new ControllerWatch(controller, (l) => lines.push(l));
  controller.events.record("error", { message: "Write failed: UNKNOWN; updates: #4 UNKNOWN (Error when creating member on target)" });
  controller.events.record("error", { message: "Write failed: UNKNOWN; updates: #4 UNKNOWN (Error when creating member on target)" });
  t.false(watch.programmed);
  t.is(watch.errors, 2);
  t.is(lines.length, 1, "a repeated refusal is logged once");
  await t.throwsAsync(watch.untilProgrammed(3, 100), { message: /the switch refused the controller's writes: Write failed: UNKNOWN.*Error when creating member on target/ });
  t.regex(lines[0] ?? "", /controller error: Write failed/);
  // The controller's retry succeeds: the next reconcile clears the error.
  controller.events.record("reconciled", { reason: "retry after an error", inserts: 4, modifies: 0, deletes: 0, batches: 1 });
  t.true(watch.programmed);
  t.is(watch.lastError, undefined);
  watch.close();
});

test("a clean reconcile with servers still down is reported as such", async (t) => {
  const controller = fakeController(() => 1);
  const watch = new ControllerWatch(controller);
  controller.events.record("reconciled", { reason: "start-up", inserts: 1, modifies: 0, deletes: 0, batches: 1 });
  await t.throwsAsync(watch.untilProgrammed(3, 100), { message: /1\/3 servers up/ });
  watch.close();
});
