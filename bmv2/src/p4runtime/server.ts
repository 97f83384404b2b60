/**
 * The P4Runtime gRPC server of our switch model: arbitration, pipeline
 * config, Write / Read of every entity kind, packet I/O and digests, on top
 * of the data plane's SwitchModel. Answers follow real simple_switch_grpc
 * (conformance/p4runtime traces) where the spec leaves room, and the spec
 * where bmv2 falls short (register reads/writes, atomic batches, a bad
 * device config leaving the previous pipeline running).
 */
import { readFileSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import type { PortNumber, SwitchModel } from "../dataplane/api.ts";
import { Arbiter, type ArbitrationPeer, type ArbitrationUpdate, toElectionId, type Uint128 } from "./arbitration.ts";
import { checkP4InfoMatchesJson } from "./config_check.ts";
import type { DigestListMessage } from "./digests.ts";
import type { Entity, Update } from "./messages.ts";
import { P4InfoIndex, type P4InfoMessage } from "./p4info_index.ts";
import { packetInMessage, packetOutFrame, type PacketOutMessage } from "./packet_io.ts";
import { type Atomicity, PipelineState, type StoredConfig } from "./pipeline_state.ts";
import { encodeMessage, p4runtimeServiceDefinition } from "./proto.ts";
import { P4RuntimeError, plainStatus, statusWithDetails, writeFailure } from "./status.ts";

/** What simple_switch_grpc 1.15.5 reports, and what our server implements. */
export const P4RUNTIME_API_VERSION = "1.3.0";

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** When set, clients must present a certificate signed by this CA. */
  readonly clientCaFile?: string;
}

export interface P4RuntimeServerOptions {
  readonly model: SwitchModel;
  /** "host:port"; port 0 picks a free one. Default 127.0.0.1:9559. */
  readonly address?: string;
  /** Default 0, like simple_switch_grpc. */
  readonly deviceId?: bigint | number;
  /** The CPU port for packet-in / packet-out; without it PacketOuts are refused. */
  readonly cpuPort?: PortNumber;
  readonly tls?: TlsFiles;
  /**
   * Checks a BMv2 JSON without touching the running pipeline (e.g. by loading
   * it into a scratch model); throws to reject it. Default: structural checks only.
   */
  readonly verifyDeviceConfig?: (json: unknown) => void;
  readonly log?: (line: string) => void;
}

const READ_CHUNK = 1000;
const NO_PIPELINE = "No forwarding pipeline config set for this device";
const NOT_PRIMARY = "Not primary";

type StreamCall = grpc.ServerDuplexStream<StreamRequest, object>;

interface StreamRequest {
  update?: "arbitration" | "packet" | "digest_ack" | "other";
  arbitration?: { device_id?: string; role?: { name?: string } | null; election_id?: Uint128 | null } | null;
  packet?: PacketOutMessage | null;
  digest_ack?: { digest_id?: number; list_id?: string } | null;
  other?: unknown;
}

interface ForwardingPipelineConfigMessage {
  p4info?: P4InfoMessage | null;
  p4_device_config?: Buffer;
  cookie?: { cookie?: string } | null;
}

class StreamPeer implements ArbitrationPeer {
  closed = false;
  constructor(readonly call: StreamCall) {}
  send(message: object): void {
    if (!this.closed) this.call.write(message);
  }
  sendArbitration(update: ArbitrationUpdate): void {
    this.send({ arbitration: update });
  }
}

/**
 * A request body that did not decode as its protobuf message. grpc-js answers an undecodable
 * request with INTERNAL on its own; decoding through tolerantService instead hands the
 * handlers this marker, so a client's bad bytes get the INVALID_ARGUMENT they deserve.
 */
class MalformedRequest {
  constructor(readonly reason: string) {}
}

function malformed(request: unknown): P4RuntimeError | undefined {
  return request instanceof MalformedRequest ? new P4RuntimeError(grpc.status.INVALID_ARGUMENT, `Malformed request: ${request.reason}`) : undefined;
}

function tolerantService(definition: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const methods: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, method] of Object.entries(definition)) {
    methods[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return method.requestDeserialize(bytes);
        } catch (err) {
          return new MalformedRequest(err instanceof Error ? err.message : String(err));
        }
      },
    };
  }
  return methods;
}

export class P4RuntimeServer {
  private readonly server: grpc.Server;
  private readonly arbiter = new Arbiter();
  private readonly peers = new Set<StreamPeer>();
  private readonly deviceId: bigint;
  private pipeline: PipelineState | undefined;
  private saved: { config: StoredConfig; json: unknown } | undefined;
  private readonly unsubscribe: (() => void)[] = [];
  private boundPort = 0;

