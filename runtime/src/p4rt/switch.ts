/**
 * A P4Runtime client for one device: one gRPC channel, one StreamChannel held open for
 * arbitration, digests and packet I/O (re-opened with exponential back-off when it breaks), and
 * name-based Write/Read/pipeline calls on top of P4Info.
 *
 * It speaks plain P4Runtime 1.3 from our protos, so it drives our switch model and the real
 * simple_switch_grpc alike.
 */
import { EventEmitter } from "node:events";
import * as grpc from "@grpc/grpc-js";
import { p4runtimeClientConstructor } from "../../../bmv2/src/p4runtime/proto.ts";
import { decodeDigestData, decodeEntity, encodeEntity, type ProtoObject } from "./codec.ts";
import type { Entity, Update } from "./entities.ts";
import { isServiceError, P4RuntimeError, statusName } from "./errors.ts";
import { Backoff, EventQueue, type Role, type SwitchEvent } from "./events.ts";
import { P4Schema, type P4Info } from "./p4info.ts";
import { decodeValue, encodeValue, joinUint128, splitUint128, type P4Value } from "./values.ts";

export interface SwitchOptions {
  /** gRPC address, "host:port" (simple_switch_grpc listens on 9559 by default). */
  readonly address: string;
  readonly deviceId?: bigint | number;
  /** Higher wins the primary role. Must differ between controllers of the same role. */
  readonly electionId?: bigint | number;
  /** P4Runtime role name; "" (the default) is the full-access default role. */
  readonly role?: string;
  /** The P4Info to name things with; otherwise fetched from the switch on connect or set by setPipeline. */
  readonly p4info?: P4Info;
  /** Back-off for re-opening a broken stream; `false` leaves it closed. */
  readonly reconnect?: { readonly initialMs: number; readonly maxMs: number } | false;
  /** Deadline of each unary call. */
  readonly callTimeoutMs?: number;
}

export type PipelineAction = "VERIFY" | "VERIFY_AND_SAVE" | "VERIFY_AND_COMMIT" | "COMMIT" | "RECONCILE_AND_COMMIT";
export type PipelineResponseType = "ALL" | "COOKIE_ONLY" | "P4INFO_AND_COOKIE" | "DEVICE_CONFIG_AND_COOKIE";

export interface PipelineConfig {
  readonly p4info?: P4Info;
  /** The target's config blob (bmv2: the JSON text's bytes). */
  readonly deviceConfig?: Uint8Array;
  readonly cookie?: bigint;
}

export type Atomicity = "CONTINUE_ON_ERROR" | "ROLLBACK_ON_ERROR" | "DATAPLANE_ATOMIC";

type GrpcP4RuntimeClient = grpc.Client & {
  [method: string]: (...args: unknown[]) => unknown;
};

interface Call {
  write(message: ProtoObject): boolean;
  end(): void;
  cancel(): void;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** Whether the switch reported the arbitration status as "you are primary". */
function isPrimaryStatus(status: ProtoObject | undefined): boolean {
  return !status || Number(status.code ?? 0) === 0;
}

export class Switch extends EventEmitter {
  readonly address: string;
  readonly deviceId: bigint;
  readonly electionId: bigint;
  readonly roleName: string;
  private readonly client: GrpcP4RuntimeClient;
  private readonly reconnect: { readonly initialMs: number; readonly maxMs: number } | false;
  private readonly backoff: Backoff;
  private readonly callTimeoutMs: number;
  private readonly queues = new Set<EventQueue<SwitchEvent>>();
  private stream: Call | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private currentSchema: P4Schema | undefined;
  private currentRole: Role | undefined;
  private primaryElectionId = 0n;

  constructor(options: SwitchOptions) {
    super();
    this.address = options.address;
    this.deviceId = BigInt(options.deviceId ?? 0);
    this.electionId = BigInt(options.electionId ?? 1);
    this.roleName = options.role ?? "";
    this.reconnect = options.reconnect ?? { initialMs: 100, maxMs: 5_000 };
    this.backoff = this.reconnect ? new Backoff(this.reconnect.initialMs, this.reconnect.maxMs) : new Backoff(0, 0);
    this.callTimeoutMs = options.callTimeoutMs ?? 10_000;
    if (options.p4info) this.currentSchema = new P4Schema(options.p4info);
    const Client = p4runtimeClientConstructor();
    // gRPC's own reconnect back-off grows to minutes; a switch that comes back must be found as
    // soon as our stream back-off tries again, so the channel retries on the same schedule.
    // Nothing reads channelz in this process, and its per-call bookkeeping is a measurable part of a small Write.
    const channelOptions = {
      "grpc.enable_channelz": 0,
      ...(this.reconnect ? { "grpc.initial_reconnect_backoff_ms": this.reconnect.initialMs, "grpc.max_reconnect_backoff_ms": this.reconnect.maxMs } : {}),
    };
    this.client = new Client(this.address, grpc.credentials.createInsecure(), channelOptions) as unknown as GrpcP4RuntimeClient;
  }

