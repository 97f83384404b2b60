import { once } from "node:events";
import { type Command, optionInt, optionString, parseArgs, UsageError } from "../command.ts";
import { parseMac } from "../../hoststack/ethernet.ts";
import { CredentialsError } from "../../auth/cluster_files.ts";
import { DEFAULT_MGMT_PORT, DEFAULT_PEER_PORT, type ServerSecurity, ServerSecurityError, createServer } from "../../session/create.ts";
import { DATAGRAM_MAX_STATE_BYTES } from "../../session/peer_rpc.ts";
import { STREAM_MAX_STATE_BYTES } from "../../session/peer_stream.ts";
import { parseEndpoint, parseIpv4 } from "../../transport/endpoint.ts";
import { defaultUdpEngine } from "../../transport/udp.ts";
import type { MemberServer } from "../../wire/control.ts";
import { DEFAULT_VIP_PORT, isServerId, serverId } from "../../wire/session_header.ts";

/** The switch MAC of the embedded system's address plan (testbench/src/system/addressing.ts). */
const DEFAULT_GATEWAY_MAC = "02:00:00:00:00:fe";

/** "2=127.0.0.1:7710:7711,3=..." -> a static membership of up servers. */
function parseMembers(text: string): MemberServer[] {
  return text.split(",").map((item) => {
    const m = /^(\d+)=(\d{1,3}(?:\.\d{1,3}){3}):(\d+):(\d+)$/.exec(item.trim());
    if (!m || !isServerId(Number(m[1])) || parseIpv4(m[2]!) === undefined) throw new UsageError(`bad --members entry '${item}' (want ID=IP:DATAPORT:PEERPORT)`);
    return { id: Number(m[1]), address: m[2]!, dataPort: Number(m[3]), peerPort: Number(m[4]), state: "up" as const };
  });
}

