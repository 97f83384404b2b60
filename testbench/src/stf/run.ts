import { port as toPort, type PortNumber, type SwitchModel } from "../../../bmv2/src/dataplane/api.ts";
import { type StfTarget, commandFailure, dispatchStfCommand } from "./dispatch.ts";
import { buildCall, buildKey, needsPriority, resolveTable } from "./entries.ts";
import { judgeOutput, type ExpectedPacket, type StfResult } from "./judge.ts";
import { parseStf, type StfCommand } from "./parse.ts";

/** Runs an STF test on our switch model and judges it as p4c's bmv2 driver does (see judge.ts). */

export function runStf(stfText: string, sw: SwitchModel): StfResult {
  let commands: StfCommand[];
  try {
    commands = parseStf(stfText);
  } catch (e) {
    return { passed: false, failures: [String(e instanceof Error ? e.message : e)], packetsSent: 0, packetsReceived: 0 };
  }
  const failures: string[] = [];
  const received = new Map<number, Uint8Array[]>();
  const expected = new Map<number, ExpectedPacket[]>();
  const stop = sw.onEgress((p, frame) => {
    const list = received.get(p) ?? [];
    list.push(frame.slice());
    received.set(p, list);
  });
  const mcNodes: { rid: number; ports: readonly number[] }[] = [];
  const mcGroups = new Map<number, { port: PortNumber; instance: number }[]>();
  let sent = 0;
  const target: StfTarget<void> = {
    packet(c) {
      sw.inject(toPort(c.port), c.data);
      sent++;
    },
    add(c) {
      const table = resolveTable(sw.control, c.table);
      const info = sw.control.tableInfo(table);
      const key = buildKey(info, c.keys);
      const call = buildCall(sw.control, info, c.action, c.args);
      sw.control.tableAdd(table, key, { kind: "action", call }, needsPriority(info) ? (c.priority ?? 0) : undefined);
    },
    setdefault(c) {
      const table = resolveTable(sw.control, c.table);
      sw.control.tableSetDefault(table, buildCall(sw.control, sw.control.tableInfo(table), c.action, c.args));
    },
    mirroring_add(c) {
      sw.control.cloneSessionSet(c.session, { replicas: [{ port: toPort(c.port), instance: 0 }] });
    },
    mc_mgrp_create(c) {
      mcGroups.set(c.group, []);
      sw.control.multicastGroupSet(c.group, []);
    },
    mc_node_create(c) {
      mcNodes.push({ rid: c.rid, ports: c.ports });
    },
    mc_node_associate(c) {
      const node = mcNodes[c.node];
      if (!node) throw new Error(`no multicast node handle ${c.node}`);
      const replicas = mcGroups.get(c.group) ?? [];
      for (const p of node.ports) replicas.push({ port: toPort(p), instance: node.rid });
      mcGroups.set(c.group, replicas);
      sw.control.multicastGroupSet(c.group, replicas);
    },
  };
  try {
    for (const c of commands) {
      try {
        dispatchStfCommand(c, expected, target);
      } catch (e) {
        failures.push(commandFailure(c, e));
      }
    }
  } finally {
    stop();
  }

  const failuresOfOutput = judgeOutput(expected, received);
  const receivedCount = [...received.values()].reduce((n, list) => n + list.length, 0);
  const all = [...failures, ...failuresOfOutput];
  return { passed: all.length === 0, failures: all, packetsSent: sent, packetsReceived: receivedCount };
}
