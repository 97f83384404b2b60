import test from "ava";
import { createSocket, type Socket } from "node:dgram";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { SessionClient } from "../../src/client/session_client.ts";
import { type MacAddress, decodeEthernet, encodeEthernet } from "../../src/hoststack/ethernet.ts";
import { decodeIpv4, encodeIpv4 } from "../../src/hoststack/ipv4.ts";
import { decodeUdp, encodeUdp } from "../../src/hoststack/udp.ts";
import { createServer } from "../../src/session/create.ts";
import type { SessionServer } from "../../src/session/server.ts";
import { formatIpv4, parseIpv4 } from "../../src/transport/endpoint.ts";
import { openHostStackTransport } from "../../src/transport/hoststack.ts";
import { decodeCookie, decodeSessionMessage, serverId } from "../../src/wire/session_header.ts";

const SWITCH_MAC = 0x0200000000fe as MacAddress;
const VIP = { ip: "10.0.0.100", port: 7700 };

interface Host {
  readonly ip: number;
  readonly mac: MacAddress;
}

/**
 * A minimal L3 switch on UDP wires: learns each port's host wire address from the frames it
 * sends (the hosts announce themselves with a gratuitous ARP), routes IPv4 by destination,
 * DNATs session requests sent to the VIP to the primary named in the cookie (cookie 0: server 1),
 * and SNATs server answers from port 7700 back to the VIP. Checksums are recomputed by
 * re-encoding, as a switch would.
 */
async function miniSwitch(hosts: readonly Host[], serverIps: readonly number[]): Promise<{ ports: Socket[]; learned: Map<number, number>; forwarded: { n: number } }> {
  const vipIp = parseIpv4(VIP.ip)!;
  const ports: Socket[] = [];
  const learned = new Map<number, number>();
  const forwarded = { n: 0 };
  for (let i = 0; i < hosts.length; i++) {
    const socket = createSocket("udp4");
    socket.on("message", (bytes, rinfo) => {
      learned.set(i, rinfo.port);
      const eth = decodeEthernet(new Uint8Array(bytes));
      if (!eth || eth.etherType !== 0x0800) return;
      const ip = decodeIpv4(eth.payload);
      if (!ip.ok) return;
      const udp = decodeUdp(ip.packet.payload, ip.packet.src, ip.packet.dst);
      if (!udp.ok) return;
      let { src, dst } = ip.packet;
      if (dst === vipIp) {
        const session = decodeSessionMessage(udp.datagram.payload);
        if (!session.ok) return;
        const primary = decodeCookie(session.message.header.cookie).primary;
        dst = serverIps[primary === 0 ? 0 : primary - 1]!;
      } else if (serverIps.includes(src) && udp.datagram.srcPort === VIP.port) {
        src = vipIp;
      }
      const target = hosts.findIndex((h) => h.ip === dst);
      const wirePort = learned.get(target);
      if (target < 0 || wirePort === undefined) return;
      const segment = encodeUdp(udp.datagram, src, dst);
      const packet = encodeIpv4({ ...ip.packet, src, dst, ttl: ip.packet.ttl - 1, payload: segment });
      forwarded.n++;
      ports[target]!.send(encodeEthernet({ dst: hosts[target]!.mac, src: SWITCH_MAC, etherType: 0x0800, payload: packet }), wirePort, "127.0.0.1");
    });
    socket.bind(0, "127.0.0.1");
    await once(socket, "listening");
    ports.push(socket);
  }
  return { ports, learned, forwarded };
}

test("servers and a client on userspace host stacks serve and replicate sessions through a switch on UDP wires", async (t) => {
  const hosts: Host[] = [
    { ip: parseIpv4("10.0.1.1")!, mac: 0x020000000101 as MacAddress },
    { ip: parseIpv4("10.0.1.2")!, mac: 0x020000000102 as MacAddress },
    { ip: parseIpv4("10.0.2.1")!, mac: 0x020000000200 as MacAddress },
  ];
  const sw = await miniSwitch(hosts, [hosts[0]!.ip, hosts[1]!.ip]);
  const wireOf = (i: number) => ({ ip: "127.0.0.1", port: (sw.ports[i]!.address() as AddressInfo).port });
  const members = [1, 2].map((id) => ({ id, address: formatIpv4(hosts[id - 1]!.ip), dataPort: 7700, peerPort: 7701, state: "up" as const }));
  const servers: SessionServer[] = [];
  for (const id of [1, 2]) {
    const h = hosts[id - 1]!;
    servers.push(
      await createServer({
        // The host stack has no TCP: replication is the legacy datagram protocol, unauthenticated.
        security: { kind: "insecure" },
        id: serverId(id),
        attach: { wire: wireOf(id - 1), ip: formatIpv4(h.ip), mac: h.mac, gatewayMac: SWITCH_MAC },
        mgmtPort: 0,
        versionCheckIntervalMs: 0,
        expiryIntervalMs: 0,
        peerTimeoutMs: 100,
        membership: { epoch: 1, servers: members },
      }),
    );
  }
  const transport = await openHostStackTransport({ wire: wireOf(2), ip: formatIpv4(hosts[2]!.ip), mac: hosts[2]!.mac, gatewayMac: SWITCH_MAC });
  const client = new SessionClient({ transport, vip: VIP, timeoutMs: 300, retries: 3 });
  try {
    while (sw.learned.size < 3) await new Promise((r) => setTimeout(r, 5));
    const id = SessionClient.newSessionId();
    for (let i = 1; i <= 3; i++) t.is((await client.request(id, "incr n")).text, String(i));
    const cookie = decodeCookie(client.jar.get(id)!.cookie);
    t.deepEqual(cookie, { primary: 1, secondary: 2 });
    t.is(servers[1]!.store.get(id)?.record.version, servers[0]!.store.get(id)!.record.version, "replicated over the peer port through the switch");
    t.true(sw.forwarded.n >= 12, "requests, answers and replication all crossed the switch");
  } finally {
    await client.close();
    await Promise.all(servers.map((s) => s.close()));
    for (const p of sw.ports) p.close();
  }
});
