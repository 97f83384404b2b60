import { port as toPort, type PortNumber, type SwitchModel } from "../../../bmv2/src/dataplane/api.ts";
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
  try {
    for (const c of commands) {
      try {
        switch (c.kind) {
          case "packet":
            sw.inject(toPort(c.port), c.data);
            sent++;
            break;
          case "expect": {
            const list = expected.get(c.port) ?? [];
            list.push({ pattern: c.pattern, line: c.line });
            expected.set(c.port, list);
            break;
          }
          case "add": {
            const table = resolveTable(sw.control, c.table);
            const info = sw.control.tableInfo(table);
            const key = buildKey(info, c.keys);
            const call = buildCall(sw.control, info, c.action, c.args);
            sw.control.tableAdd(table, key, { kind: "action", call }, needsPriority(info) ? (c.priority ?? 0) : undefined);
            break;
          }
          case "setdefault": {
            const table = resolveTable(sw.control, c.table);
            const info = sw.control.tableInfo(table);
            sw.control.tableSetDefault(table, buildCall(sw.control, info, c.action, c.args));
            break;
          }
          case "mirroring_add":
            sw.control.cloneSessionSet(c.session, { replicas: [{ port: toPort(c.port), instance: 0 }] });
            break;
          case "mc_mgrp_create":
            mcGroups.set(c.group, []);
            sw.control.multicastGroupSet(c.group, []);
            break;
          case "mc_node_create":
            mcNodes.push({ rid: c.rid, ports: c.ports });
            break;
          case "mc_node_associate": {
            const node = mcNodes[c.node];
            if (!node) throw new Error(`no multicast node handle ${c.node}`);
            const replicas = mcGroups.get(c.group) ?? [];
            for (const p of node.ports) replicas.push({ port: toPort(p), instance: node.rid });
            mcGroups.set(c.group, replicas);
            sw.control.multicastGroupSet(c.group, replicas);
            break;
          }
          case "wait":
            break;
          case "unsupported":
            throw new Error(`unsupported STF command "${c.text}"`);
        }
      } catch (e) {
        failures.push(`line ${c.line}: ${c.kind} failed: ${e instanceof Error ? e.message : String(e)}`);
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
