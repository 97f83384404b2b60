/**
 * Real processes inside namespaces, as the runner sees them: line-buffered output, a wait for a
 * line that says "ready", a kill by pid. `ip netns exec` execs the command, so the pid we hold is
 * the program's own and a SIGKILL reaches it directly.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../../bmv2/src/package_root.ts";

export const REPO_ROOT = packageRoot(import.meta.url);
export const SLB_BIN = join(REPO_ROOT, "bin/slb.js");

export class HostProcess {
  readonly pid: number;
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
  /** The last lines of stderr, for error messages. */
  private stderrTail = "";
  private readonly lineListeners: ((line: string) => void)[] = [];
  private exitStatus: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  private constructor(
    readonly label: string,
    private readonly child: ChildProcess,
  ) {
    if (child.pid === undefined) throw new Error(`${label}: could not start`);
    this.pid = child.pid;
    let pending = "";
    child.stdout?.on("data", (d: Buffer) => {
      pending += d.toString();
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const line of lines) for (const listener of this.lineListeners) listener(line);
    });
    // A write racing the process's death is answered by its exit, not by an EPIPE crash here.
    child.stdin?.on("error", () => undefined);
    child.stderr?.on("data", (d: Buffer) => (this.stderrTail = (this.stderrTail + d.toString()).slice(-4000)));
    this.exited = new Promise((resolve) =>
      child.once("exit", (code, signal) => {
        this.exitStatus = { code, signal };
        resolve(this.exitStatus);
      }),
    );
  }

  /** `withInput` opens the process's stdin for `send`. */
  static start(label: string, argv: readonly string[], withInput = false): HostProcess {
    const [file, ...args] = argv as [string, ...string[]];
    return new HostProcess(label, spawn(file, args, { cwd: REPO_ROOT, stdio: [withInput ? "pipe" : "ignore", "pipe", "pipe"] }));
  }

  /** Writes one line to the process's stdin (started with `withInput`); false once it has exited. */
  send(line: string): boolean {
    if (!this.running || !this.child.stdin || this.child.stdin.destroyed) return false;
    this.child.stdin.write(`${line}\n`);
    return true;
  }

  /** Sends a signal without waiting (SIGSTOP / SIGCONT pause and resume it). */
  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  get running(): boolean {
    return this.exitStatus === undefined;
  }

  get stderr(): string {
    return this.stderrTail.trim();
  }

  onLine(listener: (line: string) => void): void {
    this.lineListeners.push(listener);
  }

  /** Resolves with the first stdout line matching; rejects if the process exits or time runs out first. */
  waitForLine(matches: (line: string) => boolean, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.label}: no ready line after ${timeoutMs} ms; stderr: ${this.stderr || "(empty)"}`)), timeoutMs);
      this.onLine((line) => {
        if (!matches(line)) return;
        clearTimeout(timer);
        resolve(line);
      });
      void this.exited.then((s) => {
        clearTimeout(timer);
        reject(new Error(`${this.label} exited (code ${s.code}, signal ${s.signal}) before it was ready; stderr: ${this.stderr || "(empty)"}`));
      });
    });
  }

  /** Sends the signal (if still running) and waits for the exit. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    if (this.running) this.child.kill(signal);
    await this.exited;
  }
}

/** A pid that exists and is not a zombie. */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** The argv that runs one of our TypeScript entry points under node with tsx. */
export function nodeScriptArgv(script: string, args: readonly string[]): string[] {
  return [process.execPath, "--import", "tsx", script, ...args];
}
