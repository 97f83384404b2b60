import { type ChildProcess, spawn } from "node:child_process";

/**
 * A session of bmv2's `simple_switch_CLI` (its Thrift command line) kept open for a whole
 * STF run: each command is written to its stdin and its answer is what it prints before
 * the next `RuntimeCmd: ` prompt, so commands run strictly one after the other.
 */
const PROMPT = "RuntimeCmd: ";

export class ThriftCliError extends Error {
  override readonly name = "ThriftCliError";
}

export class ThriftCli {
  private output = "";
  private waiter: (() => void) | undefined;
  private exited = false;

  private constructor(private readonly child: ChildProcess) {
    const take = (d: Buffer): void => {
      this.output += d.toString();
      this.waiter?.();
    };
    child.stdout?.on("data", take);
    child.stderr?.on("data", take);
    child.once("exit", () => {
      this.exited = true;
      this.waiter?.();
    });
    child.once("error", (e) => {
      this.output += `\n${e.message}`;
      this.exited = true;
      this.waiter?.();
    });
  }

  /** Starts the CLI against a running switch and waits for its first prompt. */
  static async start(binary: string, thriftPort: number, timeoutMs: number): Promise<ThriftCli> {
    const cli = new ThriftCli(spawn(binary, ["--thrift-port", String(thriftPort)], { stdio: ["pipe", "pipe", "pipe"] }));
    await cli.untilPrompt(timeoutMs, "start");
    return cli;
  }

  /** Runs one command; returns what it printed. Throws ThriftCliError when the CLI reports an error. */
  async run(command: string, timeoutMs: number): Promise<string> {
    this.child.stdin?.write(`${command}\n`);
    const answer = (await this.untilPrompt(timeoutMs, command)).trim();
    if (/^(Error|Invalid|Traceback)|Exception/m.test(answer)) throw new ThriftCliError(`${command}: ${answer.split("\n").slice(-3).join(" ")}`);
    return answer;
  }

  close(): void {
    if (!this.exited) this.child.kill("SIGTERM");
  }

  private untilPrompt(timeoutMs: number, what: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new ThriftCliError(`simple_switch_CLI did not answer "${what}" within ${timeoutMs} ms: ${this.output.slice(-500)}`)), timeoutMs);
      const finish = (err?: Error): void => {
        clearTimeout(timer);
        this.waiter = undefined;
        if (err) reject(err);
      };
      const check = (): void => {
        const at = this.output.indexOf(PROMPT);
        if (at >= 0) {
          const answer = this.output.slice(0, at);
          this.output = this.output.slice(at + PROMPT.length);
          finish();
          resolve(answer);
        } else if (this.exited) {
          finish(new ThriftCliError(`simple_switch_CLI exited during "${what}": ${this.output.trim().slice(-500)}`));
        }
      };
      this.waiter = check;
      check();
    });
  }
}