export const serverCommand: Command = {
  help: [
    "usage: slb server --id N [options]",
    "",
    "Serves session requests (24-byte session header + payload) on the data port, replicates each",
    "session to a secondary over the peer port, and answers the controller's probes and membership",
    "pushes on the management port (always kernel UDP). The default app is a per-session key-value",
    "store: 'incr KEY [N]', 'get KEY', 'put KEY VALUE', 'del KEY', 'keys'. Runs until SIGINT/SIGTERM.",
    "",
    "Security (one of the two is required):",
    "  --tls-dir DIR          credentials from `slb certs`: replication is a mutual-TLS stream (TCP,",
    "                         peer port) with this server's certificate; management datagrams must be",
    "                         sealed with the cluster key. Unauthenticated or forged traffic is refused,",
    "                         counted and logged.",
    "  --insecure             no authentication at all: anyone reaching the ports can read and change",
    "                         sessions. Required for --wire (the host stack has no TCP, so replication",
    "                         there is the legacy datagram protocol) and --peer-transport datagram.",
    "",
    "options:",
    "  --id N                 server id, 1..65534 (required)",
    `  --data-port P          session requests (default ${DEFAULT_VIP_PORT})`,
    `  --peer-port P          server-to-server replication, TCP (UDP for datagrams) (default ${DEFAULT_PEER_PORT})`,
    "  --peer-transport T     stream (default) or datagram (the legacy JSON-in-UDP protocol; --insecure)",
    `  --mgmt-port P          controller management protocol (default ${DEFAULT_MGMT_PORT})`,
    "  --bind IP              kernel-UDP address of data and peer ports (default 127.0.0.1)",
    "  --mgmt-ip IP           address of the management port (default 127.0.0.1)",
    "  --async                answer first, replicate afterwards (default: sync replication)",
    "  --max-sessions N       session bound (default 100000)",
    "  --max-bytes N          memory bound for session state, bytes (default 67108864)",
    "  --max-payload N        larger requests get a too-large error (default 8192)",
    `  --max-state N          largest session state, bytes (default and ceiling ${STREAM_MAX_STATE_BYTES} on the stream, ${DATAGRAM_MAX_STATE_BYTES} in datagrams)`,
    "  --idle-timeout-ms N    idle sessions expire (default 300000)",
    "  --version-check-ms N   period of the batched version check (default 1000, 0 = off)",
    "  --peer-timeout-ms N    wait per peer request attempt (default 100)",
    "  --peer-retries N       retransmissions per peer request (default 2); the stream waits",
    "                         timeout x (retries + 1) for a reply, it does not retransmit",
    "  --members LIST         static membership until a controller pushes one: ID=IP:DATAPORT:PEERPORT,...",
    "",
    "host stack (attach to a switch port's UDP wire instead of kernel UDP, no root needed):",
    "  --wire IP:PORT         the switch port's wire socket",
    "  --wire-local-port P    this host's wire socket (default: ephemeral)",
    "  --ip IP                this server's IPv4 address behind the switch (e.g. 10.0.1.3)",
    "  --mac MAC              this server's MAC",
    `  --gateway-mac MAC      the switch's MAC (default ${DEFAULT_GATEWAY_MAC})`,
    "",
    "environment:",
    "  SLB_UDP=dgram          kernel UDP through node:dgram instead of the batched addon (recvmmsg/sendmmsg);",
    "                         the start-up line says which one runs",
    "",
    "examples:",
    "  slb certs --dir ./cluster --servers 1-2",
    "  slb server --id 1 --tls-dir ./cluster --data-port 7710 --peer-port 7711 --mgmt-port 7712 \\",
    "    --members 1=127.0.0.1:7710:7711,2=127.0.0.1:7720:7721",
    "  slb server --id 3 --insecure --wire 127.0.0.1:40003 --ip 10.0.1.3 --mac 02:00:00:00:01:03",
  ].join("\n"),
  async run(args) {
    const parsed = parseArgs(args, {
      values: [
        "id", "data-port", "peer-port", "mgmt-port", "bind", "mgmt-ip", "max-sessions", "max-bytes", "max-payload", "max-state",
        "idle-timeout-ms", "version-check-ms", "peer-timeout-ms", "peer-retries", "members", "wire", "wire-local-port", "ip", "mac", "gateway-mac",
        "tls-dir", "peer-transport",
      ],
      flags: ["async", "insecure"],
    });
    if (parsed.positional.length > 0) throw new UsageError(`unexpected argument '${parsed.positional[0]}'`);
    const id = optionInt(parsed, "id", 0);
    if (!isServerId(id)) throw new UsageError("--id must be an integer in 1..65534");
    const wireText = parsed.options.get("wire");
    let attach;
    if (typeof wireText === "string") {
      const wire = parseEndpoint(wireText);
      const ip = optionString(parsed, "ip", "");
      const mac = parseMac(optionString(parsed, "mac", ""));
      const gatewayMac = parseMac(optionString(parsed, "gateway-mac", DEFAULT_GATEWAY_MAC));
      if (!wire) throw new UsageError(`--wire wants IP:PORT, got '${wireText}'`);
      if (parseIpv4(ip) === undefined) throw new UsageError("--wire needs --ip with this server's IPv4 address");
      if (mac === undefined) throw new UsageError("--wire needs --mac with this server's MAC (aa:bb:cc:dd:ee:ff)");
      if (gatewayMac === undefined) throw new UsageError("--gateway-mac wants a MAC");
      attach = { wire, ip, mac, gatewayMac, wireLocalPort: optionInt(parsed, "wire-local-port", 0) };
    }
    const tlsDir = optionString(parsed, "tls-dir", "");
    const insecure = parsed.options.has("insecure");
    if ((tlsDir === "") === !insecure) throw new UsageError("give exactly one of --tls-dir DIR (mutual TLS, sealed management) and --insecure");
    const security: ServerSecurity = insecure ? { kind: "insecure" } : { kind: "mtls", dir: tlsDir };
    const peerTransport = optionString(parsed, "peer-transport", "stream");
    if (peerTransport !== "stream" && peerTransport !== "datagram") throw new UsageError(`--peer-transport is stream or datagram, got '${peerTransport}'`);
    if ((attach !== undefined || peerTransport === "datagram") && !insecure) throw new UsageError("--wire and --peer-transport datagram carry replication unauthenticated: they need --insecure");
    const maxStateDefault = attach !== undefined || peerTransport === "datagram" ? DATAGRAM_MAX_STATE_BYTES : STREAM_MAX_STATE_BYTES;
    const membersText = parsed.options.get("members");
    const server = await createServer({
      security,
      peerTransport,
      id: serverId(id),
      dataPort: optionInt(parsed, "data-port", DEFAULT_VIP_PORT),
      peerPort: optionInt(parsed, "peer-port", DEFAULT_PEER_PORT),
      mgmtPort: optionInt(parsed, "mgmt-port", DEFAULT_MGMT_PORT),
      bindIp: optionString(parsed, "bind", "127.0.0.1"),
      mgmtIp: optionString(parsed, "mgmt-ip", "127.0.0.1"),
      attach,
      replication: parsed.options.has("async") ? "async" : "sync",
      maxSessions: optionInt(parsed, "max-sessions", 100_000),
      maxBytes: optionInt(parsed, "max-bytes", 64 * 1024 * 1024),
      maxPayloadBytes: optionInt(parsed, "max-payload", 8192),
      maxStateBytes: optionInt(parsed, "max-state", maxStateDefault),
      idleTimeoutMs: optionInt(parsed, "idle-timeout-ms", 300_000),
      versionCheckIntervalMs: optionInt(parsed, "version-check-ms", 1000),
      peerTimeoutMs: optionInt(parsed, "peer-timeout-ms", 100),
      peerRetries: optionInt(parsed, "peer-retries", 2),
      // Epoch 0: the controller's first membership push (epoch 1 or more) replaces it.
      membership: typeof membersText === "string" ? { epoch: 0, servers: parseMembers(membersText) } : undefined,
      log: (line) => console.error(line),
    }).catch((err: unknown) => {
      if (err instanceof CredentialsError || err instanceof ServerSecurityError) throw new UsageError(err.message);
      throw err;
    });
    const where = (e: { ip: string; port: number } | undefined): string => (e ? `${e.ip}:${e.port}` : "-");
    console.log(`slb server ${id}: data ${where(server.dataEndpoint)}, peer ${where(server.peerEndpoint)}, mgmt ${where(server.mgmtEndpoint)}, ${parsed.options.has("async") ? "async" : "sync"} replication on the ${server.peerLink.kind}${server.peerLink.authenticated ? " (mutual TLS)" : " (unauthenticated)"}, UDP ${defaultUdpEngine()}`);
    await Promise.race([once(process, "SIGINT"), once(process, "SIGTERM")]);
    await server.close();
    console.log(`slb server ${id}: stopped; ${JSON.stringify(server.stats)}`);
    return 0;
  },
};
