/**
 * What a Switch reports from its stream: arbitration outcomes, digests, packet-ins, stream
 * errors, and connection changes. Consumers take them as an async iterator (each iterator sees
 * every event from its creation on) or through the Switch's EventEmitter ("event").
 */
import type { StatusName } from "./errors.ts";

export type Role = "primary" | "backup";

export type SwitchEvent =
  | { readonly kind: "connected" }
  | {
      readonly kind: "arbitration";
      readonly role: Role;
      /** Election id of the current primary, as the switch reported it. */
      readonly primaryElectionId: bigint;
    }
  | {
      readonly kind: "digest";
      readonly digest: string;
      readonly listId: bigint;
      /** One record per digest message, field name -> value. */
      readonly data: readonly Readonly<Record<string, bigint>>[];
      readonly timestampNs: bigint;
    }
  | { readonly kind: "packet_in"; readonly payload: Uint8Array; readonly metadata: Readonly<Record<string, bigint>> }
  | { readonly kind: "stream_error"; readonly code: StatusName; readonly message: string }
  | { readonly kind: "disconnected"; readonly reason: string; readonly retryInMs: number }
  | { readonly kind: "closed" };

/** An unbounded FIFO that one async iterator drains; ends when closed. */
export class EventQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private readonly waiting: ((r: IteratorResult<T>) => void)[] = [];
  private ended = false;

  constructor(private readonly onReturn: () => void = () => {}) {}

  push(item: T): void {
    if (this.ended) return;
    const waiter = this.waiting.shift();
    if (waiter) waiter({ value: item, done: false });
    else this.items.push(item);
  }

  end(): void {
    this.ended = true;
    for (const w of this.waiting.splice(0)) w({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.end();
    this.onReturn();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/** Exponential back-off with a cap; `reset` after a success. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
  ) {}

  next(): number {
    const delay = Math.min(this.maxMs, this.initialMs * 2 ** this.attempt);
    this.attempt++;
    return delay;
  }

  reset(): void {
    this.attempt = 0;
  }
}
