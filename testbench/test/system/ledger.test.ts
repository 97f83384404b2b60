import test from "ava";
import { SessionLedger, describeViolation } from "../../src/system/ledger.ts";
import { percentile } from "../../src/system/metrics.ts";

const cookie = (p: number, s: number): number => p * 65536 + s;

function answer(counter: number, version: number, sent: number, received: number, failover = false) {
  return { sessionId: 7n, client: 0, counter, version, cookieSent: sent, cookieReceived: received, failover, retries: 0, latencyMs: 1 };
}

test("a clean history passes and the final counter must match", (t) => {
  const ledger = new SessionLedger(() => [1, 2, 3, 4]);
  ledger.open(7n, 0);
  ledger.answer(answer(1, 1, 0, cookie(1, 2)));
  ledger.answer(answer(2, 2, cookie(1, 2), cookie(1, 2)));
  t.is(ledger.totalAcked(), 2);
  ledger.verify(7n, 2);
  t.deepEqual(ledger.violations, []);
  ledger.verify(7n, 1);
  t.is(ledger.lostSessions(), 1);
  t.regex(describeViolation(ledger.violations[0]!), /counter 1 but 2 increments/);
});

test("a version going backwards is a violation", (t) => {
  const ledger = new SessionLedger(() => [1, 2, 3]);
  ledger.answer(answer(1, 5, 0, cookie(1, 2)));
  ledger.answer(answer(2, 4, cookie(1, 2), cookie(1, 2)));
  t.deepEqual(ledger.violations.map((v) => v.kind), ["version-regression"]);
});

test("an answer skipping or repeating a count is a skew", (t) => {
  const ledger = new SessionLedger(() => [1, 2]);
  ledger.answer(answer(1, 1, 0, cookie(1, 2)));
  ledger.answer(answer(3, 2, cookie(1, 2), cookie(1, 2)));
  t.deepEqual(ledger.violations.map((v) => v.kind), ["counter-skew"]);
});

test("failover to the secondary is a violation only while another server lives", (t) => {
  let live = [2, 3];
  const ledger = new SessionLedger(() => live);
  ledger.answer(answer(1, 1, 0, cookie(1, 2)));
  ledger.answer(answer(2, 2, cookie(1, 2), cookie(2, 3), true));
  t.is(ledger.violations.length, 1);
  t.is(ledger.violations[0]!.kind, "failover-to-secondary");
  t.is(ledger.failovers, 1);
  live = [2];
  ledger.answer(answer(3, 3, cookie(1, 2), cookie(2, 0), true));
  t.is(ledger.violations.length, 1);
  ledger.answer(answer(4, 4, cookie(2, 3), cookie(4, 3), true));
  t.is(ledger.violations.length, 1, "a failover to a third server is fine");
});

test("an unanswered increment may or may not have applied", (t) => {
  const ledger = new SessionLedger(() => [1, 2]);
  ledger.open(7n, 0);
  ledger.answer(answer(1, 1, 0, cookie(1, 2)));
  ledger.unanswered(7n);
  ledger.verify(7n, 2);
  ledger.verify(7n, 1);
  t.deepEqual(ledger.violations, []);
  ledger.verify(7n, 3);
  ledger.verify(7n, "unreadable");
  t.is(ledger.lostSessions(), 2);
});

test("percentile is nearest-rank", (t) => {
  t.is(percentile([], 50), undefined);
  t.is(percentile([5, 1, 3, 2, 4], 50), 3);
  t.is(percentile([5, 1, 3, 2, 4], 100), 5);
  t.is(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 99), 99);
});

test("a drain handoff to the secondary is not a failover violation", (t) => {
  const ledger = new SessionLedger(
    () => [1, 2, 3],
    () => [1],
  );
  ledger.answer(answer(1, 1, 0, cookie(1, 2)));
  ledger.answer(answer(2, 2, cookie(1, 2), cookie(2, 3), true));
  t.deepEqual(ledger.violations, []);
});
