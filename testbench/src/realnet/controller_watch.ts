/**
 * Whether the controller has really programmed the switch: "every server up" in its health view
 * says nothing about the switch, whose writes may have been refused. The watch follows the
 * event log: a "reconciled" event means the switch took the last diff, an "error" event that it
 * refused one (the controller retries). Bring-up waits for both servers up and a clean
 * reconcile, and a refusal that persists fails it with the switch's own message.
 */
import type { Controller } from "../../../runtime/src/controller/controller.ts";
import type { ControllerEvent } from "../../../runtime/src/controller/event_log.ts";

export class ControllerWatch {
  /** The last error since the last good reconcile; undefined when the switch holds what the controller wants. */
  lastError: string | undefined;
  errors = 0;
  private reconciledSinceError = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly controller: Pick<Controller, "events" | "status">,
    log?: (line: string) => void,
  ) {
    this.unsubscribe = controller.events.subscribe((e: ControllerEvent) => {
      if (e.kind === "reconciled") {
        this.reconciledSinceError = true;
        this.lastError = undefined;
      } else if (e.kind === "error") {
        const message = String(e["message"] ?? "unknown error");
        // The controller retries a refused write every few hundred ms: say each new refusal once.
        if (message !== this.lastError) log?.(`controller error: ${message}`);
        this.errors++;
        this.reconciledSinceError = false;
        this.lastError = message;
      }
    });
  }

  get programmed(): boolean {
    return this.reconciledSinceError && this.lastError === undefined;
  }

  async untilProgrammed(serversUp: number, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    const ready = (): boolean => {
      const status = this.controller.status();
      // With several switches a reconcile of one says nothing of the others: each must be primary and synced.
      return this.programmed && status.servers.up >= serversUp && status.switches.every((s) => s.active);
    };
    while (!ready()) {
      if (performance.now() > deadline) {
        const status = this.controller.status();
        const inactive = status.switches.filter((s) => !s.active).map((s) => `${s.name} (${s.role})`);
        const why =
          this.lastError !== undefined
            ? `the switch refused the controller's writes: ${this.lastError}`
            : inactive.length > 0
              ? `switches not programmed: ${inactive.join(", ")}`
              : this.reconciledSinceError
                ? `${status.servers.up}/${serversUp} servers up`
                : "no reconcile finished";
        throw new Error(`the controller did not program the switch within ${timeoutMs} ms: ${why}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.unsubscribe();
  }
}
