import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import type { MatchParam } from "../../../bmv2/src/dataplane/api.ts";
import { createSwitch } from "../../../bmv2/src/dataplane/index.ts";
import { type StfTarget, commandFailure, dispatchStfCommand } from "./dispatch.ts";
import { buildCall, buildKey, needsPriority, resolveTable, type ProgramSchema } from "./entries.ts";
import { judgeOutput, type ExpectedPacket, type StfResult } from "./judge.ts";
import { parseStf, type StfCommand } from "./parse.ts";
import { NanomsgPacketPort } from "./nanomsg_packets.ts";
import { ThriftCli } from "./thrift_cli.ts";
import { freeTcpPort } from "../realnet/ports.ts";

/**
 * Runs an STF test on the real bmv2 `simple_switch`. Packets go in and come out through the
 * switch's nanomsg packet socket (`--packet-in`), which carries the port of every packet, so
 * any number of ports work without interfaces or root. Tables, mirroring and multicast go
 * through `simple_switch_CLI` (Thrift). Before each control command and at the end the runner
 * waits until the switch has taken every packet sent so far and its debug log has gone quiet,
 * so entries never race the packets before them.
 */
export interface Bmv2StfOptions {
  /** simple_switch; default: found on PATH. */
  readonly switchBinary?: string;
  /** simple_switch_CLI; default: found on PATH. */
  readonly cliBinary?: string;
  /** How long the switch log must stay silent before in-flight packets count as done. */
  readonly quietMs?: number;
  /** Bound on each wait (start, a command, the switch going quiet). */
  readonly timeoutMs?: number;
}

const SWITCH = "simple_switch";
const CLI = "simple_switch_CLI";

