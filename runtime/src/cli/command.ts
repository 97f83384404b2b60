/** One `slb` subcommand. Each lives in its own module under commands/; main.ts lists it with its one-line summary. */
export interface Command {
  /** Full text for `slb <name> --help`: usage, options, an example. */
  readonly help: string;
  /** Returns the process exit code. */
  run(args: readonly string[]): Promise<number>;
}

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export interface ParsedArgs {
  readonly positional: string[];
  readonly options: Map<string, string | true>;
}

/**
 * Splits `--name value`, `--name=value` and bare `--flag` (given in `flags`) from positional arguments.
 * Unknown options are errors so that a typo never silently changes behaviour.
 */
export function parseArgs(args: readonly string[], known: { readonly values?: readonly string[]; readonly flags?: readonly string[] }): ParsedArgs {
  const values = new Set(known.values ?? []);
  const flags = new Set(known.flags ?? []);
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith("--") || arg === "--") {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    if (flags.has(name)) {
      if (eq >= 0) throw new UsageError(`option --${name} takes no value`);
      options.set(name, true);
    } else if (values.has(name)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : args[++i];
      if (value === undefined) throw new UsageError(`option --${name} needs a value`);
      options.set(name, value);
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return { positional, options };
}

export function optionString(parsed: ParsedArgs, name: string, fallback: string): string {
  const v = parsed.options.get(name);
  return typeof v === "string" ? v : fallback;
}

export function optionInt(parsed: ParsedArgs, name: string, fallback: number): number {
  const v = parsed.options.get(name);
  if (typeof v !== "string") return fallback;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new UsageError(`option --${name} needs an integer, got '${v}'`);
  return n;
}
