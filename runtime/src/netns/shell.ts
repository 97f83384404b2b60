import { execFile, execFileSync, spawn } from "node:child_process";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export class CommandError extends Error {
  override readonly name = "CommandError";
  constructor(
    readonly argv: readonly string[],
    readonly stderr: string,
  ) {
    super(`${argv.join(" ")}: ${stderr.trim() || "failed"}`);
  }
}

/** Runs a command to completion; a non-zero exit becomes a CommandError carrying its stderr. */
export async function sh(argv: readonly string[]): Promise<string> {
  const [file, ...args] = argv as [string, ...string[]];
  try {
    const { stdout } = await execFileAsync(file, args);
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new CommandError(argv, e.stderr ?? e.message);
  }
}

/** Like sh, but a failure is an expected outcome (deleting what may already be gone). */
export async function shQuiet(argv: readonly string[]): Promise<boolean> {
  try {
    await sh(argv);
    return true;
  } catch {
    return false;
  }
}

/** Starts a long-running process detached from ours, so that it outlives a crash of the caller and `down` can find it by pid. */
export function spawnDetached(argv: readonly string[]): number {
  const [file, ...args] = argv as [string, ...string[]];
  const child = spawn(file, args, { detached: true, stdio: "ignore" });
  child.unref();
  if (child.pid === undefined) throw new CommandError(argv, "could not start");
  return child.pid;
}

/** Synchronous so that test files can decide at declaration time whether a test can run. */
export function which(program: string): string | undefined {
  try {
    return execFileSync("sh", ["-c", `command -v ${program}`], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}
