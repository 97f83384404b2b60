import test from "ava";
import { SessionQueue } from "../../src/session/session_queue.ts";
import type { SessionId } from "../../src/wire/session_header.ts";

const a = 1n as SessionId;
const b = 2n as SessionId;

test("work of one session runs in order, each after the previous finished; other sessions do not wait", async (t) => {
  const queue = new SessionQueue();
  const log: string[] = [];
  let releaseFirst!: () => void;
  const first = new Promise<void>((resolve) => (releaseFirst = resolve));
  queue.enqueue(a, async () => {
    log.push("a1 start");
    await first;
    log.push("a1 end");
  });
  queue.enqueue(a, async () => void log.push("a2"));
  queue.enqueue(b, async () => void log.push("b1"));
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(log, ["a1 start", "b1"]);
  releaseFirst();
  await queue.settled();
  t.deepEqual(log, ["a1 start", "b1", "a1 end", "a2"]);
});

test("work queued from inside running work of the same session waits for it", async (t) => {
  const queue = new SessionQueue();
  const log: string[] = [];
  queue.enqueue(a, async () => {
    queue.enqueue(a, async () => void log.push("inner"));
    log.push("outer before await");
    await Promise.resolve();
    log.push("outer after await");
  });
  await queue.settled();
  t.deepEqual(log, ["outer before await", "outer after await", "inner"]);
});

test("a failing piece of work does not stall its session; run passes results and failures to its caller", async (t) => {
  const queue = new SessionQueue();
  const failed = queue.run(a, async () => {
    throw new Error("boom");
  });
  const next = queue.run(a, async () => 42);
  await t.throwsAsync(failed, { message: "boom" });
  t.is(await next, 42);
  await queue.settled();
});
