/**
 * Our switch model and the real simple_switch_grpc on the same veth pairs, the same LB program
 * and the same table entries (written over P4Runtime to both), one after the other in one run.
 * A native sender (the packet-ring addon's paced transmit ring) offers LB requests on the client
 * port's veth; a native counter on the server port's veth counts them and their one-way latency.
 * For each switch a rate search finds the highest offered rate delivered with at most 1% loss.
 */
import { existsSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { launchSimpleSwitchGrpc } from "../../../bmv2/src/real/simple_switch.ts";
import { type PacketRingAddon, loadPacketRings } from "../../../bmv2/src/ports/packet_rings.ts";
import { compileWithRealP4c, realCompilerAvailable } from "../../../compiler/src/index.ts";
import { sh, shQuiet, which } from "../../../runtime/src/netns/shell.ts";
import { makePipeline, type Pipeline } from "../../../runtime/src/controller/pipeline.ts";
import { parseP4Info } from "../../../runtime/src/p4rt/p4info.ts";
import { Switch } from "../../../runtime/src/p4rt/switch.ts";
import { type Update, action, group, groupAction, insert, member, tableEntry } from "../../../runtime/src/p4rt/entities.ts";
import { type MacAddress, ETHERTYPE_IPV4, encodeEthernet } from "../../../runtime/src/hoststack/ethernet.ts";
import { IP_PROTOCOL_UDP, encodeIpv4 } from "../../../runtime/src/hoststack/ipv4.ts";
import { encodeUdp } from "../../../runtime/src/hoststack/udp.ts";
import { parseIpv4 } from "../../../runtime/src/transport/endpoint.ts";
import { MessageType, type SessionId, encodeSessionMessage, makeCookie, serverId } from "../../../runtime/src/wire/session_header.ts";
import { GATEWAY_MAC, VIP, clientAddress, serverAddress } from "../system/addressing.ts";
import { LB_PROGRAM, compileLbProgram } from "../system/program.ts";
import { startModelSwitchProcess } from "./model_switch_process.ts";
import { freeTcpPort } from "./ports.ts";

export interface RateTrial {
  /** What the sender achieved (it may fall short of the rate asked for). */
  readonly offeredPps: number;
  readonly sent: number;
  readonly received: number;
  readonly deliveredFraction: number;
  readonly deliveredPps: number;
  readonly p50Us: number;
  readonly p99Us: number;
}

export interface SwitchRate {
  readonly target: "our model" | "real bmv2";
  /** The highest-rate trial with at most 1% loss; undefined if even the lowest rate lost more. */
  readonly best: RateTrial | undefined;
  readonly trials: readonly RateTrial[];
  /** The search stopped because the sender could not offer more, not because the switch lost packets. */
  readonly senderLimited: boolean;
  /** How the switch's ports were attached (our model: packet rings or socat bridges). */
  readonly attach: string;
}

export interface VethComparison {
  readonly program: "p4c-bm2-ss JSON" | "builtin compiler JSON";
  readonly model: SwitchRate;
  /** Absent with the reason when simple_switch_grpc is not installed. */
  readonly bmv2: SwitchRate | string;
}

export interface VethRateOptions {
  readonly trialSeconds?: number;
  readonly maxLoss?: number;
  readonly log?: (line: string) => void;
}

/** What stops the benchmark from running here, or undefined. */
export function vethRateUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (veth pairs and packet sockets)";
  const rings = loadPacketRings();
  if (!rings.ok) return rings.reason;
  return undefined;
}

const P = "SessionLbIngress.";
const CLIENT = clientAddress(0);
const SERVER = serverAddress(serverId(1));
const SERVER2 = serverAddress(serverId(2));

