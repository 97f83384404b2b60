/**
 * The controller's structured event log: every decision (server up/down, drain, reprogram,
 * membership push, arbitration change, digest) as one JSON object per line, kept in a bounded
 * in-memory ring for GET /events, appended to a file when configured, and fanned out to live
 * subscribers (the admin API's event stream).
 */
import { appendFileSync } from "node:fs";

export type ControllerEventKind =
  | "started"
  | "stopped"
  | "arbitration"
  | "pipeline_loaded"
  | "pipeline_kept"
  | "reconciled"
  | "server_up"
  | "server_down"
  | "server_drained"
  | "server_undrained"
  | "server_added"
  | "server_removed"
  | "membership_pushed"
  | "digest"
  | "switch_disconnected"
  | "error";

export interface ControllerEvent {
  /** ISO-8601 time. */
  readonly time: string;
  /** Monotonic sequence number within this controller process. */
  readonly seq: number;
  readonly kind: ControllerEventKind;
  readonly [detail: string]: unknown;
}

export type EventSubscriber = (event: ControllerEvent) => void;

export class EventLog {
  private readonly ring: ControllerEvent[] = [];
  private readonly subscribers = new Set<EventSubscriber>();
  private seq = 0;

  constructor(
    private readonly file?: string,
    private readonly capacity = 1000,
  ) {}

  record(kind: ControllerEventKind, detail: Readonly<Record<string, unknown>> = {}): ControllerEvent {
    const event: ControllerEvent = { time: new Date().toISOString(), seq: ++this.seq, kind, ...detail };
    this.ring.push(event);
    if (this.ring.length > this.capacity) this.ring.shift();
    if (this.file) appendFileSync(this.file, toJsonLine(event));
    for (const s of this.subscribers) s(event);
    return event;
  }

  recent(limit = this.capacity): readonly ControllerEvent[] {
    return this.ring.slice(-limit);
  }

  subscribe(subscriber: EventSubscriber): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }
}

/** JSON line with bigints as decimal strings. */
export function toJsonLine(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) + "\n";
}
