/**
 * What every STF runner does the same way, whatever the switch: `expect` lines are collected
 * for the judge, `wait` needs nothing here, an unsupported command fails its line, and a
 * command that throws becomes that line's failure. The rest (packets, tables, mirroring,
 * multicast) each target does its own way through a StfTarget.
 */
import type { ExpectedPacket } from "./judge.ts";
import type { StfCommand } from "./parse.ts";

/** The commands that act on the switch. */
export type SwitchCommand = Exclude<StfCommand, { readonly kind: "expect" | "wait" | "unsupported" }>;

/** How one target carries out each switch command; R is void for a synchronous target, a promise for one behind a process. */
export type StfTarget<R> = { readonly [K in SwitchCommand["kind"]]: (c: Extract<SwitchCommand, { readonly kind: K }>) => R };

/** Carries out one command: collects expects into `expected`, hands switch commands to the target, throws for unsupported ones. */
export function dispatchStfCommand<R>(c: StfCommand, expected: Map<number, ExpectedPacket[]>, target: StfTarget<R>): R | undefined {
  switch (c.kind) {
    case "expect": {
      const list = expected.get(c.port) ?? [];
      list.push({ pattern: c.pattern, line: c.line });
      expected.set(c.port, list);
      return undefined;
    }
    case "wait":
      return undefined;
    case "unsupported":
      throw new Error(`unsupported STF command "${c.text}"`);
    default:
      return (target[c.kind] as (command: SwitchCommand) => R)(c);
  }
}

/** The failure line of a command that threw. */
export function commandFailure(c: StfCommand, e: unknown): string {
  return `line ${c.line}: ${c.kind} failed: ${e instanceof Error ? e.message : String(e)}`;
}
