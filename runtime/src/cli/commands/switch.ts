import { type InterfaceBinding, parseInterfaceBinding } from "../../../../bmv2/src/ports/interface_ports.ts";
import { startSwitch } from "../../../../bmv2/src/switch_main.ts";
import { type Command, optionInt, optionString, parseArgs, UsageError } from "../command.ts";

const help = `usage: slb switch [--grpc-addr HOST:PORT] [--device-id N] [--ports N] [--wire-base-port N]
                  [--peer-base-port M] [--interface PORT@IFNAME ...] [--cpu-port N] [--json FILE --p4info FILE] [--tls-cert FILE --tls-key FILE]

Runs our bmv2-compatible switch model with a P4Runtime gRPC server until Ctrl-C.
Data ports 0..N-1 (except the CPU port) are UDP wires on 127.0.0.1: port P
listens on wire-base-port + P, one Ethernet frame per datagram, and sends its
egress frames back to whoever last sent to it (or, with --peer-base-port, to a fixed
address from the start). A port given with --interface is on that Linux interface
instead (as simple_switch's -i): frames move through packet sockets with
memory-mapped rings, or through socat bridges where those cannot be used (the
switch says so when it starts).

options:
  --grpc-addr HOST:PORT   P4Runtime server address (default 127.0.0.1:9559; port 0: any free one)
  --device-id N           P4Runtime device id (default 0, as simple_switch_grpc)
  --ports N               number of data ports (default 8)
  --wire-base-port N      UDP port of switch port 0 (default 20000)
  --peer-base-port M      send port P's frames to 127.0.0.1:M+P (e.g. the socat bridges of
                          \`slb net up --bridge-base-port M\`), so hosts that have not sent
                          anything yet are reachable
  --interface PORT@IF     put switch port PORT on interface IF (repeatable; needs root or
                          CAP_NET_RAW), e.g. --interface 1@veth1 --interface 2@veth3
  --cpu-port N            port for packet-in/out through P4Runtime (default 255)
  --json FILE             BMv2 JSON to load at start (needs --p4info)
  --p4info FILE           its P4Info in text format
  --tls-cert FILE         serve gRPC over TLS with this certificate chain (needs --tls-key)
  --tls-key FILE          private key of the TLS certificate

example:
  slb switch --grpc-addr 127.0.0.1:9559 --device-id 1 --ports 8 --wire-base-port 20000 --cpu-port 255
  slb switch --interface 1@veth1 --interface 2@veth3 --json lb.json --p4info lb.p4info.txtpb`;

/** Takes every `--interface X` / `--interface=X` out of the arguments (the option repeats; parseArgs keeps one value per name). */
function takeInterfaces(args: readonly string[]): { rest: string[]; bindings: InterfaceBinding[] } {
  const rest: string[] = [];
  const texts: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--interface") {
      const value = args[++i];
      if (value === undefined) throw new UsageError("option --interface needs a value");
      texts.push(value);
    } else if (arg.startsWith("--interface=")) texts.push(arg.slice("--interface=".length));
    else rest.push(arg);
  }
  const bindings = texts.flatMap((t) => t.split(",")).map((t) => {
    const b = parseInterfaceBinding(t);
    if (typeof b === "string") throw new UsageError(`--interface ${b}`);
    return b;
  });
  return { rest, bindings };
}

export const switchCommand: Command = {
  help,
  async run(args) {
    const { rest, bindings } = takeInterfaces(args);
    const parsed = parseArgs(rest, { values: ["grpc-addr", "device-id", "ports", "wire-base-port", "peer-base-port", "cpu-port", "json", "p4info", "tls-cert", "tls-key"] });
    if (parsed.positional.length > 0) throw new UsageError(`unexpected argument '${parsed.positional[0]}'`);
    const json = parsed.options.get("json");
    const p4info = parsed.options.get("p4info");
    if ((json === undefined) !== (p4info === undefined)) throw new UsageError("--json and --p4info go together");
    const cert = parsed.options.get("tls-cert");
    const key = parsed.options.get("tls-key");
    if ((cert === undefined) !== (key === undefined)) throw new UsageError("--tls-cert and --tls-key go together");
    const cpuPort = optionInt(parsed, "cpu-port", 255);
    if (cpuPort < 0 || cpuPort > 511) throw new UsageError("--cpu-port must be 0..511");
    const handle = await startSwitch({
      grpcAddress: optionString(parsed, "grpc-addr", "127.0.0.1:9559"),
      deviceId: optionInt(parsed, "device-id", 0),
      ports: optionInt(parsed, "ports", 8),
      wireBasePort: optionInt(parsed, "wire-base-port", 20000),
      ...(parsed.options.has("peer-base-port") ? { peerBasePort: optionInt(parsed, "peer-base-port", 0) } : {}),
      cpuPort,
      ...(bindings.length > 0 ? { interfaces: bindings } : {}),
      ...(typeof json === "string" && typeof p4info === "string" ? { jsonFile: json, p4infoFile: p4info } : {}),
      ...(typeof cert === "string" && typeof key === "string" ? { tls: { certFile: cert, keyFile: key } } : {}),
      log: (line) => console.log(line),
    });
    const onInterfaces = bindings.map((b) => `${b.port}@${b.ifname}`).join(" ");
    const attached = handle.interfaces ? `; ports ${onInterfaces} on ${handle.interfaces.path}` : "";
    console.log(`slb switch: P4Runtime on ${handle.grpcAddress}, ${optionInt(parsed, "ports", 8)} data ports from UDP ${optionInt(parsed, "wire-base-port", 20000)}${attached}, CPU port ${cpuPort}`);
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        resolve();
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
    await handle.stop();
    return 0;
  },
};
