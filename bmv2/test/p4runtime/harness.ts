/**
 * Test rig: our switch model behind our P4Runtime server on an ephemeral port,
 * and a real gRPC client built from the same protos, with promise wrappers and
 * a StreamChannel that queues what the server sends.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { createSwitch } from "../../src/dataplane/index.ts";
import { port, type SwitchModel } from "../../src/dataplane/api.ts";
import { parseP4InfoText, type P4InfoMessage } from "../../src/p4runtime/p4info_index.ts";
import { p4runtimeClientConstructor, statusDetails, writeErrors, type P4Error } from "../../src/p4runtime/proto.ts";
import { P4RuntimeServer } from "../../src/p4runtime/server.ts";
import { conformanceDir } from "../../../testbench/src/conformance.ts";

export const FIXTURES = join(import.meta.dirname, "fixtures");
export const CPU_PORT = port(255);

export interface Program {
  readonly p4info: P4InfoMessage;
  readonly deviceConfig: Buffer;
}

export function fixtureProgram(name: string): Program {
  return {
    p4info: parseP4InfoText(readFileSync(join(FIXTURES, `${name}.p4info.txtpb`), "utf8")),
    deviceConfig: readFileSync(join(FIXTURES, `${name}.json`)),
  };
}

/** A program of the conformance corpus (undefined when the corpus is absent). */
export function conformanceProgram(name: string): Program | undefined {
  const dir = conformanceDir();
  if (!dir) return undefined;
  return {
    p4info: parseP4InfoText(readFileSync(join(dir, "v1model", `${name}.p4info.txtpb`), "utf8")),
    deviceConfig: readFileSync(join(dir, "v1model", `${name}.json`)),
  };
}

export type Msg = Record<string, any>;

export interface CallError {
  readonly code: grpc.status;
  readonly details: string;
  readonly metadata: grpc.Metadata | undefined;
  readonly errors: P4Error[];
  readonly hasStatusDetails: boolean;
}

export type CallResult = { readonly ok: true; readonly response: Msg } | ({ readonly ok: false } & CallError);

function toCallError(err: grpc.ServiceError): CallError {
  return {
    code: err.code,
    details: err.details,
    metadata: err.metadata,
    errors: writeErrors(err.metadata),
    hasStatusDetails: statusDetails(err.metadata) !== undefined,
  };
}

export class Stream {
  readonly received: Msg[] = [];
  ended: { code: grpc.status; details: string } | undefined;
  private waiters: (() => void)[] = [];

