/**
 * Client of simple_switch_grpc's dataplane service (`--dp-grpc-server-addr`): frames go into
 * the real bmv2 on a port number and what it transmits comes back on one bidirectional
 * stream, with no veths, namespaces or root. The packets still take bmv2's whole path (input
 * buffer, parser, ingress, queues, egress, deparser); only the port driver differs.
 *
 * The service is `p4.bm.DataplaneInterface` (bmv2's `p4/bm/dataplane_interface.proto`, built
 * into libbm_grpc_dataplane); its messages are declared here so no .proto file is needed.
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import type protobuf from "protobufjs";

const PACKET_FIELDS = {
  id: { type: "uint64", id: 1 },
  device_id: { type: "uint64", id: 2 },
  port: { type: "uint32", id: 3 },
  packet: { type: "bytes", id: 4 },
};

// proto-loader's JSON form; protobufjs's INamespace typing insists on fields the JSON form leaves out.
const DATAPLANE_SCHEMA = {
  nested: {
    p4: {
      nested: {
        bm: {
          nested: {
            PacketStreamRequest: { fields: PACKET_FIELDS },
            PacketStreamResponse: { fields: PACKET_FIELDS },
            DataplaneInterface: {
              methods: {
                PacketStream: { requestType: "PacketStreamRequest", requestStream: true, responseType: "PacketStreamResponse", responseStream: true },
              },
            },
          },
        },
      },
    },
  },
};

interface PacketMessage {
  readonly device_id: string;
  readonly port: number;
  readonly packet: Buffer;
}

type DataplaneClient = grpc.Client & { PacketStream(): grpc.ClientDuplexStream<object, PacketMessage> };

let clientConstructor: grpc.ServiceClientConstructor | undefined;

function dataplaneClientConstructor(): grpc.ServiceClientConstructor {
  if (clientConstructor) return clientConstructor;
  const definition = protoLoader.fromJSON(DATAPLANE_SCHEMA as unknown as protobuf.INamespace, { keepCase: true, longs: String, bytes: Buffer, defaults: true });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as { p4: { bm: { DataplaneInterface: grpc.ServiceClientConstructor } } };
  clientConstructor = loaded.p4.bm.DataplaneInterface;
  return clientConstructor;
}

/** The service's definition, for serving it (a stand-in switch in tests). */
export function dataplaneServiceDefinition(): grpc.ServiceDefinition {
  return dataplaneClientConstructor().service;
}

export interface DataplaneFrame {
  readonly port: number;
  readonly frame: Uint8Array;
}

/**
 * simple_switch_grpc refuses a stream before its first program has started the switch ("not
 * ready", which can trail SetForwardingPipelineConfig by a moment) and while another client's
 * stream is still open. It answers those refusals without reading a frame, so the frames sent
 * on a refused stream are sent again on a new one, exactly once.
 */
const REFUSALS = new Set(["not ready", "only one client authorized at a time"]);
const REOPEN_AFTER_MS = 50;
const MAX_REOPENS = 200;
/** Frames kept for a resend until the stream has proven itself by delivering one; past this many it is taken as accepted. */
const MAX_UNCONFIRMED = 10_000;

interface SentFrame {
  readonly port: number;
  readonly frame: Uint8Array;
}

/** One packet stream to a simple_switch_grpc's dataplane service (reopened while the switch refuses it). */
export class DataplaneStream {
  private readonly client: DataplaneClient;
  private stream: grpc.ClientDuplexStream<object, PacketMessage>;
  private readonly listeners = new Set<(f: DataplaneFrame) => void>();
  private failure: Error | undefined;
  private nextId = 1n;
  /** Frames sent on the current stream while it may still be refused; undefined once it delivered a frame. */
  private unconfirmed: SentFrame[] | undefined = [];
  private reopens = 0;
  private closed = false;

  constructor(
    address: string,
    private readonly deviceId = 0,
  ) {
    const Client = dataplaneClientConstructor();
    this.client = new Client(address, grpc.credentials.createInsecure()) as unknown as DataplaneClient;
    this.stream = this.open();
  }

  private open(): grpc.ClientDuplexStream<object, PacketMessage> {
    const stream = this.client.PacketStream();
    stream.on("data", (m: PacketMessage) => {
      this.unconfirmed = undefined;
      const frame: DataplaneFrame = { port: m.port, frame: new Uint8Array(m.packet) };
      for (const l of this.listeners) l(frame);
    });
    stream.on("error", (err: grpc.ServiceError) => {
      if (err.code === grpc.status.CANCELLED || this.closed || stream !== this.stream) return;
      const resend = this.unconfirmed;
      if (resend && REFUSALS.has(err.details) && this.reopens < MAX_REOPENS) {
        this.reopens++;
        setTimeout(() => {
          if (this.closed) return;
          this.stream = this.open();
          for (const f of resend) this.write(f.port, f.frame);
        }, REOPEN_AFTER_MS);
        return;
      }
      this.failure = err;
    });
    this.unconfirmed = [];
    return stream;
  }

  /** Why the stream broke, if it did (a refusal it is still retrying is not a break). */
  get error(): Error | undefined {
    return this.failure;
  }

  /** Every frame the switch transmits, on any port. */
  onFrame(listener: (f: DataplaneFrame) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  send(port: number, frame: Uint8Array): void {
    this.write(port, frame);
  }

  private write(port: number, frame: Uint8Array): void {
    if (this.unconfirmed) {
      if (this.unconfirmed.length < MAX_UNCONFIRMED) this.unconfirmed.push({ port, frame });
      else this.unconfirmed = undefined;
    }
    this.stream.write({ id: String(this.nextId++), device_id: String(this.deviceId), port, packet: Buffer.from(frame) });
  }

  close(): void {
    this.closed = true;
    this.stream.cancel();
    this.client.close();
  }
}