/** The LB entries of testbench/src/bench/lb_fixture.ts, as P4Runtime updates. */
function lbUpdates(): Update[] {
  const updates: Update[] = [insert(tableEntry(`${P}classify.vip`, { match: { "hdr.ipv4.dst_addr": VIP.ip, "hdr.udp.dst_port": VIP.port }, action: action(`${P}classify.set_vip`) }))];
  for (const [id, a] of [[1, SERVER], [2, SERVER2]] as const) {
    updates.push(
      insert(tableEntry(`${P}classify.server_source`, { match: { "hdr.ipv4.src_addr": a.ip, "hdr.udp.src_port": VIP.port }, action: action(`${P}classify.from_server`, { server_id: id, vip_addr: VIP.ip, vip_port: VIP.port }) })),
      insert(member(`${P}session_select.new_session_selector`, id, { name: `${P}session_select.pick_new_server`, params: { server_id: id, server_addr: a.ip, server_port: VIP.port } })),
      insert(tableEntry(`${P}session_select.server_map`, { match: { "meta.primary_id": id }, action: action(`${P}session_select.set_primary`, { server_addr: a.ip, server_port: VIP.port, generation: 0 }) })),
      insert(tableEntry(`${P}forwarding.ipv4_lpm`, { match: { "hdr.ipv4.dst_addr": `${a.ip}/32` }, action: action(`${P}forwarding.route`, { port: a.switchPort, src_mac: BigInt(GATEWAY_MAC), dst_mac: BigInt(a.mac) }) })),
      insert(member(`${P}failover.failover_selector`, id, { name: `${P}failover.pick_failover_server`, params: { server_id: id, server_addr: a.ip, server_port: VIP.port } })),
    );
  }
  updates.push(
    insert(group(`${P}session_select.new_session_selector`, 1, [{ memberId: 1 }, { memberId: 2 }])),
    insert(tableEntry(`${P}session_select.new_session_select`, { match: { "hdr.ipv4.dst_addr": VIP.ip }, action: groupAction(1) })),
    // Server X's failover group holds every server but X.
    insert(group(`${P}failover.failover_selector`, 1, [{ memberId: 2 }])),
    insert(group(`${P}failover.failover_selector`, 2, [{ memberId: 1 }])),
    insert(tableEntry(`${P}failover.failover_select`, { match: { "meta.secondary_id": 1 }, action: groupAction(1) })),
    insert(tableEntry(`${P}failover.failover_select`, { match: { "meta.secondary_id": 2 }, action: groupAction(2) })),
    insert(tableEntry(`${P}forwarding.ipv4_lpm`, { match: { "hdr.ipv4.dst_addr": `${CLIENT.ip}/32` }, action: action(`${P}forwarding.route`, { port: CLIENT.switchPort, src_mac: BigInt(GATEWAY_MAC), dst_mac: BigInt(CLIENT.mac) }) })),
  );
  return updates;
}

/** Requests of `sessions` sessions whose cookie names servers 1 and 2 (DNAT to server 1), with 16 spare body bytes for the sender's stamp. */
function requestTemplates(sessions: number): { frames: Uint8Array; lengths: Uint32Array } {
  const src = parseIpv4(CLIENT.ip)!;
  const dst = parseIpv4(VIP.ip)!;
  const body = new Uint8Array(22);
  body.set(new TextEncoder().encode("incr c"));
  const frames = Array.from({ length: sessions }, (_, i) => {
    const session = encodeSessionMessage(
      { type: MessageType.Request, flags: 0, cookie: makeCookie(serverId(1), serverId(2)), sessionId: (0x5eb0_0000_0000_0000n + BigInt(i)) as SessionId, sessionVersion: 1, requestId: i + 1 },
      body,
    );
    // UDP checksum 0 ("none"): the stamp changes the body after the checksum would have been computed.
    const udp = encodeUdp({ srcPort: 50000, dstPort: VIP.port, payload: session }, src, dst);
    udp[6] = 0;
    udp[7] = 0;
    const ipv4 = encodeIpv4({ src, dst, protocol: IP_PROTOCOL_UDP, ttl: 64, identification: i, payload: udp });
    return encodeEthernet({ dst: GATEWAY_MAC, src: CLIENT.mac as MacAddress, etherType: ETHERTYPE_IPV4, payload: ipv4 });
  });
  const all = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of frames) {
    all.set(f, at);
    at += f.length;
  }
  return { frames: all, lengths: Uint32Array.from(frames, (f) => f.length) };
}

interface Veths {
  /** Sender side (client port) and receiver side (server port) ends, and the switch's ends. */
  readonly sendIf: string;
  readonly receiveIf: string;
  readonly switchClientIf: string;
  readonly switchServerIf: string;
  remove(): Promise<void>;
}

