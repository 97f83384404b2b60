/**
 * A bound on the requests one client has in flight: past it, new requests wait (first come,
 * first served) for one to finish. An overloaded system then sees a bounded offered load from
 * each client instead of an ever-growing pile of requests, each retransmitting on its own.
 */
export class RequestSlots {
  private inUse = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`the in-flight bound must be a positive integer, got ${limit}`);
  }

  get active(): number {
    return this.inUse;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves once a slot is held; the caller must release it exactly once. */
  acquire(): Promise<void> {
    if (this.inUse < this.limit) {
      this.inUse++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next waiter, so the count stays as it is.
    if (next) next();
    else this.inUse--;
  }

  /** Wakes every waiter (they hold a slot and must release it), for shutdown. */
  releaseAll(): void {
    while (this.waiting.length > 0) {
      this.inUse++;
      this.waiting.shift()!();
    }
  }
}