function onPath(name: string): string | undefined {
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** Why the real-bmv2 runner cannot run here, or undefined when it can. */
export function bmv2StfUnavailable(opts: Bmv2StfOptions = {}): string | undefined {
  if (!(opts.switchBinary ?? onPath(SWITCH))) return `${SWITCH} is not installed (not on PATH)`;
  if (!(opts.cliBinary ?? onPath(CLI))) return `${CLI} is not installed (not on PATH)`;
  return undefined;
}


function waitForListening(port: number, child: ChildProcess, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      if (child.exitCode !== null || child.signalCode !== null) return reject(new Error(`simple_switch exited at start: ${log().trim().slice(-800)}`));
      const socket = connect({ host: "127.0.0.1", port });
      socket.once("connect", () => {
        socket.destroy();
        resolve();
      });
      socket.once("error", () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`simple_switch did not open Thrift port ${port} within ${timeoutMs} ms`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

const STF_PRIORITY_BASE = 10_000;
/** A poll of the switch's activity later than this means the runner itself was not listening. */
const STALL_MS = 100;

const hex = (v: bigint): string => `0x${v.toString(16)}`;

/** A match parameter as simple_switch_CLI's `table_add` spells it. */
function cliMatch(m: MatchParam): string {
  switch (m.kind) {
    case "exact":
      return hex(m.value);
    case "lpm":
      return `${hex(m.value)}/${m.prefixLength}`;
    case "ternary":
      return `${hex(m.value)}&&&${hex(m.mask)}`;
    case "range":
      return `${hex(m.low)}->${hex(m.high)}`;
    case "valid":
      return m.valid ? "1" : "0";
    case "optional":
      throw new Error("simple_switch_CLI cannot add entries with optional match keys");
  }
}

/**
 * Follows the switch's debug log: how many packets it has taken in and sent out, and when it
 * last said anything; and counts the packets that reached the runner.
 */
class SwitchActivity {
  received = 0;
  transmitted = 0;
  delivered = 0;
  lastOutputAt = Date.now();
  private pending = "";

  constructor(readonly logTail: string[]) {}

  take(chunk: Buffer): void {
    this.lastOutputAt = Date.now();
    this.pending += chunk.toString();
    const lines = this.pending.split("\n");
    this.pending = lines.pop() ?? "";
    for (const line of lines) {
      if (line.includes("Processing packet received on port")) this.received++;
      else if (line.includes("Transmitting packet of size")) this.transmitted++;
      this.logTail.push(line);
      if (this.logTail.length > 200) this.logTail.shift();
    }
  }

  /**
   * Resolves when `sent` packets were taken in, every packet the switch logged as sent out has
   * reached the runner, and the log has been silent for quietMs.
   */
  async settle(sent: number, quietMs: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let polledAt = Date.now();
    for (;;) {
      const now = Date.now();
      // When this process was busy (a long synchronous task), the switch's output may be
      // waiting unread: silence counts only from the moment the runner could listen again.
      if (now - polledAt > STALL_MS) this.lastOutputAt = Math.max(this.lastOutputAt, now);
      polledAt = now;
      if (this.received >= sent && this.delivered >= this.transmitted && now - this.lastOutputAt >= quietMs) return;
      if (now > deadline)
        throw new Error(
          `simple_switch took in ${this.received} of ${sent} packets, sent out ${this.transmitted} of which ${this.delivered} arrived, and did not settle within ${timeoutMs} ms`,
        );
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** The verdict, and the packets that came out on each port, in order. */
export interface Bmv2StfResult extends StfResult {
  readonly received: ReadonlyMap<number, readonly Uint8Array[]>;
}

/** Runs `stfText` on a real simple_switch loaded with `bmv2Json`; judged as the model runner judges. */
export async function runStfOnBmv2(stfText: string, bmv2Json: unknown, opts: Bmv2StfOptions = {}): Promise<Bmv2StfResult> {
  const failed = (why: string): Bmv2StfResult => ({ passed: false, failures: [why], packetsSent: 0, packetsReceived: 0, received: new Map() });
  const unavailable = bmv2StfUnavailable(opts);
  if (unavailable) return failed(unavailable);
  let commands: StfCommand[];
  try {
    commands = parseStf(stfText);
  } catch (e) {
    return failed(e instanceof Error ? e.message : String(e));
  }
  // The program's table/action schema, to resolve STF names and key layouts like p4c's driver;
  // read only when the test has table commands.
  let loadedSchema: ProgramSchema | undefined;
  const schema = (): ProgramSchema => {
    if (!loadedSchema) {
      const model = createSwitch();
      try {
        model.loadPipeline(bmv2Json);
      } catch (e) {
        throw new Error(`cannot read the program's tables from its JSON: ${e instanceof Error ? e.message : String(e)}`);
      }
      loadedSchema = model.control;
    }
    return loadedSchema;
  };

  const quietMs = opts.quietMs ?? 250;
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const dir = mkdtempSync(join(tmpdir(), "slb-stf-bmv2-"));
  let sw: ChildProcess | undefined;
  let cli: ThriftCli | undefined;
  let packets: NanomsgPacketPort | undefined;
  const received = new Map<number, Uint8Array[]>();
  const logTail: string[] = [];
  const failures: string[] = [];
  const expected = new Map<number, ExpectedPacket[]>();
  let sent = 0;
  try {
    writeFileSync(join(dir, "program.json"), JSON.stringify(bmv2Json));
    const packetSocket = join(dir, "packets.ipc");
    const thriftPort = await freeTcpPort();
    const args = [
      "--packet-in",
      `ipc://${packetSocket}`,
      "--thrift-port",
      String(thriftPort),
      "--device-id",
      String(process.pid % 65536),
      "--notifications-addr",
      `ipc://${join(dir, "notifications.ipc")}`,
      "--log-console",
      "-L",
      "debug",
      "program.json",
    ];
    const activity = new SwitchActivity(logTail);
    sw = spawn(opts.switchBinary ?? onPath(SWITCH)!, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    sw.stdout?.on("data", (d: Buffer) => activity.take(d));
    sw.stderr?.on("data", (d: Buffer) => activity.take(d));
    await waitForListening(thriftPort, sw, timeoutMs, () => logTail.join("\n"));
    let packetError: Error | undefined;
    packets = await NanomsgPacketPort.open(
      packetSocket,
      (port, frame) => {
        activity.delivered++;
        const list = received.get(port) ?? [];
        list.push(frame);
        received.set(port, list);
      },
      (e) => (packetError = e),
      timeoutMs,
    );
    cli = await ThriftCli.start(opts.cliBinary ?? onPath(CLI)!, thriftPort, timeoutMs);

    let unsettled = false;
    const mcNodeHandles: number[] = [];
    const thrift = cli;
    const packetPort = packets;
    const target: StfTarget<Promise<void> | void> = {
      packet(c) {
        if (packetError) throw packetError;
        packetPort.send(c.port, c.data);
        sent++;
        unsettled = true;
      },
      async add(c) {
        const table = resolveTable(schema(), c.table);
        const info = schema().tableInfo(table);
        const key = buildKey(info, c.keys).map(cliMatch);
        const call = buildCall(schema(), info, c.action, c.args);
        // bmv2 puts the lowest number first, STF the highest: p4c's driver sends 10000 - priority.
        const priority = needsPriority(info) ? [String(STF_PRIORITY_BASE - (c.priority ?? 0))] : [];
        await thrift.run(["table_add", table, call.action, ...key, "=>", ...call.args.map(hex), ...priority].join(" "), timeoutMs);
      },
      async setdefault(c) {
        const table = resolveTable(schema(), c.table);
        const call = buildCall(schema(), schema().tableInfo(table), c.action, c.args);
        await thrift.run(["table_set_default", table, call.action, ...call.args.map(hex)].join(" "), timeoutMs);
      },
      async mirroring_add(c) {
        await thrift.run(`mirroring_add ${c.session} ${c.port}`, timeoutMs);
      },
      async mc_mgrp_create(c) {
        await thrift.run(`mc_mgrp_create ${c.group}`, timeoutMs);
      },
      async mc_node_create(c) {
        const answer = await thrift.run(`mc_node_create ${c.rid} ${c.ports.join(" ")}`, timeoutMs);
        const handle = /handle (\d+)/.exec(answer);
        if (!handle) throw new Error(`mc_node_create gave no node handle: ${answer}`);
        mcNodeHandles.push(Number(handle[1]));
      },
      async mc_node_associate(c) {
        const handle = mcNodeHandles[c.node];
        if (handle === undefined) throw new Error(`no multicast node ${c.node}`);
        await thrift.run(`mc_node_associate ${c.group} ${handle}`, timeoutMs);
      },
    };
    for (const c of commands) {
      try {
        // Table and multicast changes wait until the packets sent before them have come out, as p4c's driver does.
        if (c.kind !== "packet" && c.kind !== "expect" && unsettled) {
          await activity.settle(sent, quietMs, timeoutMs);
          unsettled = false;
        }
        await dispatchStfCommand(c, expected, target);
      } catch (e) {
        failures.push(commandFailure(c, e));
      }
    }
    await activity.settle(sent, quietMs, timeoutMs);
  } catch (e) {
    failures.push(`${e instanceof Error ? e.message : String(e)}${logTail.length > 0 ? `\nswitch log:\n${logTail.slice(-15).join("\n")}` : ""}`);
  } finally {
    cli?.close();
    packets?.close();
    if (sw && sw.exitCode === null && sw.signalCode === null) {
      const exited = new Promise<void>((resolve) => sw!.once("exit", () => resolve()));
      sw.kill("SIGTERM");
      await exited;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  failures.push(...judgeOutput(expected, received));
  const packetsReceived = [...received.values()].reduce((n, list) => n + list.length, 0);
  return { passed: failures.length === 0, failures, packetsSent: sent, packetsReceived, received };
}
