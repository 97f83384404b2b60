import { type Command, optionInt, optionString, parseArgs, UsageError } from "../command.ts";
import { CookieJar } from "../../client/cookie_jar.ts";
import { SessionClient } from "../../client/session_client.ts";
import { parseMac } from "../../hoststack/ethernet.ts";
import type { DatagramTransport } from "../../transport/datagram.ts";
import { parseEndpoint, parseIpv4 } from "../../transport/endpoint.ts";
import { openHostStackTransport } from "../../transport/hoststack.ts";
import { openUdpTransport } from "../../transport/udp.ts";
import { type SessionId, decodeCookie } from "../../wire/session_header.ts";

const DEFAULT_GATEWAY_MAC = "02:00:00:00:00:fe";

export const clientCommand: Command = {
  help: [
    "usage: slb client --vip IP:PORT [--session new|ID] [options] REQUEST...",
    "",
    "Sends each REQUEST (one per argument, in order) as a session request to the VIP, retrying",
    "unanswered ones with the same request id and the RETRY flag, and prints each answer with the",
    "cookie (primary + secondary) and the session version. The cookie jar keeps the cookie of every",
    "session between runs. The client always sends to the VIP: failover is the switch's job.",
    "",
    "options:",
    "  --vip IP:PORT          the virtual IP and port (required; e.g. 10.0.0.100:7700 behind a switch)",
    "  --session new|ID       'new' (default) draws a random session id; ID continues a session",
    "  --cookie-jar FILE      load and save cookies here (default: none, in memory)",
    "  --timeout-ms N         first attempt's wait, doubled per retry (default 200)",
    "  --retries N            retransmissions per request (default 4)",
    "",
    "host stack (send through a switch port's UDP wire instead of kernel UDP):",
    "  --wire IP:PORT --ip IP --mac MAC [--gateway-mac MAC]",
    "",
    "examples:",
    "  slb client --vip 127.0.0.1:7710 --session new --cookie-jar jar.json 'incr x' 'get x'",
    "  slb client --vip 10.0.0.100:7700 --wire 127.0.0.1:40100 --ip 10.0.2.1 --mac 02:00:00:00:02:00 'incr x'",
  ].join("\n"),
  async run(args) {
    const parsed = parseArgs(args, { values: ["vip", "session", "cookie-jar", "timeout-ms", "retries", "wire", "ip", "mac", "gateway-mac"] });
    const vip = parseEndpoint(optionString(parsed, "vip", ""));
    if (!vip) throw new UsageError("--vip IP:PORT is required");
    if (parsed.positional.length === 0) throw new UsageError("give at least one request, e.g. 'incr x'");
    const sessionText = optionString(parsed, "session", "new");
    let sessionId: SessionId;
    if (sessionText === "new") sessionId = SessionClient.newSessionId();
    else if (/^\d{1,20}$/.test(sessionText) && BigInt(sessionText) > 0n && BigInt(sessionText) < 1n << 64n) sessionId = BigInt(sessionText) as SessionId;
    else throw new UsageError(`--session wants 'new' or a session id (decimal), got '${sessionText}'`);
    const jarPath = parsed.options.get("cookie-jar");
    const jar = typeof jarPath === "string" ? await CookieJar.load(jarPath) : new CookieJar();

    let transport: DatagramTransport;
    const wireText = parsed.options.get("wire");
    if (typeof wireText === "string") {
      const wire = parseEndpoint(wireText);
      const ip = optionString(parsed, "ip", "");
      const mac = parseMac(optionString(parsed, "mac", ""));
      const gatewayMac = parseMac(optionString(parsed, "gateway-mac", DEFAULT_GATEWAY_MAC));
      if (!wire || parseIpv4(ip) === undefined || mac === undefined || gatewayMac === undefined) throw new UsageError("--wire needs IP:PORT, and --ip and --mac for this host");
      transport = await openHostStackTransport({ wire, ip, mac, gatewayMac });
    } else {
      transport = await openUdpTransport({ ip: "0.0.0.0" });
    }
    const client = new SessionClient({ transport, vip, jar, timeoutMs: optionInt(parsed, "timeout-ms", 200), retries: optionInt(parsed, "retries", 4) });
    let failures = 0;
    try {
      console.log(`session ${sessionId}`);
      for (const request of parsed.positional) {
        try {
          const reply = await client.request(sessionId, request);
          const { primary, secondary } = decodeCookie(reply.cookie);
          const rerouted = reply.failedOver ? ", failed over by the switch" : "";
          const where = `cookie ${reply.cookie} (primary ${primary} + secondary ${secondary}) version ${reply.version}${rerouted}`;
          console.log(`${request} -> ${reply.kind === "error" ? "ERROR " : ""}${reply.text}  [${where}, ${reply.latencyMs.toFixed(2)} ms, ${reply.attempts} attempt(s)]`);
          if (reply.kind === "error") failures++;
        } catch (err) {
          failures++;
          console.log(`${request} -> no answer: ${(err as Error).message}`);
        }
      }
    } finally {
      await client.close();
      if (typeof jarPath === "string") await jar.save(jarPath);
    }
    return failures === 0 ? 0 : 1;
  },
};