  constructor(readonly call: grpc.ClientDuplexStream<Msg, Msg>) {
    call.on("data", (m: Msg) => {
      this.received.push(m);
      this.wake();
    });
    call.on("error", (e: grpc.ServiceError) => {
      this.ended = { code: e.code, details: e.details };
      this.wake();
    });
    call.on("status", (s: grpc.StatusObject) => {
      this.ended ??= { code: s.code, details: s.details };
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  send(m: Msg): void {
    this.call.write(m);
  }

  /** Waits until `n` messages were received in total (or the stream ended). */
  async waitFor(n: number): Promise<Msg[]> {
    while (this.received.length < n && !this.ended) await new Promise<void>((r) => this.waiters.push(r));
    return this.received;
  }

  async waitEnd(): Promise<{ code: grpc.status; details: string }> {
    while (!this.ended) await new Promise<void>((r) => this.waiters.push(r));
    return this.ended;
  }

  /** Sends an arbitration and waits for the server's answer. */
  async arbitrate(electionLow: number, deviceId = 0): Promise<Msg> {
    const before = this.received.length;
    this.send({ arbitration: { device_id: String(deviceId), election_id: { high: "0", low: String(electionLow) } } });
    const got = await this.waitFor(before + 1);
    return got[before]!;
  }

  close(): void {
    this.call.end();
  }
}

export class Client {
  readonly raw: grpc.Client & Record<string, any>;
  private readonly streams: Stream[] = [];

  constructor(address: string) {
    const Ctor = p4runtimeClientConstructor();
    this.raw = new Ctor(address, grpc.credentials.createInsecure()) as grpc.Client & Record<string, any>;
  }

  private unary(method: string, request: Msg): Promise<CallResult> {
    return new Promise((resolve) => {
      this.raw[method](request, (err: grpc.ServiceError | null, response: Msg) =>
        resolve(err ? { ok: false, ...toCallError(err) } : { ok: true, response }),
      );
    });
  }

  write(request: Msg): Promise<CallResult> {
    return this.unary("Write", request);
  }
  setConfig(request: Msg): Promise<CallResult> {
    return this.unary("SetForwardingPipelineConfig", request);
  }
  getConfig(request: Msg): Promise<CallResult> {
    return this.unary("GetForwardingPipelineConfig", request);
  }
  capabilities(): Promise<CallResult> {
    return this.unary("Capabilities", {});
  }

  /** Read: all streamed entities, or the error. */
  read(request: Msg): Promise<{ ok: true; entities: Msg[]; messages: number } | ({ ok: false } & CallError)> {
    return new Promise((resolve) => {
      const entities: Msg[] = [];
      let messages = 0;
      const call = this.raw["Read"](request) as grpc.ClientReadableStream<Msg>;
      call.on("data", (m: Msg) => {
        messages++;
        entities.push(...(m["entities"] ?? []));
      });
      call.on("error", (e: grpc.ServiceError) => resolve({ ok: false, ...toCallError(e) }));
      call.on("end", () => resolve({ ok: true, entities, messages }));
    });
  }

  openStream(): Stream {
    const s = new Stream(this.raw["StreamChannel"]() as grpc.ClientDuplexStream<Msg, Msg>);
    this.streams.push(s);
    return s;
  }

  close(): void {
    for (const s of this.streams) s.call.cancel();
    this.raw.close();
  }
}

export interface Rig {
  readonly model: SwitchModel;
  readonly server: P4RuntimeServer;
  readonly address: string;
  client(): Client;
  /** Opens a stream that becomes primary with this election id and returns it. */
  primary(client: Client, electionLow: number): Promise<Stream>;
  /** VERIFY_AND_COMMIT by a primary with this election id. */
  load(client: Client, program: Program, electionLow: number, cookie?: number): Promise<CallResult>;
  close(): Promise<void>;
}

export async function startRig(options: { deviceId?: number; verify?: boolean } = {}): Promise<Rig> {
  const model = createSwitch({ cpuPort: CPU_PORT });
  const server = new P4RuntimeServer({
    model,
    address: "127.0.0.1:0",
    deviceId: options.deviceId ?? 0,
    cpuPort: CPU_PORT,
    verifyDeviceConfig: options.verify === false ? undefined : (json) => createSwitch().loadPipeline(json),
  });
  const boundPort = await server.start();
  const address = `127.0.0.1:${boundPort}`;
  const clients: Client[] = [];
  return {
    model,
    server,
    address,
    client() {
      const c = new Client(address);
      clients.push(c);
      return c;
    },
    async primary(client, electionLow) {
      const s = client.openStream();
      await s.arbitrate(electionLow);
      return s;
    },
    load(client, program, electionLow, cookie) {
      return client.setConfig({
        election_id: { high: "0", low: String(electionLow) },
        action: "VERIFY_AND_COMMIT",
        config: { p4info: program.p4info, p4_device_config: program.deviceConfig, ...(cookie !== undefined ? { cookie: { cookie: String(cookie) } } : {}) },
      });
    },
    async close() {
      for (const c of clients) c.close();
      await server.stop();
    },
  };
}

/** Bytes from hex ("020000000001"). */
export const hex = (s: string): Buffer => Buffer.from(s, "hex");

export const eid = (low: number) => ({ high: "0", low: String(low) });
