/**
 * Backup-controller takeover, measured: kill the primary controller of a system whose backup
 * is running and time the kill to the backup's start-up reconcile (it has read the switch,
 * adopted what it holds and written the difference: from then on it acts on failures).
 */
import type { ControllerEvent } from "../../../runtime/src/controller/event_log.ts";
import type { EmbeddedSystem } from "./orchestrator.ts";

export interface Takeover {
  /** Primary killed -> backup promoted and reconciled. */
  readonly takeoverMs: number;
  /** Primary killed -> the switch told the backup it is primary. */
  readonly promotedMs: number;
  /** Table, group and member writes of the backup's start-up reconcile (0: it found the switch as it wants it). */
  readonly writes: number;
}

export async function measureTakeover(system: EmbeddedSystem, timeoutMs = 10_000): Promise<Takeover> {
  const backup = await system.startBackupController();
  if (backup.isActive) throw new Error("the backup controller is already primary");
  let promotedAt: number | undefined;
  let unsubscribe: () => void = () => undefined;
  const reconciled = new Promise<ControllerEvent>((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`the backup controller did not take over within ${timeoutMs} ms`));
    }, timeoutMs);
    unsubscribe = backup.events.subscribe((e) => {
      if (e.kind === "arbitration" && e.role === "primary") promotedAt ??= performance.now();
      if (e.kind !== "reconciled" || e.reason !== "start-up") return;
      clearTimeout(timer);
      unsubscribe();
      resolve(e);
    });
  });
  const killedAt = performance.now();
  await system.killController();
  const event = await reconciled;
  const reconciledAt = performance.now();
  return {
    takeoverMs: reconciledAt - killedAt,
    promotedMs: (promotedAt ?? reconciledAt) - killedAt,
    writes: Number(event.inserts) + Number(event.modifies) + Number(event.deletes),
  };
}