  constructor(private readonly opts: P4RuntimeServerOptions) {
    this.deviceId = BigInt(opts.deviceId ?? 0);
    this.server = new grpc.Server();
    this.server.addService(tolerantService(p4runtimeServiceDefinition()), {
      Write: (call: grpc.ServerUnaryCall<WriteRequest, object>, cb: grpc.sendUnaryData<object>) => this.unary(cb, call.request, () => this.write(call.request)),
      Read: (call: grpc.ServerWritableStream<ReadRequest, object>) => this.read(call),
      SetForwardingPipelineConfig: (call: grpc.ServerUnaryCall<SetConfigRequest, object>, cb: grpc.sendUnaryData<object>) =>
        this.unary(cb, call.request, () => this.setConfig(call.request)),
      GetForwardingPipelineConfig: (call: grpc.ServerUnaryCall<GetConfigRequest, object>, cb: grpc.sendUnaryData<object>) =>
        this.unary(cb, call.request, () => this.getConfig(call.request)),
      StreamChannel: (call: StreamCall) => this.stream(call),
      Capabilities: (call: grpc.ServerUnaryCall<object, object>, cb: grpc.sendUnaryData<object>) =>
        this.unary(cb, call.request, () => ({ p4runtime_api_version: P4RUNTIME_API_VERSION })),
    });
    this.unsubscribe.push(
      opts.model.onEgress((egressPort, frame) => {
        if (egressPort === opts.cpuPort) this.packetIn(frame);
      }),
      opts.model.onDigest((digest) => this.pipeline?.receiveDigest(digest)),
    );
  }

