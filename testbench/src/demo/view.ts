/**
 * The demo's live view: one frame of text per tick, redrawn in place on a terminal, or a single
 * progress line per tick when stdout is not a terminal (CI logs, pipes).
 */
import type { ServerRunState } from "../system/handle.ts";

export interface ServerRow {
  readonly id: number;
  readonly state: ServerRunState;
  /** Sessions the server stores; undefined when it is down. */
  readonly stored: number | undefined;
  /** Sessions whose client cookie names this server as primary. */
  readonly primaryFor: number;
}

export interface DemoSnapshot {
  readonly elapsedS: number;
  readonly durationS: number;
  readonly servers: readonly ServerRow[];
  readonly requestsPerSec: number;
  readonly answered: number;
  readonly failovers: number;
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
  readonly controller: "running" | "down";
  /** Most recent events, newest last. */
  readonly events: readonly string[];
}

const STATE_MARK: Record<ServerRunState, string> = { running: "UP     ", killed: "DOWN   ", paused: "PAUSED ", draining: "DRAIN  " };

function ms(v: number | undefined): string {
  return v === undefined ? "  -  " : `${v.toFixed(1)} ms`;
}

function bar(value: number, max: number, width: number): string {
  const n = max <= 0 ? 0 : Math.round((value / max) * width);
  return "#".repeat(n).padEnd(width, ".");
}

export function renderFrame(s: DemoSnapshot): string[] {
  const maxPrimary = Math.max(1, ...s.servers.map((r) => r.primaryFor));
  const lines = [
    `slb demo  ${s.elapsedS.toFixed(1)}s / ${s.durationS}s   controller ${s.controller}`,
    ``,
    `  requests/s ${String(s.requestsPerSec).padStart(6)}   answered ${String(s.answered).padStart(8)}   failovers ${String(s.failovers).padStart(5)}   p50 ${ms(s.p50Ms)}   p99 ${ms(s.p99Ms)}`,
    ``,
    `  server  state    stored  primary for`,
    ...s.servers.map(
      (r) => `  ${String(r.id).padStart(6)}  ${STATE_MARK[r.state]}  ${(r.stored === undefined ? "-" : String(r.stored)).padStart(6)}  ${String(r.primaryFor).padStart(5)} ${bar(r.primaryFor, maxPrimary, 30)}`,
    ),
    ``,
    `  events:`,
    ...(s.events.length === 0 ? ["    (none yet)"] : s.events.slice(-5).map((e) => `    ${e}`)),
  ];
  return lines;
}

export function renderProgressLine(s: DemoSnapshot): string {
  const up = s.servers.filter((r) => r.state === "running" || r.state === "draining").length;
  return `[${s.elapsedS.toFixed(1)}s] up ${up}/${s.servers.length}  req/s ${s.requestsPerSec}  answered ${s.answered}  failovers ${s.failovers}  p50 ${ms(s.p50Ms)}  p99 ${ms(s.p99Ms)}`;
}

/** Draws frames over the previous one on a TTY; prints progress lines otherwise. */
export class LiveView {
  private drawnLines = 0;

  constructor(
    private readonly out: NodeJS.WriteStream | { write(text: string): unknown; readonly isTTY?: boolean },
  ) {}

  get interactive(): boolean {
    return this.out.isTTY === true;
  }

  draw(s: DemoSnapshot): void {
    if (!this.interactive) {
      this.out.write(renderProgressLine(s) + "\n");
      return;
    }
    const lines = renderFrame(s);
    // Move up over the last frame and clear each line before rewriting it.
    const up = this.drawnLines > 0 ? `\x1b[${this.drawnLines}A` : "";
    this.out.write(up + lines.map((l) => `\x1b[2K${l}`).join("\n") + "\n");
    this.drawnLines = lines.length;
  }

  /** Prints a line that stays (above the live frame on a TTY). */
  note(line: string): void {
    if (this.interactive && this.drawnLines > 0) {
      this.out.write(`\x1b[${this.drawnLines}A\x1b[0J`);
      this.drawnLines = 0;
    }
    this.out.write(line + "\n");
  }
}
