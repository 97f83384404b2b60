import test from "ava";
import { SessionStore } from "../../src/session/store.ts";
import type { SessionRecord } from "../../src/session/record.ts";
import { type SessionId, serverId } from "../../src/wire/session_header.ts";

/** Small deterministic PRNG (mulberry32) so a failing case can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function record(id: SessionId, version: number, tag: number): SessionRecord {
  return { id, version, state: new TextEncoder().encode(`v${version}#${tag}`), primary: serverId(1), secondary: serverId(2), answers: [] };
}

for (const seed of [1, 2, 3, 4, 5]) {
  test(`a store never applies a lower or equal version, over 10,000 random deliveries (seed ${seed})`, (t) => {
    const rand = prng(seed);
    const store = new SessionStore({ maxSessions: 1000, maxBytes: 1 << 24 }, () => 0);
    const ids = Array.from({ length: 16 }, (_, i) => BigInt(i + 1) as SessionId);
    /** What the store must hold: the first copy delivered at the highest version seen so far. */
    const expected = new Map<SessionId, { version: number; state: string }>();
    for (let op = 0; op < 10_000; op++) {
      const id = ids[Math.floor(rand() * ids.length)]!;
      // Duplicates, reordering and old retransmissions: versions jump around the current one.
      const current = expected.get(id)?.version ?? 0;
      const version = Math.max(1, current + Math.floor(rand() * 7) - 4);
      const delivered = record(id, version, op);
      const outcome = store.put(delivered);
      const want = expected.get(id);
      if (!want || version > want.version) {
        t.is(outcome.kind, "applied", `op ${op}: version ${version} over ${want?.version ?? "nothing"}`);
        expected.set(id, { version, state: `v${version}#${op}` });
      } else {
        t.not(outcome.kind, "applied", `op ${op}: version ${version} must not replace ${want.version}`);
      }
      const stored = store.get(id)!.record;
      const now = expected.get(id)!;
      if (stored.version !== now.version || new TextDecoder().decode(stored.state) !== now.state) {
        t.fail(`op ${op}: store holds v${stored.version} '${new TextDecoder().decode(stored.state)}', expected v${now.version} '${now.state}'`);
        return;
      }
    }
  });
}
