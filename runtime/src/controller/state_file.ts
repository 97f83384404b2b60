/**
 * The controller's own memory that the switch cannot give back on a restart: which servers are
 * drained (on the switch a drained server looks like a down one) and which removed servers
 * still need failover groups. Written atomically (temp file + rename) on every change.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";

export interface ControllerMemory {
  readonly drained: readonly number[];
  readonly retired: readonly number[];
}

const EMPTY: ControllerMemory = { drained: [], retired: [] };

function ids(v: unknown): number[] {
  return Array.isArray(v) ? v.filter((x): x is number => Number.isInteger(x) && x >= 1 && x <= 65534) : [];
}

/** Reads the memory; a missing or unreadable file is an empty memory (the switch state still rules). */
export function readMemory(file: string | undefined): ControllerMemory {
  if (!file || !existsSync(file)) return EMPTY;
  try {
    const raw = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    return { drained: ids(raw.drained), retired: ids(raw.retired) };
  } catch {
    return EMPTY;
  }
}

export function writeMemory(file: string | undefined, memory: ControllerMemory): void {
  if (!file) return;
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify({ drained: [...memory.drained].sort((a, b) => a - b), retired: [...memory.retired].sort((a, b) => a - b) }) + "\n");
  renameSync(tmp, file);
}