  /** The bound TCP port (after start). */
  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<number> {
    const address = this.opts.address ?? "127.0.0.1:9559";
    const credentials = this.opts.tls
      ? grpc.ServerCredentials.createSsl(
          this.opts.tls.clientCaFile ? readFileSync(this.opts.tls.clientCaFile) : null,
          [{ private_key: readFileSync(this.opts.tls.keyFile), cert_chain: readFileSync(this.opts.tls.certFile) }],
          this.opts.tls.clientCaFile !== undefined,
        )
      : grpc.ServerCredentials.createInsecure();
    this.boundPort = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(address, credentials, (err, port) => (err ? reject(err) : resolve(port))),
    );
    this.opts.log?.(`P4Runtime server listening on ${address.replace(/:\d+$/, "")}:${this.boundPort} (device ${this.deviceId})`);
    return this.boundPort;
  }

  async stop(): Promise<void> {
    for (const u of this.unsubscribe) u();
    this.pipeline?.stop();
    for (const peer of this.peers) {
      peer.closed = true;
      peer.call.end();
    }
    this.peers.clear();
    this.server.forceShutdown();
  }

  /** Loads a pipeline without an RPC (for `slb switch --json --p4info`). */
  loadPipeline(p4info: P4InfoMessage, deviceConfig: Buffer, cookie?: string): void {
    const stored: StoredConfig = { p4info, deviceConfig, cookie };
    this.commit(stored, this.verify(stored));
  }

  private unary<T extends object>(cb: grpc.sendUnaryData<object>, request: unknown, handler: () => T): void {
    try {
      const bad = malformed(request);
      if (bad) throw bad;
      cb(null, handler());
    } catch (err) {
      cb(this.failure(err), null);
    }
  }

  private failure(err: unknown): Partial<grpc.StatusObject> {
    if (err instanceof RpcFailure) return err.status;
    if (err instanceof P4RuntimeError) return statusWithDetails(err.code, err.message);
    this.opts.log?.(`P4Runtime internal error: ${err instanceof Error ? err.stack : String(err)}`);
    return statusWithDetails(grpc.status.INTERNAL, err instanceof Error ? err.message : String(err));
  }

  private requirePrimary(deviceId: string | undefined, role: string | undefined, electionId: Uint128 | null | undefined): void {
    if (!this.arbiter.mayWrite(BigInt(deviceId ?? 0), role ?? "", toElectionId(electionId))) {
      throw new RpcFailure(plainStatus(grpc.status.PERMISSION_DENIED, NOT_PRIMARY));
    }
  }

  private requirePipeline(deviceId: string | undefined): PipelineState {
    if (BigInt(deviceId ?? 0) !== this.deviceId || !this.pipeline) throw new RpcFailure(plainStatus(grpc.status.FAILED_PRECONDITION, NO_PIPELINE));
    return this.pipeline;
  }

  private write(req: WriteRequest): object {
    this.requirePrimary(req.device_id, req.role, req.election_id);
    const pipeline = this.requirePipeline(req.device_id);
    const updates = req.updates ?? [];
    if (updates.length === 0) return {};
    const outcomes = pipeline.write(updates, (req.atomicity ?? "CONTINUE_ON_ERROR") as Atomicity);
    if (outcomes.every((o) => o.ok)) return {};
    throw new RpcFailure(writeFailure(outcomes));
  }

  private read(call: grpc.ServerWritableStream<ReadRequest, object>): void {
    try {
      const bad = malformed(call.request);
      if (bad) throw bad;
      const pipeline = this.requirePipeline(call.request.device_id);
      const entities: Entity[] = [];
      for (const e of call.request.entities ?? []) entities.push(...pipeline.read(e));
      // Several messages for big reads keep each under the clients' 4 MiB receive limit.
      for (let i = 0; i === 0 || i < entities.length; i += READ_CHUNK) call.write({ entities: entities.slice(i, i + READ_CHUNK) });
      call.end();
    } catch (err) {
      call.emit("error", this.failure(err));
    }
  }

  private verify(config: StoredConfig): unknown {
    if (!config.p4info) throw new P4RuntimeError(grpc.status.INVALID_ARGUMENT, "Missing P4Info in config");
    let json: unknown;
    try {
      json = JSON.parse(config.deviceConfig.toString("utf8"));
    } catch (err) {
      throw new P4RuntimeError(grpc.status.INVALID_ARGUMENT, `Device config is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    checkP4InfoMatchesJson(config.p4info, json);
    try {
      this.opts.verifyDeviceConfig?.(json);
    } catch (err) {
      throw new P4RuntimeError(grpc.status.INVALID_ARGUMENT, `Device config rejected: ${err instanceof Error ? err.message : String(err)}`);
    }
    return json;
  }

  /** Swaps the new pipeline in; on failure the previous one keeps running. */
  private commit(config: StoredConfig, json: unknown): void {
    const previous = this.pipeline;
    try {
      this.opts.model.loadPipeline(json);
    } catch (err) {
      // A model that half-swapped before failing gets its previous program back (its table state is lost either way).
      if (previous && !this.opts.model.loaded) this.opts.model.loadPipeline(JSON.parse(previous.config.deviceConfig.toString("utf8")));
      throw new P4RuntimeError(grpc.status.INVALID_ARGUMENT, `Device config rejected: ${err instanceof Error ? err.message : String(err)}`);
    }
    previous?.stop();
    this.pipeline = new PipelineState(config, new P4InfoIndex(config.p4info), this.opts.model.control, (list) => this.sendDigestList(list));
    this.saved = undefined;
  }

  private setConfig(req: SetConfigRequest): object {
    this.requirePrimary(req.device_id, req.role, req.election_id);
    if (BigInt(req.device_id ?? 0) !== this.deviceId) throw new P4RuntimeError(grpc.status.NOT_FOUND, `Unknown device id ${req.device_id}`);
    const given = req.config;
    const stored = (): StoredConfig => {
      if (!given) throw new P4RuntimeError(grpc.status.INVALID_ARGUMENT, "Missing config");
      return { p4info: given.p4info as P4InfoMessage, deviceConfig: Buffer.from(given.p4_device_config ?? []), cookie: given.cookie ? String(given.cookie.cookie ?? 0) : undefined };
    };
    switch (req.action) {
      case "VERIFY":
        this.verify(stored());
        return {};
      case "VERIFY_AND_SAVE": {
        const config = stored();
        this.saved = { config, json: this.verify(config) };
        return {};
      }
      case "VERIFY_AND_COMMIT": {
        const config = stored();
        this.commit(config, this.verify(config));
        return {};
      }
      case "COMMIT": {
        if (given && (given.p4info || (given.p4_device_config ?? []).length > 0)) throw new P4RuntimeError(grpc.status.INVALID_ARGUMENT, "COMMIT takes no config");
        if (!this.saved) throw new P4RuntimeError(grpc.status.FAILED_PRECONDITION, "No saved config to commit");
        this.commit(this.saved.config, this.saved.json);
        return {};
      }
      case "RECONCILE_AND_COMMIT": {
        const config = stored();
        const json = this.verify(config);
        const current = this.pipeline?.config;
        const same =
          current !== undefined &&
          current.deviceConfig.equals(config.deviceConfig) &&
          Buffer.from(encodeMessage("p4.config.v1.P4Info", current.p4info)).equals(Buffer.from(encodeMessage("p4.config.v1.P4Info", config.p4info)));
        if (!current) {
          this.commit(config, json);
        } else if (same) {
          // Same program: keep every entry, adopt the new cookie.
          this.pipeline!.config = config;
        } else {
          throw new P4RuntimeError(grpc.status.INVALID_ARGUMENT, "Cannot preserve the forwarding state across a different pipeline");
        }
        return {};
      }
      default:
        throw new P4RuntimeError(grpc.status.INVALID_ARGUMENT, "Invalid SetForwardingPipeline action");
    }
  }

  private getConfig(req: GetConfigRequest): object {
    const pipeline = this.requirePipeline(req.device_id);
    const { p4info, deviceConfig, cookie } = pipeline.config;
    const type = req.response_type ?? "ALL";
    const config: ForwardingPipelineConfigMessage = {};
    if (cookie !== undefined) config.cookie = { cookie };
    if (type === "ALL" || type === "P4INFO_AND_COOKIE") config.p4info = p4info;
    if (type === "ALL" || type === "DEVICE_CONFIG_AND_COOKIE") config.p4_device_config = deviceConfig;
    return { config };
  }

  private stream(call: StreamCall): void {
    const peer = new StreamPeer(call);
    this.peers.add(peer);
    const leave = (): void => {
      if (peer.closed) return;
      peer.closed = true;
      this.peers.delete(peer);
      this.arbiter.leave(peer);
    };
    call.on("data", (msg: StreamRequest | MalformedRequest) => this.streamMessage(peer, msg, leave));
    call.on("end", () => {
      leave();
      call.end();
    });
    call.on("error", leave);
    call.on("cancelled", leave);
  }

  private streamMessage(peer: StreamPeer, msg: StreamRequest | MalformedRequest, leave: () => void): void {
    if (msg instanceof MalformedRequest) {
      // The stream (and the peer's arbitration) survives a message it cannot decode, like a refused packet-out.
      peer.send({ error: { canonical_code: grpc.status.INVALID_ARGUMENT, message: `Malformed stream message: ${msg.reason}`, space: "", code: 0 } });
      return;
    }
    if (msg.arbitration) {
      const a = msg.arbitration;
      const result = this.arbiter.arbitrate(peer, BigInt(a.device_id ?? 0), a.role?.name ?? "", toElectionId(a.election_id));
      if (!result.ok) {
        leave();
        peer.call.emit("error", plainStatus(result.code, result.message));
      }
      return;
    }
    if (msg.packet) {
      this.packetOut(peer, msg.packet);
      return;
    }
    if (msg.digest_ack) {
      if (this.arbiter.isPrimaryPeer(peer)) this.pipeline?.digests.ack(msg.digest_ack.digest_id ?? 0, String(msg.digest_ack.list_id ?? "0"));
      return;
    }
    if (msg.other) {
      peer.send({ error: { canonical_code: grpc.status.UNIMPLEMENTED, message: "Unsupported stream message", space: "", code: 0, other: { other: msg.other } } });
    }
    // An empty StreamMessageRequest is ignored, as simple_switch_grpc does.
  }

  private packetOut(peer: StreamPeer, packet: PacketOutMessage): void {
    const refuse = (code: grpc.status, message: string): void =>
      peer.send({ error: { canonical_code: code, message, space: "", code: 0, packet_out: { packet_out: packet } } });
    // Only the primary of this device's default role may send packets (not a primary of another device id).
    if (this.arbiter.primaryPeer(this.deviceId) !== peer) return refuse(grpc.status.PERMISSION_DENIED, NOT_PRIMARY);
    if (!this.pipeline) return refuse(grpc.status.FAILED_PRECONDITION, NO_PIPELINE);
    if (this.opts.cpuPort === undefined) return refuse(grpc.status.FAILED_PRECONDITION, "The switch has no CPU port");
    const result = packetOutFrame(this.pipeline.index, packet);
    if (!result.ok) return refuse(grpc.status.INVALID_ARGUMENT, result.message);
    this.opts.model.inject(this.opts.cpuPort, result.frame);
  }

  private packetIn(frame: Uint8Array): void {
    if (!this.pipeline) return;
    const primary = this.arbiter.primaryPeer(this.deviceId) as StreamPeer | undefined;
    primary?.send({ packet: packetInMessage(this.pipeline.index, frame) });
  }

  private sendDigestList(list: DigestListMessage): void {
    const primary = this.arbiter.primaryPeer(this.deviceId) as StreamPeer | undefined;
    primary?.send({ digest: list });
  }
}

/** A fully formed gRPC status to fail an RPC with (no details trailer unless given). */
class RpcFailure extends Error {
  constructor(readonly status: Partial<grpc.StatusObject>) {
    super(status.details ?? "");
  }
}

interface WriteRequest {
  device_id?: string;
  role?: string;
  election_id?: Uint128 | null;
  updates?: Update[];
  atomicity?: string;
}

interface ReadRequest {
  device_id?: string;
  entities?: Entity[];
}

interface SetConfigRequest {
  device_id?: string;
  role?: string;
  election_id?: Uint128 | null;
  action?: string;
  config?: ForwardingPipelineConfigMessage | null;
}

interface GetConfigRequest {
  device_id?: string;
  response_type?: string;
}

/** Creates and starts a server; resolves once it listens. */
export async function startP4RuntimeServer(opts: P4RuntimeServerOptions): Promise<P4RuntimeServer> {
  const server = new P4RuntimeServer(opts);
  await server.start();
  return server;
}
