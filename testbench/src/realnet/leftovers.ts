/** What a namespace run left behind, for the teardown checks. */
import { listLinks, listNamespaces } from "../../../runtime/src/netns/lifecycle.ts";
import { mgmtBridgeName } from "../../../runtime/src/netns/topology.ts";
import { processAlive } from "./processes.ts";

export interface Leftovers {
  readonly namespaces: readonly string[];
  readonly links: readonly string[];
  /** Pids of our processes (servers, clients, bridges, switch) still alive. */
  readonly processes: readonly number[];
}

/** Namespaces and links of the prefix, and any of the given pids alive. */
export async function leftovers(prefix: string, pids: readonly number[]): Promise<Leftovers> {
  const ours = new RegExp(`^${prefix}[pm]\\d+$`);
  return {
    namespaces: (await listNamespaces()).filter((n) => n.startsWith(`${prefix}-`)),
    links: (await listLinks()).filter((l) => ours.test(l) || l === mgmtBridgeName(prefix)),
    processes: pids.filter(processAlive),
  };
}

export function isClean(l: Leftovers): boolean {
  return l.namespaces.length + l.links.length + l.processes.length === 0;
}