  /* ---------- connection and arbitration ---------- */

  /**
   * Opens the stream and sends our arbitration; resolves with our role once the switch answers.
   * Afterwards the stream is kept open (re-opened after failures) until close().
   * Fetches the P4Info from the switch when none was given and a pipeline is loaded.
   * Rejects after `timeoutMs` (or at the first failure when reconnecting is off); the Switch
   * keeps retrying in the background until close().
   */
  async connect(timeoutMs = 10_000): Promise<Role> {
    const role = await new Promise<Role>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.off("event", onEvent);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no arbitration answer from ${this.address} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onEvent = (e: SwitchEvent): void => {
        if (e.kind === "disconnected" && e.retryInMs < 0) {
          done();
          reject(new Error(`cannot connect to ${this.address}: ${e.reason}`));
        }
        if (e.kind !== "arbitration") return;
        done();
        resolve(e.role);
      };
      this.on("event", onEvent);
      this.openStream();
    });
    if (!this.currentSchema) await this.loadSchemaFromSwitch();
    return role;
  }

  get role(): Role | undefined {
    return this.currentRole;
  }

  get isPrimary(): boolean {
    return this.currentRole === "primary";
  }

  get connected(): boolean {
    return this.stream !== undefined && this.currentRole !== undefined;
  }

  /** The name index of the loaded pipeline; throws when none is known yet. */
  get schema(): P4Schema {
    if (!this.currentSchema) throw new Error(`no P4Info known for ${this.address}: load a pipeline or pass p4info`);
    return this.currentSchema;
  }

  /** Names things by this P4Info from now on (e.g. the switch already runs the program, loaded by another controller). */
  adoptP4Info(p4info: P4Info): void {
    this.currentSchema = new P4Schema(p4info);
  }

  get hasSchema(): boolean {
    return this.currentSchema !== undefined;
  }

  private async loadSchemaFromSwitch(): Promise<void> {
    try {
      const config = await this.getPipeline("P4INFO_AND_COOKIE");
      if (config.p4info && (config.p4info.tables?.length ?? 0) + (config.p4info.actions?.length ?? 0) > 0) this.currentSchema = new P4Schema(config.p4info);
    } catch (err) {
      // No pipeline on the switch yet: the schema comes with setPipeline.
      if (!(err instanceof P4RuntimeError && err.code === "FAILED_PRECONDITION")) throw err;
    }
  }

  private openStream(): void {
    if (this.closed) return;
    const call = (this.client.StreamChannel as () => Call)();
    this.stream = call;
    call.on("data", (msg) => this.onStreamMessage(msg as ProtoObject));
    call.on("error", (err) => this.onStreamBroken(call, isServiceError(err) ? `${statusName(err.code)} ${err.details}` : String(err)));
    call.on("end", () => this.onStreamBroken(call, "stream ended by the switch"));
    call.write({ arbitration: this.arbitrationMessage() });
    this.emitEvent({ kind: "connected" });
  }

  private arbitrationMessage(): ProtoObject {
    return {
      device_id: this.deviceId.toString(),
      election_id: splitUint128(this.electionId),
      ...(this.roleName ? { role: { name: this.roleName } } : {}),
    };
  }

  private onStreamBroken(call: Call, reason: string): void {
    if (call !== this.stream) return;
    this.stream = undefined;
    this.currentRole = undefined;
    if (this.closed) return;
    if (!this.reconnect) {
      this.emitEvent({ kind: "disconnected", reason, retryInMs: -1 });
      return;
    }
    const delay = this.backoff.next();
    this.emitEvent({ kind: "disconnected", reason, retryInMs: delay });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.openStream();
    }, delay);
  }

  private onStreamMessage(msg: ProtoObject): void {
    const arbitration = msg.arbitration as ProtoObject | null | undefined;
    if (arbitration) {
      this.backoff.reset();
      const role: Role = isPrimaryStatus(arbitration.status as ProtoObject | undefined) ? "primary" : "backup";
      this.currentRole = role;
      this.primaryElectionId = joinUint128(arbitration.election_id as { high: string; low: string } | null);
      this.emitEvent({ kind: "arbitration", role, primaryElectionId: this.primaryElectionId });
      return;
    }
    const digest = msg.digest as ProtoObject | null | undefined;
    if (digest) {
      this.onDigest(digest);
      return;
    }
    const packet = msg.packet as ProtoObject | null | undefined;
    if (packet) {
      this.emitEvent({ kind: "packet_in", payload: packet.payload as Uint8Array, metadata: this.decodePacketMetadata(packet.metadata as ProtoObject[]) });
      return;
    }
    const error = msg.error as ProtoObject | null | undefined;
    if (error) this.emitEvent({ kind: "stream_error", code: statusName(Number(error.canonical_code ?? 2)), message: String(error.message ?? "") });
  }

  /** Acks every digest list at once (the switch holds further lists of that digest until then), then reports it. */
  private onDigest(digest: ProtoObject): void {
    const digestId = Number(digest.digest_id);
    const listId = BigInt((digest.list_id as string | undefined) ?? 0);
    this.stream?.write({ digest_ack: { digest_id: digestId, list_id: listId.toString() } });
    if (!this.currentSchema) return;
    const name = this.currentSchema.digests.has(digestId) ? this.currentSchema.digests.get(digestId).preamble.name : String(digestId);
    const data = ((digest.data as ProtoObject[]) ?? []).map((d) => (this.currentSchema!.digests.has(digestId) ? decodeDigestData(this.currentSchema!, digestId, d) : {}));
    this.emitEvent({ kind: "digest", digest: name, listId, data, timestampNs: BigInt((digest.timestamp as string | undefined) ?? 0) });
  }

  private decodePacketMetadata(metadata: readonly ProtoObject[] | undefined): Record<string, bigint> {
    const fields = this.currentSchema?.packetMetadata.has("packet_in") ? (this.currentSchema.packetMetadata.get("packet_in").metadata ?? []) : [];
    const out: Record<string, bigint> = {};
    for (const m of metadata ?? []) {
      const id = Number(m.metadata_id);
      out[fields.find((f) => f.id === id)?.name ?? String(id)] = decodeValue(m.value as Uint8Array);
    }
    return out;
  }

  /* ---------- events ---------- */

  private emitEvent(event: SwitchEvent): void {
    for (const q of this.queues) q.push(event);
    this.emit("event", event);
  }

  /** An async iterator of every event from now on; ends when the switch is closed or the loop breaks. */
  events(): EventQueue<SwitchEvent> {
    const queue: EventQueue<SwitchEvent> = new EventQueue(() => this.queues.delete(queue));
    this.queues.add(queue);
    return queue;
  }

  /** Resolves with the first event (from now on) that satisfies `match`; rejects after `timeoutMs`. */
  waitForEvent<K extends SwitchEvent["kind"]>(
    kind: K,
    match: (e: Extract<SwitchEvent, { kind: K }>) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<Extract<SwitchEvent, { kind: K }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off("event", listener);
        reject(new Error(`no ${kind} event within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (e: SwitchEvent): void => {
        if (e.kind !== kind || !match(e as Extract<SwitchEvent, { kind: K }>)) return;
        clearTimeout(timer);
        this.off("event", listener);
        resolve(e as Extract<SwitchEvent, { kind: K }>);
      };
      this.on("event", listener);
    });
  }

  /* ---------- RPCs ---------- */

  private unary<T>(method: string, request: ProtoObject): Promise<T> {
    return new Promise((resolve, reject) => {
      const deadline = new Date(Date.now() + this.callTimeoutMs);
      this.client[method]!(request, new grpc.Metadata(), { deadline }, (err: grpc.ServiceError | null, response: T) => {
        if (err) reject(P4RuntimeError.fromGrpc(method, err));
        else resolve(response);
      });
    });
  }

  private withElection(request: ProtoObject): ProtoObject {
    return {
      device_id: this.deviceId.toString(),
      election_id: splitUint128(this.electionId),
      ...(this.roleName ? { role: this.roleName } : {}),
      ...request,
    };
  }

  async capabilities(): Promise<string> {
    const response = await this.unary<ProtoObject>("Capabilities", {});
    return String(response.p4runtime_api_version ?? "");
  }

  /** Loads a pipeline; on success the given P4Info becomes the schema for names. */
  async setPipeline(config: PipelineConfig, action: PipelineAction = "VERIFY_AND_COMMIT"): Promise<void> {
    await this.unary(
      "SetForwardingPipelineConfig",
      this.withElection({
        action,
        config: {
          ...(config.p4info ? { p4info: config.p4info } : {}),
          ...(config.deviceConfig ? { p4_device_config: config.deviceConfig } : {}),
          ...(config.cookie !== undefined ? { cookie: { cookie: config.cookie.toString() } } : {}),
        },
      }),
    );
    if (config.p4info && (action === "VERIFY_AND_COMMIT" || action === "COMMIT" || action === "RECONCILE_AND_COMMIT")) {
      this.currentSchema = new P4Schema(config.p4info);
    }
  }

  async getPipeline(responseType: PipelineResponseType = "ALL"): Promise<PipelineConfig> {
    const response = await this.unary<ProtoObject>("GetForwardingPipelineConfig", { device_id: this.deviceId.toString(), response_type: responseType });
    const config = (response.config as ProtoObject | null) ?? {};
    const cookie = config.cookie as { cookie?: string } | null | undefined;
    const p4info = config.p4info as P4Info | null | undefined;
    const deviceConfig = config.p4_device_config as Uint8Array | undefined;
    return {
      ...(p4info ? { p4info } : {}),
      ...(deviceConfig && deviceConfig.length > 0 ? { deviceConfig } : {}),
      ...(cookie ? { cookie: BigInt(cookie.cookie ?? 0) } : {}),
    };
  }

  /** Sends one batch; throws P4RuntimeError (with per-update details) when any update fails. */
  async write(updates: readonly Update[], atomicity: Atomicity = "CONTINUE_ON_ERROR"): Promise<void> {
    if (updates.length === 0) return;
    const schema = this.schema;
    await this.unary(
      "Write",
      this.withElection({ atomicity, updates: updates.map((u) => ({ type: u.type, entity: encodeEntity(schema, u.entity) })) }),
    );
  }

  /**
   * Reads entities matching the given (partially filled) entities: a table entry with table ""
   * reads every table, with no match every entry of the table; a counter entry without an index
   * every cell.
   */
  async *read(entities: Entity | readonly Entity[]): AsyncGenerator<Entity> {
    const schema = this.schema;
    const list = Array.isArray(entities) ? (entities as readonly Entity[]) : [entities as Entity];
    const request = {
      device_id: this.deviceId.toString(),
      entities: list.map((e) => encodeEntity(schema, e)),
      ...(this.roleName ? { role: this.roleName } : {}),
    };
    const call = (this.client.Read as (r: ProtoObject, m: grpc.Metadata, o: grpc.CallOptions) => AsyncIterable<ProtoObject> & { cancel(): void })(
      request,
      new grpc.Metadata(),
      { deadline: new Date(Date.now() + this.callTimeoutMs) },
    );
    try {
      for await (const response of call) {
        for (const e of (response.entities as ProtoObject[]) ?? []) {
          const decoded = decodeEntity(schema, e);
          if (decoded) yield decoded;
        }
      }
    } catch (err) {
      throw isServiceError(err) ? P4RuntimeError.fromGrpc("Read", err) : err;
    } finally {
      call.cancel();
    }
  }

  async readAll(entities: Entity | readonly Entity[]): Promise<Entity[]> {
    const out: Entity[] = [];
    for await (const e of this.read(entities)) out.push(e);
    return out;
  }

  /** Sends a packet to the switch's CPU port path; metadata by packet_out header field name. */
  packetOut(payload: Uint8Array, metadata: Readonly<Record<string, P4Value>> = {}): void {
    if (!this.stream) throw new Error(`stream to ${this.address} is not open`);
    const fields = this.schema.packetMetadata.has("packet_out") ? (this.schema.packetMetadata.get("packet_out").metadata ?? []) : [];
    const encoded = Object.entries(metadata).map(([name, value]) => {
      const field = fields.find((f) => f.name === name);
      if (!field) throw new Error(`packet_out has no metadata field '${name}'`);
      return { metadata_id: field.id, value: encodeValue(value, field.bitwidth, `packet_out.${name}`) };
    });
    this.stream.write({ packet: { payload, metadata: encoded } });
  }

  /** Ends the stream (giving up the primary role), stops reconnecting, closes the channel. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const stream = this.stream;
    this.stream = undefined;
    this.currentRole = undefined;
    if (stream) {
      stream.end();
      stream.cancel();
    }
    this.client.close();
    this.emitEvent({ kind: "closed" });
    for (const q of this.queues) q.end();
    this.queues.clear();
  }
}