async function createVeths(prefix: string): Promise<Veths> {
  const pairs: [string, string][] = [
    [`${prefix}g1`, `${prefix}s1`],
    [`${prefix}g2`, `${prefix}s2`],
  ];
  const remove = async (): Promise<void> => {
    for (const [a] of pairs) await shQuiet(["ip", "link", "del", a]);
  };
  await remove();
  try {
    for (const [a, b] of pairs) {
      await sh(["ip", "link", "add", a, "type", "veth", "peer", "name", b]);
      for (const ifname of [a, b]) {
        // No IPv6 router/neighbour chatter on the measured links.
        await shQuiet(["sysctl", "-q", "-w", `net.ipv6.conf.${ifname}.disable_ipv6=1`]);
        await sh(["ip", "link", "set", ifname, "up"]);
      }
    }
  } catch (e) {
    await remove();
    throw e;
  }
  return { sendIf: pairs[0]![0], switchClientIf: pairs[0]![1], receiveIf: pairs[1]![0], switchServerIf: pairs[1]![1], remove };
}

/** p4c's own core.p4 / v1model.p4 next to the binary (an unpacked p4c may not know where it was put). */
function p4cIncludeDirs(): string[] {
  const binary = which("p4c-bm2-ss");
  if (!binary) return [];
  const dir = join(dirname(realpathSync(binary)), "..", "share", "p4c", "p4include");
  return existsSync(join(dir, "v1model.p4")) ? [dir] : [];
}

async function chooseProgram(): Promise<{ pipeline: Pipeline; name: VethComparison["program"] }> {
  if (realCompilerAvailable("bmv2")) {
    const real = compileWithRealP4c(LB_PROGRAM, { includeDirs: p4cIncludeDirs() });
    if (real.ok) {
      const json = JSON.stringify(real.bmv2Json);
      return { pipeline: makePipeline(parseP4Info(real.p4infoText), json), name: "p4c-bm2-ss JSON" };
    }
  }
  return { pipeline: (await compileLbProgram()).pipeline, name: "builtin compiler JSON" };
}

async function program(grpcAddress: string, pipeline: Pipeline): Promise<void> {
  const sw = new Switch({ address: grpcAddress, electionId: 1n, p4info: pipeline.p4info, reconnect: false });
  try {
    await sw.connect(15_000);
    await sw.setPipeline({ p4info: pipeline.p4info, deviceConfig: pipeline.deviceConfig, cookie: pipeline.cookie });
    await sw.write(lbUpdates());
  } finally {
    sw.close();
  }
}

interface Running {
  readonly grpcAddress: string;
  readonly attach: string;
  stop(): Promise<void>;
}

/** `slb switch` as its own process, as simple_switch_grpc is, on the two veths. */
async function startOurModel(veths: Veths): Promise<Running> {
  const ifs = `${CLIENT.switchPort}@${veths.switchClientIf},${SERVER.switchPort}@${veths.switchServerIf}`;
  const sw = await startModelSwitchProcess(["--ports", "0", "--interface", ifs]);
  return { grpcAddress: sw.grpcAddress, attach: /on (packet rings|socat bridges)/.exec(sw.startLine)?.[1] ?? "unknown", stop: sw.stop };
}

async function startRealBmv2(veths: Veths): Promise<Running | string> {
  const launched = await launchSimpleSwitchGrpc({
    interfaces: [
      { port: CLIENT.switchPort, iface: veths.switchClientIf },
      { port: SERVER.switchPort, iface: veths.switchServerIf },
    ],
    grpcAddress: `127.0.0.1:${await freeTcpPort()}`,
    thriftPort: await freeTcpPort(),
  });
  if (launched.kind === "not-installed") return launched.message;
  if (launched.kind === "failed") throw new Error(launched.message);
  return { grpcAddress: launched.grpcAddress, attach: "libpcap", stop: launched.stop };
}

async function trial(addon: PacketRingAddon, veths: Veths, templates: ReturnType<typeof requestTemplates>, ratePps: number, seconds: number): Promise<RateTrial> {
  const counter = addon.counterStart(veths.receiveIf);
  let counted;
  let blast;
  try {
    blast = await addon.blast(veths.sendIf, templates.frames, templates.lengths, ratePps, seconds);
    // Whatever is still queued in the switch arrives within this.
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    counted = addon.counterStop(counter);
  }
  const received = Math.min(counted.received, blast.sent);
  return {
    offeredPps: blast.sent / blast.seconds,
    sent: blast.sent,
    received,
    deliveredFraction: blast.sent > 0 ? received / blast.sent : 0,
    deliveredPps: received / blast.seconds,
    p50Us: counted.p50Us,
    p99Us: counted.p99Us,
  };
}

