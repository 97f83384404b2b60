import { MessageType, decodeCookie, makeCookie, type SessionId } from "../../runtime/src/wire/session_header.ts";
import { encodePeer, decodePeer } from "../../runtime/src/session/peer_protocol.ts";
import { SERVER_PEER_PORT, serverAddress } from "../src/system/addressing.ts";
import { SessionLoadClient } from "../src/system/load_client.ts";
import { claimTest, until, sessions, pair, busiestPrimary, tapSessions } from "./harness.ts";

claimTest("7. version numbers: lower or equal versions are not applied; stale copies are refreshed", 107, async (t, sys) => {
  const client = await sys.newClient();
  const ids = await sessions(client, 16, 3);
  const { server: primary, ids: onPrimary } = busiestPrimary(client, ids);
  const id = onPrimary[0]!;
  const { secondary } = pair(client, id);
  const held = sys.serverObject(secondary)!.store.get(id as SessionId)!.record;

  // Through the switch, as another server would: a lower and an equal version.
  const raw = sys.openRawClient();
  const replies: unknown[] = [];
  raw.transport.onReceive((_src, bytes) => {
    const d = decodePeer(bytes);
    if (d.ok) replies.push(d.message);
  });
  const to = { ip: serverAddress(secondary).ip, port: SERVER_PEER_PORT };
  const older = { ...held, version: held.version - 1, state: new TextEncoder().encode('{"c":"999"}') };
  raw.transport.send(to, encodePeer({ kind: "put", rid: 1, from: 99, session: older }));
  const equal = { ...held, state: new TextEncoder().encode('{"c":"777"}') };
  raw.transport.send(to, encodePeer({ kind: "put", rid: 2, from: 99, session: equal }));
  await until("both put replies", () => replies.length >= 2);
  const outcome = (rid: number) => (replies.find((r) => (r as { rid: number }).rid === rid) as { outcome: string }).outcome;
  t.is(outcome(1), "stale");
  t.is(outcome(2), "equal");
  t.deepEqual(sys.serverObject(secondary)!.store.get(id as SessionId)!.record.state, held.state, "neither replaced the state");
  await raw.close();

  // A primary that was away (declared down) comes back with a stale copy and must refresh it before serving.
  const health = (): string => sys.controllerObject()!.serverList().find((s) => (s.id as number) === primary)!.health;
  await sys.pauseServer(primary);
  for (let i = 0; i < 3; i++) await client.incr(id);
  await until("the controller to declare the paused primary down", () => health() === "down", 8000);
  const latest = client.cookieOf(id);
  t.not(decodeCookie(latest).primary, primary);
  await sys.resumeServer(primary);
  await until("the controller to bring the primary back", () => health() === "up", 8000);
  await sys.controllerObject()!.idle();
  const other = await sys.newClient();
  if (!(other instanceof SessionLoadClient) || !(client instanceof SessionLoadClient)) throw new Error("expected session load clients");
  // Another client still holding the old cookie, at the latest version it has seen.
  other.client.jar.update(id as SessionId, makeCookie(primary, secondary), client.client.jar.get(id as SessionId)!.version);
  const staleCopy = sys.serverObject(primary)!.store.get(id as SessionId)!.record;
  t.true(staleCopy.version < client.client.jar.get(id as SessionId)!.version, "the returning primary's copy is stale");
  const atPrimary = tapSessions(sys.serverLink(primary), "from-switch");
  const refreshesBefore = sys.serverObject(primary)!.stats.staleRefreshes;
  const answer = await other.incr(id);
  t.is(answer.counter, 7, "served from the refreshed copy: 3 + 3 + 1");
  t.true(atPrimary.some((f) => f.header.sessionId === id && f.header.type === MessageType.Request), "the request reached the primary with the stale copy");
  t.true(sys.serverObject(primary)!.stats.staleRefreshes > refreshesBefore, "which refreshed it before serving");
  t.true(sys.serverObject(primary)!.store.get(id as SessionId)!.record.version >= answer.version - 1);
});
