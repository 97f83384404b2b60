/**
 * The committed forwarding pipeline of one device as P4Runtime sees it: its
 * config (P4Info, BMv2 JSON, cookie), the P4Info index and the shadow state,
 * and the dispatch of Write updates and Read entities to their handlers.
 */
import * as grpc from "@grpc/grpc-js";
import type { ControlPlane, Digest } from "../dataplane/api.ts";
import { readGroups, readMembers, writeGroup, writeMember } from "./action_profiles.ts";
import { emptyShadowState, type PipelineContext, type Undo } from "./context.ts";
import { DigestEngine, type DigestListMessage } from "./digests.ts";
import { entityKind, type Entity, type Update, type UpdateType } from "./messages.ts";
import type { P4InfoIndex, P4InfoMessage } from "./p4info_index.ts";
import {
  readCounters,
  readDirectCounters,
  readDirectMeters,
  readMeters,
  readPreEntries,
  readRegisters,
  readValueSets,
  writeCounter,
  writeDirectCounter,
  writeDirectMeter,
  writeMeter,
  writePreEntry,
  writeRegister,
  writeValueSet,
} from "./resources.ts";
import { invalidArgument, P4RuntimeError, type UpdateOutcome } from "./status.ts";
import { toP4RuntimeError } from "./switch_calls.ts";
import { readTableEntries, writeTableEntry } from "./table_entries.ts";

export interface StoredConfig {
  readonly p4info: P4InfoMessage;
  readonly deviceConfig: Buffer;
  /** undefined: no cookie was set (distinct from cookie 0). */
  readonly cookie: string | undefined;
}

export type Atomicity = "CONTINUE_ON_ERROR" | "ROLLBACK_ON_ERROR" | "DATAPLANE_ATOMIC";

const UPDATE_TYPES: readonly UpdateType[] = ["UNSPECIFIED", "INSERT", "MODIFY", "DELETE"];

function updateType(t: Update["type"]): UpdateType {
  if (typeof t === "number") return UPDATE_TYPES[t] ?? "UNSPECIFIED";
  return t ?? "UNSPECIFIED";
}

export class PipelineState {
  readonly ctx: PipelineContext;
  readonly digests: DigestEngine;

  constructor(
    /** Replaced by RECONCILE_AND_COMMIT with the same program (new cookie, same state). */
    public config: StoredConfig,
    readonly index: P4InfoIndex,
    control: ControlPlane,
    sendDigestList: (list: DigestListMessage) => void,
  ) {
    this.ctx = { index, control, shadow: emptyShadowState(), tableInfos: new Map() };
    this.digests = new DigestEngine(index, sendDigestList);
  }

  private applyOne(update: Update): Undo {
    const type = updateType(update.type);
    if (type === "UNSPECIFIED") throw invalidArgument("Update type is not set");
    const entity = update.entity ?? {};
    const ctx = this.ctx;
    switch (entityKind(entity)) {
      case "table_entry":
        return writeTableEntry(ctx, type, entity.table_entry!);
      case "action_profile_member":
        return writeMember(ctx, type, entity.action_profile_member!);
      case "action_profile_group":
        return writeGroup(ctx, type, entity.action_profile_group!);
      case "counter_entry":
        return writeCounter(ctx, type, entity.counter_entry!);
      case "direct_counter_entry":
        return writeDirectCounter(ctx, type, entity.direct_counter_entry!);
      case "meter_entry":
        return writeMeter(ctx, type, entity.meter_entry!);
      case "direct_meter_entry":
        return writeDirectMeter(ctx, type, entity.direct_meter_entry!);
      case "register_entry":
        return writeRegister(ctx, type, entity.register_entry!);
      case "packet_replication_engine_entry":
        return writePreEntry(ctx, type, entity.packet_replication_engine_entry!);
      case "value_set_entry":
        return writeValueSet(ctx, type, entity.value_set_entry!);
      case "digest_entry":
        return this.digests.write(type, entity.digest_entry!);
      case "extern_entry":
        throw new P4RuntimeError(grpc.status.UNIMPLEMENTED, "Extern entries are not supported");
      default:
        throw invalidArgument("Entity not set");
    }
  }

  /**
   * Applies a batch. CONTINUE_ON_ERROR tries every update; the atomic modes
   * undo what was applied as soon as one fails. Both are exact for the data
   * plane too: the batch runs synchronously, so no packet sees a partial batch.
   */
  write(updates: readonly Update[], atomicity: Atomicity): UpdateOutcome[] {
    if (atomicity === "CONTINUE_ON_ERROR") {
      return updates.map((u) => {
        try {
          this.applyOne(u);
          return { ok: true };
        } catch (err) {
          const e = toP4RuntimeError(err);
          return { ok: false, code: e.code, message: e.message };
        }
      });
    }
    const undos: Undo[] = [];
    for (let i = 0; i < updates.length; i++) {
      try {
        undos.push(this.applyOne(updates[i]!));
      } catch (err) {
        const e = toP4RuntimeError(err);
        for (const undo of undos.reverse()) {
          try {
            undo();
          } catch {
            // One undo failing must not leave the earlier updates applied: keep unwinding.
          }
        }
        return updates.map((_, k) =>
          k === i
            ? { ok: false, code: e.code, message: e.message }
            : { ok: false, code: grpc.status.ABORTED, message: k < i ? "Rolled back because another update of the batch failed" : "Not attempted because another update of the batch failed" },
        );
      }
    }
    return updates.map(() => ({ ok: true }));
  }

  read(entity: Entity): Entity[] {
    const ctx = this.ctx;
    switch (entityKind(entity)) {
      case "table_entry":
        return readTableEntries(ctx, entity.table_entry!).map((table_entry) => ({ table_entry }));
      case "action_profile_member":
        return readMembers(ctx, entity.action_profile_member!).map((action_profile_member) => ({ action_profile_member }));
      case "action_profile_group":
        return readGroups(ctx, entity.action_profile_group!).map((action_profile_group) => ({ action_profile_group }));
      case "counter_entry":
        return readCounters(ctx, entity.counter_entry!).map((counter_entry) => ({ counter_entry }));
      case "direct_counter_entry":
        return readDirectCounters(ctx, entity.direct_counter_entry!).map((direct_counter_entry) => ({ direct_counter_entry }));
      case "meter_entry":
        return readMeters(ctx, entity.meter_entry!).map((meter_entry) => ({ meter_entry }));
      case "direct_meter_entry":
        return readDirectMeters(ctx, entity.direct_meter_entry!).map((direct_meter_entry) => ({ direct_meter_entry }));
      case "register_entry":
        return readRegisters(ctx, entity.register_entry!).map((register_entry) => ({ register_entry }));
      case "packet_replication_engine_entry":
        return readPreEntries(ctx, entity.packet_replication_engine_entry!).map((packet_replication_engine_entry) => ({ packet_replication_engine_entry }));
      case "value_set_entry":
        return readValueSets(ctx, entity.value_set_entry!).map((value_set_entry) => ({ value_set_entry }));
      case "digest_entry":
        return this.digests.read(entity.digest_entry!).map((digest_entry) => ({ digest_entry }));
      case "extern_entry":
        throw new P4RuntimeError(grpc.status.UNIMPLEMENTED, "Extern entries are not supported");
      default:
        throw invalidArgument("Entity not set");
    }
  }

  receiveDigest(digest: Digest): void {
    this.digests.receive(digest);
  }

  stop(): void {
    this.digests.stop();
  }
}
