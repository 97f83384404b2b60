import test from "ava";
import { SessionClient } from "../../src/client/session_client.ts";
import type { SessionApp } from "../../src/session/app.ts";
import { parseErrorPayload } from "../../src/session/errors.ts";
import { STREAM_MAX_STATE_BYTES } from "../../src/session/peer_stream.ts";
import type { SessionId } from "../../src/wire/session_header.ts";
import { type Cluster, replicasOf, withRig } from "./harness.ts";

const MiB = 1 << 20;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

function checksum(state: Uint8Array): string {
  let sum = 0;
  for (const b of state) sum = (sum * 31 + b) >>> 0;
  return `${state.length}:${sum}`;
}

/**
 * Sessions whose state is a byte blob the client sizes through small requests (the client-facing
 * datagrams stay small; only the state grows):
 *   fill N B   state becomes N bytes of value B
 *   bump I     adds 1 to the byte at I
 *   sum        answers length:checksum
 */
const blobApp: SessionApp = {
  initialState: () => new Uint8Array(),
  handle(payload, state) {
    const [verb, a, b] = fromUtf8.decode(payload).trim().split(/\s+/);
    if (verb === "sum") return { kind: "read", response: utf8.encode(checksum(state)) };
    if (verb === "fill") {
      const next = new Uint8Array(Number(a)).fill(Number(b));
      return { kind: "write", response: utf8.encode(checksum(next)), state: next };
    }
    if (verb === "bump") {
      const next = state.slice();
      const i = Number(a) % Math.max(1, next.length);
      next[i] = (next[i]! + 1) & 0xff;
      return { kind: "write", response: utf8.encode(checksum(next)), state: next };
    }
    return { kind: "error", message: `unknown '${verb}'` };
  },
};

function stateOf(cluster: Cluster, server: number, id: SessionId): Uint8Array | undefined {
  return cluster.server(server).store.get(id)?.record.state;
}

test("1 MiB sessions replicate: after every write the secondary holds the primary's 1 MiB state and version", (t) =>
  withRig({ servers: 2, tweaks: { app: blobApp }, client: { timeoutMs: 2000 } }, async ({ cluster, client }) => {
    t.is(STREAM_MAX_STATE_BYTES, MiB);
    const id = SessionClient.newSessionId();
    const filled = await client.request(id, `fill ${MiB} 7`);
    t.is(filled.kind, "response");
    const { primary, secondary } = replicasOf(client, id);
    t.not(secondary, 0, "replicated, not degraded");
    for (const i of [0, MiB - 1, 12345]) await client.request(id, `bump ${i}`);
    const onPrimary = stateOf(cluster, primary, id)!;
    const onSecondary = stateOf(cluster, secondary, id)!;
    t.is(onPrimary.length, MiB);
    t.is(checksum(onSecondary), checksum(onPrimary));
    t.is(cluster.server(secondary).store.get(id)!.record.version, cluster.server(primary).store.get(id)!.record.version);
    t.is((await client.request(id, "sum")).text, checksum(onPrimary));
  }));

test("failover with 1 MiB sessions: the new primary fetches the 1 MiB copy from the secondary and serves it, nothing lost", (t) =>
  withRig({ servers: 3, tweaks: { app: blobApp }, client: { timeoutMs: 2000 } }, async ({ cluster, vip, client }) => {
    const ids = [SessionClient.newSessionId(), SessionClient.newSessionId()];
    const sums = new Map<SessionId, string>();
    for (const [n, id] of ids.entries()) {
      await client.request(id, `fill ${MiB} ${n + 1}`);
      sums.set(id, (await client.request(id, `bump ${n * 1000}`)).text);
    }
    const { primary, secondary } = replicasOf(client, ids[0]!);
    await cluster.kill(primary);
    vip.live.delete(primary);
    for (const id of ids) {
      const answer = await client.request(id, "sum");
      t.is(answer.kind, "response");
      t.is(answer.text, sums.get(id)!, "the state the client last saw, all 1 MiB of it");
    }
    const now = replicasOf(client, ids[0]!);
    t.not(now.primary, primary);
    t.not(now.primary, secondary, "the new primary is not the secondary");
    t.true(cluster.server(now.primary).stats.fetches >= 1, "it fetched the copy");
    const bumped = await client.request(ids[0]!, "bump 5");
    const after = replicasOf(client, ids[0]!);
    t.is(checksum(stateOf(cluster, after.secondary, ids[0]!)!), bumped.text, "and replicates it onward");
  }));

test("the memory bound holds with 1 MiB sessions: a full server refuses the next one, and a state over 1 MiB is too large", (t) =>
  withRig({ servers: 2, tweaks: { app: blobApp, maxBytes: 2.5 * MiB }, client: { timeoutMs: 2000 } }, async ({ cluster, client }) => {
    const ids = [SessionClient.newSessionId(), SessionClient.newSessionId(), SessionClient.newSessionId()];
    t.is((await client.request(ids[0]!, `fill ${MiB} 1`)).kind, "response");
    t.is((await client.request(ids[1]!, `fill ${MiB} 2`)).kind, "response");
    const third = await client.request(ids[2]!, `fill ${MiB} 3`);
    t.is(third.kind, "error");
    t.regex(parseErrorPayload(third.payload).code, /^(full|unavailable)$/);
    for (const id of [1, 2]) t.true(cluster.server(id).store.bytes <= 2.5 * MiB, `server ${id} within its bound (${cluster.server(id).store.bytes})`);
    const tooLarge = await client.request(ids[0]!, `fill ${MiB + 1} 4`);
    t.is(parseErrorPayload(tooLarge.payload).code, "too-large");
    t.is((await client.request(ids[0]!, "sum")).text, checksum(new Uint8Array(MiB).fill(1)), "the session kept its state");
  }));
