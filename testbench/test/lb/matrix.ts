/**
 * Packet tests that run on every target (targets.ts): our model through the in-process rig,
 * and the real simple_switch_grpc programmed over P4Runtime. A test gets a rig programmed the
 * usual way (setup.ts: servers up, new-session and failover groups) and may change the tables
 * with the programmer's operations; everything is async so one body serves both.
 */
import test, { type ExecutionContext } from "ava";
import type { CounterValue } from "../../../bmv2/src/dataplane/index.ts";
import { Switch } from "../../../runtime/src/p4rt/switch.ts";
import { counterEntry } from "../../../runtime/src/p4rt/entities.ts";
import type { ServerId } from "../../../runtime/src/wire/session_header.ts";
import { type DropReason, Names } from "./programmer.ts";
import { P4rtLbProgrammer } from "./p4rt_programmer.ts";
import { type Emitted, compileSessionLb } from "./rig.ts";
import { ids, programmedRig } from "./setup.ts";
import { LB_TARGETS, type TargetKind } from "./targets.ts";

export interface MatrixProgrammer {
  route(prefix: number, prefixLength: number, port: number, dstMac: bigint): Promise<void>;
  markDown(id: ServerId): Promise<void>;
  setNewSessionServers(servers: readonly ServerId[]): Promise<void>;
  setFailoverGroups(live: readonly ServerId[], possibleSecondaries: readonly ServerId[]): Promise<void>;
}

export interface MatrixRig {
  readonly program: MatrixProgrammer;
  send(ingressPort: number, frame: Uint8Array): Promise<Emitted[]>;
  counter(counter: string, index: number): Promise<CounterValue>;
  packets(counter: string, index: number): Promise<bigint>;
  drops(reason: DropReason): Promise<bigint>;
  requestsTo(id: ServerId): Promise<bigint>;
}

function withReads(base: Pick<MatrixRig, "program" | "send" | "counter">): MatrixRig {
  const packets = async (counter: string, index: number): Promise<bigint> => (await base.counter(counter, index)).packets;
  return { ...base, packets, drops: (reason) => packets(Names.dropReasons, reason), requestsTo: (id) => packets(Names.serverRequests, id) };
}

async function modelRig(servers: readonly ServerId[]): Promise<{ rig: MatrixRig; close(): Promise<void> }> {
  const rig = await programmedRig(servers);
  const p = rig.program;
  const program: MatrixProgrammer = {
    route: async (...args) => p.route(...args),
    markDown: async (id) => p.markDown(id),
    setNewSessionServers: async (s) => p.setNewSessionServers(s),
    setFailoverGroups: async (live, secondaries) => p.setFailoverGroups(live, secondaries),
  };
  return { rig: withReads({ program, send: async (port, frame) => rig.send(port, frame), counter: async (c, i) => rig.counter(c, i) }), close: async () => {} };
}

async function p4rtRig(kind: TargetKind, servers: readonly ServerId[]): Promise<{ rig: MatrixRig; close(): Promise<void> }> {
  let programmer: P4rtLbProgrammer | undefined;
  const { target, p4info, deviceConfig } = await kind.start(() => programmer?.routes ?? []);
  const client = new Switch({ address: target.grpcAddress, electionId: 1, reconnect: false });
  const close = async (): Promise<void> => {
    client.close();
    await target.close();
  };
  try {
    await client.connect();
    await client.setPipeline({ p4info, deviceConfig });
    programmer = new P4rtLbProgrammer(client);
    await programmer.setUp(servers);
    for (const id of servers) await programmer.markUp(id);
    await programmer.setNewSessionServers(servers);
    await programmer.setFailoverGroups(servers, servers);
  } catch (err) {
    await close();
    throw err;
  }
  const counter = async (name: string, index: number): Promise<CounterValue> => {
    const [entry] = await client.readAll(counterEntry(name, index));
    if (!entry || entry.type !== "counter_entry") throw new Error(`no counter entry read for ${name}[${index}]`);
    return { packets: entry.data?.packets ?? 0n, bytes: entry.data?.bytes ?? 0n };
  };
  return { rig: withReads({ program: programmer, send: (port, frame) => target.send(port, frame), counter }), close };
}

const program = await compileSessionLb();

/** Registers `[target] title` for every target; one that cannot run here is skipped with the reason. */
export function lbMatrixTest(title: string, body: (t: ExecutionContext, rig: MatrixRig) => Promise<void>, servers: readonly ServerId[] = ids(1, 2, 3, 4)): void {
  for (const kind of LB_TARGETS) {
    const reason = program.ok ? kind.unavailable() : program.reason.slice(0, 300);
    const named = `[${kind.name}] ${title}`;
    if (reason) {
      test.skip(`${named} [${reason}]`, () => {});
      continue;
    }
    const start = kind.inProcessModel ? () => modelRig(servers) : () => p4rtRig(kind, servers);
    test.serial(named, async (t) => {
      const { rig, close } = await start();
      try {
        await body(t, rig);
      } finally {
        await close();
      }
    });
  }
}