/** Doubling up from `startPps` until a trial loses more than maxLoss, then bisecting between the last good and the first bad rate. */
async function rateSearch(run: (pps: number) => Promise<RateTrial>, maxLoss: number, log: (line: string) => void, startPps = 25_000): Promise<{ best: RateTrial | undefined; trials: RateTrial[]; senderLimited: boolean }> {
  const trials: RateTrial[] = [];
  const good = (t: RateTrial): boolean => t.deliveredFraction >= 1 - maxLoss;
  const step = async (pps: number): Promise<RateTrial> => {
    const t = await run(pps);
    trials.push(t);
    log(`  asked ${Math.round(pps)}/s: offered ${Math.round(t.offeredPps)}/s, delivered ${(t.deliveredFraction * 100).toFixed(2)}%, p99 ${t.p99Us} us`);
    return t;
  };
  let best: RateTrial | undefined;
  let lo = 0;
  let hi = 0;
  let senderLimited = false;
  for (let pps = startPps; ; pps *= 2) {
    const t = await step(pps);
    if (!good(t)) {
      hi = pps;
      break;
    }
    best = t;
    lo = pps;
    if (t.offeredPps < 0.9 * pps || pps >= 4_000_000) {
      senderLimited = true;
      break;
    }
  }
  if (hi > 0 && lo === 0) {
    // Even the first rate lost too much: halve until one does not.
    for (let pps = startPps / 2; pps >= 1000 && !best; pps /= 2) {
      const t = await step(pps);
      if (good(t)) {
        best = t;
        lo = pps;
      } else hi = pps;
    }
  }
  for (let i = 0; i < 4 && hi > 0 && lo > 0 && hi / lo > 1.05; i++) {
    const mid = (lo + hi) / 2;
    const t = await step(mid);
    if (good(t)) {
      lo = mid;
      if (!best || t.deliveredPps > best.deliveredPps) best = t;
    } else hi = mid;
  }
  return { best, trials, senderLimited };
}

async function measure(target: SwitchRate["target"], running: Running, pipeline: Pipeline, addon: PacketRingAddon, veths: Veths, opts: Required<VethRateOptions>): Promise<SwitchRate> {
  await program(running.grpcAddress, pipeline);
  const templates = requestTemplates(64);
  opts.log(`${target} (${running.attach}): warm-up`);
  const warm = await trial(addon, veths, templates, 20_000, opts.trialSeconds);
  if (warm.received === 0) throw new Error(`${target} forwarded none of ${warm.sent} LB requests in the warm-up: is it programmed?`);
  const search = await rateSearch((pps) => trial(addon, veths, templates, pps, opts.trialSeconds), opts.maxLoss, opts.log);
  return { target, attach: running.attach, ...search };
}

export async function compareOnVeth(options: VethRateOptions = {}): Promise<VethComparison> {
  const unavailable = vethRateUnavailable();
  if (unavailable) throw new Error(unavailable);
  const addon = (loadPacketRings() as { ok: true; addon: PacketRingAddon }).addon;
  const opts: Required<VethRateOptions> = { trialSeconds: options.trialSeconds ?? 1, maxLoss: options.maxLoss ?? 0.01, log: options.log ?? (() => {}) };
  const chosen = await chooseProgram();
  const veths = await createVeths(`sv${process.pid % 100000}`);
  try {
    const ours = await startOurModel(veths);
    let model: SwitchRate;
    try {
      model = await measure("our model", ours, chosen.pipeline, addon, veths, opts);
    } finally {
      await ours.stop();
    }
    const real = await startRealBmv2(veths);
    if (typeof real === "string") return { program: chosen.name, model, bmv2: real };
    try {
      return { program: chosen.name, model, bmv2: await measure("real bmv2", real, chosen.pipeline, addon, veths, opts) };
    } finally {
      await real.stop();
    }
  } finally {
    await veths.remove();
  }
}
