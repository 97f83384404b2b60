import test from "ava";
import { mkdtempSync, rmSync } from "node:fs";
import { connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { loadClusterKey, loadTlsIdentity } from "../../src/auth/cluster_files.ts";
import { generateDevCluster } from "../../src/auth/dev_ca.ts";
import { seal } from "../../src/auth/seal.ts";
import { probeOverUdp, pushOverUdp, udpProber, udpPusher } from "../../src/controller/membership.ts";
import { encodeFrame } from "../../src/session/peer_codec.ts";
import { type PeerStream, openPeerStream } from "../../src/session/peer_stream.ts";
import type { SessionRecord } from "../../src/session/record.ts";
import type { Endpoint } from "../../src/transport/endpoint.ts";
import { ControlTimeoutError, encodeControl, probeServer, pushMembership } from "../../src/wire/control.ts";
import { type SessionId, serverId } from "../../src/wire/session_header.ts";
import { testCredentials } from "./credentials.ts";
import { openSession, rawSocket, startCluster, withRig } from "./harness.ts";

const utf8 = new TextEncoder();

/** A peer stream holding server `id`'s certificate, to speak to a cluster as that server would. */
async function peerAs(id: number): Promise<PeerStream> {
  const tls = loadTlsIdentity(await testCredentials(), { role: "server", id: serverId(id) });
  return openPeerStream({ security: { kind: "mtls", tls } });
}

/** A copy of the session with a much higher version and other state: what an attacker would push. */
function hijacked(record: SessionRecord): SessionRecord {
  return { ...record, version: record.version + 1000, state: utf8.encode('{"n":"999999"}') };
}

async function until(predicate: () => boolean, ms = 3000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!predicate() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

/** Waits for a connection's end; true when the server closed it. */
function closedByServer(socket: { once(event: "close", f: () => void): unknown }, ms = 3000): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

test("forged peer: a server's certificate claiming another server's id is refused, counted, logged, and changes no session", (t) => {
  const logs: string[] = [];
  return withRig({ servers: 3, tweaks: { log: (line) => logs.push(line) } }, async ({ cluster, client }) => {
    const session = await openSession(client, 2);
    const victim = cluster.server(session.secondary);
    const held = victim.store.get(session.id)!.record;
    const thirdId = [1, 2, 3].find((i) => i !== session.primary && i !== session.secondary)!;
    // A real member of the cluster (its own valid certificate) pretending to be the session's primary.
    const forger = await peerAs(thirdId);
    try {
      const target = { id: serverId(session.secondary), endpoint: victim.peerEndpoint };
      const put = await forger.call(target, { kind: "put", from: session.primary, session: hijacked(held) }, { timeoutMs: 500, retries: 0 });
      t.like(put, { kind: "error" });
      t.regex((put as { reason: string }).reason, /refused/);
      const drop = await forger.call(target, { kind: "drop", from: session.primary, sessionId: session.id, version: held.version + 1 }, { timeoutMs: 500, retries: 0 });
      t.like(drop, { kind: "error" });
      t.deepEqual(victim.store.get(session.id)!.record, held, "the secondary's copy is untouched");
      t.is(victim.peerLink.counters.refused, 2);
      t.is((await client.request(session.id, "get n")).text, "2", "the session serves its real state");
      t.true(logs.some((line) => /refused 1 request\(s\) from .* claiming another server's id/.test(line)), "the refusal is logged");
    } finally {
      await forger.close();
    }
  });
});

test("unauthenticated peer: plain TCP, TLS without a certificate and a certificate of another CA are refused at the handshake", async (t) => {
  const otherCa = mkdtempSync(join(tmpdir(), "slb-other-ca-"));
  try {
    await generateDevCluster({ dir: otherCa, servers: [serverId(1), serverId(2)] });
    await withRig({ servers: 2 }, async ({ cluster, client }) => {
      const session = await openSession(client, 1);
      const victim = cluster.server(session.secondary);
      const held = victim.store.get(session.id)!.record;
      const at: Endpoint = victim.peerEndpoint;
      const forgedFrame = encodeFrame([{ kind: "put", rid: 1, from: session.primary, session: hijacked(held) }]);
      const header = Buffer.alloc(4);
      header.writeUInt32BE(forgedFrame.length);

      // Plain TCP speaking the frame protocol: the TLS server sees garbage and hangs up.
      const plain = netConnect({ host: at.ip, port: at.port });
      plain.on("error", () => undefined);
      plain.write(Buffer.concat([header, forgedFrame]));
      t.true(await closedByServer(plain), "plain TCP is closed");

      // TLS that trusts the cluster CA but shows no certificate of its own.
      const ca = loadTlsIdentity(await testCredentials(), { role: "server", id: serverId(1) }).ca;
      const anonymous = tlsConnect({ host: at.ip, port: at.port, ca, checkServerIdentity: () => undefined });
      anonymous.on("error", () => undefined);
      anonymous.write(Buffer.concat([header, forgedFrame]));
      t.true(await closedByServer(anonymous), "TLS without a client certificate is closed");

      // A well-formed server certificate, issued by a CA the cluster does not trust.
      const foreign = loadTlsIdentity(otherCa, { role: "server", id: serverId(session.primary) });
      const stranger = tlsConnect({ host: at.ip, port: at.port, ca, cert: foreign.cert, key: foreign.key, checkServerIdentity: () => undefined });
      stranger.on("error", () => undefined);
      stranger.write(Buffer.concat([header, forgedFrame]));
      t.true(await closedByServer(stranger), "a certificate of another CA is closed");

      t.deepEqual(victim.store.get(session.id)!.record, held, "the copy is untouched");
      await until(() => victim.peerLink.counters.refused >= 3);
      t.is(victim.peerLink.counters.refused, 3, "each refusal counted");
      t.is(victim.stats.replicasApplied + victim.stats.replicasNotApplied, cluster.server(session.primary).stats.replicationsSent, "only the real primary's puts reached the store");
    });
  } finally {
    rmSync(otherCa, { recursive: true, force: true });
  }
});

test("unauthenticated peer: the controller's certificate is not a server's and is refused on the peer stream", async (t) => {
  const cluster = await startCluster(1);
  try {
    const tls = loadTlsIdentity(await testCredentials(), { role: "controller" });
    const controllerAsPeer = await openPeerStream({ security: { kind: "mtls", tls } });
    try {
      const reply = await controllerAsPeer.call({ id: serverId(1), endpoint: cluster.server(1).peerEndpoint }, { kind: "get", from: 1, sessionId: 1n as SessionId }, { timeoutMs: 500, retries: 0 });
      t.is(reply, undefined);
      t.is(cluster.server(1).peerLink.counters.refused, 1);
    } finally {
      await controllerAsPeer.close();
    }
  } finally {
    await cluster.close();
  }
});

test("a caller refuses a peer whose certificate names another server than the one it meant to reach", async (t) => {
  const cluster = await startCluster(2);
  const caller = await peerAs(3);
  try {
    // Server 2's endpoint, but expecting server 1: the certificate check fails, nothing is sent.
    const reply = await caller.call({ id: serverId(1), endpoint: cluster.server(2).peerEndpoint }, { kind: "get", from: 3, sessionId: 1n as SessionId }, { timeoutMs: 500, retries: 0 });
    t.is(reply, undefined);
    t.is(cluster.server(2).peerLink.counters.requestsServed, 0);
  } finally {
    await caller.close();
    await cluster.close();
  }
});

test("unauthenticated and forged membership and probe datagrams are refused, counted, and change nothing", async (t) => {
  const cluster = await startCluster(2);
  const raw = await rawSocket();
  try {
    const server = cluster.server(1);
    const mgmt = server.mgmtEndpoint!;
    const key = loadClusterKey(await testCredentials());
    const epoch = server.membership.epoch;
    const takeover = { epoch: epoch + 100, servers: [{ id: 9, address: "203.0.113.9", dataPort: 1, peerPort: 1, state: "up" as const }] };

    // Unsealed, as any host on the network could send.
    await t.throwsAsync(pushMembership(mgmt, takeover, { timeoutMs: 150, retries: 0 }), { instanceOf: ControlTimeoutError });
    await t.throwsAsync(probeServer(mgmt, { timeoutMs: 150, retries: 0 }), { instanceOf: ControlTimeoutError });
    // Sealed with the wrong key, and a right seal over a tampered body.
    const wrongKey = Buffer.alloc(32, 7);
    await t.throwsAsync(pushMembership(mgmt, takeover, { timeoutMs: 150, retries: 0, key: wrongKey }), { instanceOf: ControlTimeoutError });
    const sealed = Buffer.from(seal(key, encodeControl({ kind: "membership", nonce: 1, epoch: epoch + 1, servers: [] })));
    sealed[sealed.length - 3] ^= 1;
    raw.transport.send(mgmt, sealed);
    t.is(await raw.next(), undefined, "no answer to a tampered datagram");

    t.is(server.membership.epoch, epoch, "the membership is the one it had");
    t.deepEqual(server.membership.servers().map((m) => m.id), [1, 2]);
    t.is(server.stats.mgmtRefused, 4);

    // The controller's sealed messages are taken.
    t.like(await probeServer(mgmt, { timeoutMs: 300, key }), { kind: "probe_ack", serverId: 1 });
    t.like(await pushMembership(mgmt, { epoch: epoch + 1, servers: cluster.members }, { timeoutMs: 300, key }), { kind: "membership_ack", epoch: epoch + 1 });
  } finally {
    await raw.transport.close();
    await cluster.close();
  }
});

test("the controller's membership channel: its keyed prober and pusher reach a sealed server, the unkeyed ones do not", async (t) => {
  const cluster = await startCluster(1);
  try {
    const server = cluster.server(1);
    const key = loadClusterKey(await testCredentials());
    const config = { id: serverId(1), mgmt: server.mgmtEndpoint! } as unknown as Parameters<typeof probeOverUdp>[0];
    t.like(await udpProber(key)(config, 2000), { ok: true, epoch: server.membership.epoch });
    t.like(await probeOverUdp(config, 150), { ok: false });
    const next = server.membership.epoch + 1;
    t.deepEqual(await udpPusher(key)(config, { epoch: next, servers: cluster.members }), { epoch: next });
    const unsealed = await pushOverUdp(config, { epoch: next + 1, servers: [] });
    t.regex("error" in unsealed ? unsealed.error : "", /no membership_ack/);
    t.is(server.membership.epoch, next);
    t.true(server.stats.mgmtRefused >= 2);
  } finally {
    await cluster.close();
  }
});
