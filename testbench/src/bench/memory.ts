/**
 * Memory per 100k sessions: fills a server's session store with 100 000 sessions shaped like
 * the load generator's (a counter after a few increments, one cached answer) and measures the
 * heap growth, after forcing collections so the figure is live memory, not garbage.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { kvApp } from "../../../runtime/src/session/app.ts";
import type { SessionRecord } from "../../../runtime/src/session/record.ts";
import { SessionStore } from "../../../runtime/src/session/store.ts";
import { MessageType, type ServerId, type SessionId } from "../../../runtime/src/wire/session_header.ts";
import { type BenchOutcome, measured } from "./report.ts";

function collector(): () => void {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  return () => {
    gc();
    gc();
  };
}

export async function memoryPer100kSessions(): Promise<BenchOutcome> {
  const count = 100_000;
  const gc = collector();
  const store = new SessionStore({ maxSessions: count * 2, maxBytes: 2 ** 40 }, () => Date.now());
  const utf8 = new TextEncoder();
  gc();
  const before = process.memoryUsage().heapUsed;
  let state = kvApp.initialState();
  for (let i = 0; i < 3; i++) {
    const outcome = kvApp.handle(utf8.encode("incr c"), state);
    if (outcome.kind === "write") state = outcome.state;
  }
  for (let i = 0; i < count; i++) {
    const record: SessionRecord = {
      id: ((BigInt(i) * 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn) as SessionId,
      version: 3,
      // Each session owns its bytes, as after replication from the wire.
      state: state.slice(),
      primary: 1 as ServerId,
      secondary: 2 as ServerId,
      answers: [{ requestId: i, type: MessageType.Response, payload: utf8.encode("3") }],
    };
    store.put(record);
  }
  gc();
  const after = process.memoryUsage().heapUsed;
  const heapBytes = after - before;
  return measured(
    { metric: "heap per 100k sessions", value: heapBytes / 2 ** 20, unit: "MiB", detail: { sessions: store.size } },
    { metric: "heap per session", value: heapBytes / count, unit: "bytes" },
    { metric: "store's own accounting", value: store.bytes / count, unit: "bytes/session" },
  );
}
