/**
 * Digest delivery (spec "DigestEntry" / "DigestList"): digests of a configured
 * digest are batched into DigestLists of at most max_list_size entries, sent
 * after at most max_timeout_ns, and the same data is not sent again until its
 * list is acked or ack_timeout_ns passes. Timers are unref'd and cleared by
 * stop(), so a server never keeps the process alive.
 */
import * as grpc from "@grpc/grpc-js";
import type { Digest } from "../dataplane/api.ts";
import { canonicalBytes } from "./bytes.ts";
import type { Undo } from "./context.ts";
import type { DigestEntry, P4Data, UpdateType } from "./messages.ts";
import type { P4InfoDigest, P4InfoIndex } from "./p4info_index.ts";
import { invalidArgument, notFound, P4RuntimeError } from "./status.ts";
import { INVALID_ID } from "./action_calls.ts";

export interface DigestListMessage {
  readonly digest_id: number;
  readonly list_id: string;
  readonly data: P4Data[];
  readonly timestamp: string;
}

interface DigestConfig {
  readonly maxTimeoutNs: bigint;
  readonly maxListSize: number;
  readonly ackTimeoutNs: bigint;
}

interface Pending {
  readonly keys: string[];
  readonly data: P4Data[];
  timer: NodeJS.Timeout | undefined;
}

const nsToMs = (ns: bigint): number => Number(ns / 1_000_000n);

export class DigestEngine {
  private readonly configs = new Map<number, DigestConfig>();
  private readonly pending = new Map<number, Pending>();
  /** Data keys sent and not yet acked, per list id. */
  private readonly outstanding = new Map<string, { readonly digestId: number; readonly keys: string[]; timer: NodeJS.Timeout | undefined }>();
  private readonly suppressed = new Set<string>();
  private nextListId = 1n;

  constructor(
    private readonly index: P4InfoIndex,
    private readonly send: (list: DigestListMessage) => void,
  ) {}

  write(type: UpdateType, e: DigestEntry): Undo {
    const digest = e.digest_id ? this.index.digests.get(e.digest_id) : undefined;
    if (!digest) throw invalidArgument(INVALID_ID);
    const id = digest.preamble.id;
    const existing = this.configs.get(id);
    const restore = (): void => {
      if (existing) this.configs.set(id, existing);
      else this.configs.delete(id);
    };
    switch (type) {
      case "INSERT":
      case "MODIFY": {
        if (type === "INSERT" && existing) throw new P4RuntimeError(grpc.status.ALREADY_EXISTS, `Digest ${id} is already configured`);
        if (type === "MODIFY" && !existing) throw notFound(`Digest ${id} is not configured`);
        const c = e.config;
        if (!c) throw invalidArgument("Missing config in DigestEntry");
        const config = { maxTimeoutNs: BigInt(c.max_timeout_ns ?? 0), maxListSize: c.max_list_size ?? 0, ackTimeoutNs: BigInt(c.ack_timeout_ns ?? 0) };
        if (config.maxTimeoutNs < 0n || config.maxListSize < 0 || config.ackTimeoutNs < 0n) throw invalidArgument("Negative digest config value");
        this.configs.set(id, config);
        return restore;
      }
      case "DELETE":
        if (!existing) throw notFound(`Digest ${id} is not configured`);
        this.configs.delete(id);
        this.flush(id);
        return restore;
      default:
        throw invalidArgument("Update type is not set");
    }
  }

  /** As simple_switch_grpc answers: a named digest that is unknown or not configured is NOT_FOUND; the wildcard lists the configured ones. */
  read(e: DigestEntry): DigestEntry[] {
    if (e.digest_id && !this.index.digests.get(e.digest_id)) throw notFound(`${e.digest_id} is not a valid digest id`);
    if (e.digest_id && !this.configs.has(e.digest_id)) throw notFound(`Digest ${e.digest_id} not configured`);
    return [...this.configs]
      .filter(([id]) => !e.digest_id || e.digest_id === id)
      .map(([id, c]) => ({
        digest_id: id,
        config: { max_timeout_ns: c.maxTimeoutNs.toString(), max_list_size: c.maxListSize, ack_timeout_ns: c.ackTimeoutNs.toString() },
      }));
  }

  /** A digest from the data plane. */
  receive(d: Digest): void {
    const digest = this.index.digests.get(d.name);
    if (!digest) return;
    const id = digest.preamble.id;
    const config = this.configs.get(id);
    if (!config) return;
    const key = `${id}:${d.values.join(",")}`;
    const pending = this.pending.get(id) ?? { keys: [], data: [], timer: undefined };
    if (this.suppressed.has(key) || pending.keys.includes(key)) return;
    pending.keys.push(key);
    pending.data.push(this.toP4Data(digest, d.values));
    this.pending.set(id, pending);
    if ((config.maxListSize > 0 && pending.data.length >= config.maxListSize) || config.maxTimeoutNs === 0n) {
      this.flush(id);
    } else if (!pending.timer) {
      pending.timer = setTimeout(() => this.flush(id), Math.max(1, nsToMs(config.maxTimeoutNs)));
      pending.timer.unref();
    }
  }

  ack(digestId: number, listId: string): void {
    const key = `${digestId}/${listId}`;
    const out = this.outstanding.get(key);
    if (!out) return;
    if (out.timer) clearTimeout(out.timer);
    this.release(key);
  }

  stop(): void {
    for (const p of this.pending.values()) if (p.timer) clearTimeout(p.timer);
    for (const o of this.outstanding.values()) if (o.timer) clearTimeout(o.timer);
    this.pending.clear();
    this.outstanding.clear();
    this.suppressed.clear();
  }

  private release(outstandingKey: string): void {
    const out = this.outstanding.get(outstandingKey);
    if (!out) return;
    for (const k of out.keys) this.suppressed.delete(k);
    this.outstanding.delete(outstandingKey);
  }

  private flush(id: number): void {
    const pending = this.pending.get(id);
    this.pending.delete(id);
    if (!pending || pending.data.length === 0) return;
    if (pending.timer) clearTimeout(pending.timer);
    const listId = (this.nextListId++).toString();
    const config = this.configs.get(id);
    if (config && config.ackTimeoutNs > 0n) {
      const key = `${id}/${listId}`;
      for (const k of pending.keys) this.suppressed.add(k);
      const timer = setTimeout(() => this.release(key), Math.max(1, nsToMs(config.ackTimeoutNs)));
      timer.unref();
      this.outstanding.set(key, { digestId: id, keys: pending.keys, timer });
    }
    this.send({ digest_id: id, list_id: listId, data: pending.data, timestamp: (BigInt(Date.now()) * 1_000_000n).toString() });
  }

  /** Digest values as P4Data: a struct of bitstrings for struct digests, a bare bitstring otherwise. */
  private toP4Data(digest: P4InfoDigest, values: readonly bigint[]): P4Data {
    const spec = digest.type_spec;
    if (spec?.struct || spec?.tuple || values.length !== 1) {
      const members = values.map((v) => ({ bitstring: canonicalBytes(v) }));
      return spec?.tuple ? { tuple: { members } } : { struct: { members } };
    }
    return { bitstring: canonicalBytes(values[0]!) };
  }
}
