/**
 * Loads our P4Runtime .proto files (proto/ at the repository root) once, for both
 * the gRPC server and clients, and for reflection (text format, Any packing).
 *
 * Message objects follow @grpc/proto-loader's conversion with these options:
 * - field names as in the .proto (snake_case: `table_id`, `is_default_action`),
 * - 64-bit integers as decimal strings (`election_id: { high: "0", low: "1" }`),
 * - enums as their names (`type: "INSERT"`),
 * - bytes as Buffer,
 * - defaults filled in on decode, and oneofs reported by name
 *   (`entity.entity === "table_entry"`, `field_match.field_match_type === "exact"`).
 * Outgoing messages may use numbers/strings/bigints for 64-bit fields and
 * Uint8Array for bytes; protobufjs accepts all of them.
 */
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import protobuf from "protobufjs";
import { packageRoot } from "../package_root.ts";

/** Absolute path of the proto/ include directory. */
export const PROTO_DIR = join(packageRoot(import.meta.url), "proto");

/** The files that make up the P4Runtime API (imports are pulled in from PROTO_DIR). */
export const P4RUNTIME_PROTO_FILES: readonly string[] = ["p4/v1/p4runtime.proto", "google/rpc/code.proto"];

/** The conversion options every user of these protos shares (see the module comment). */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  bytes: Buffer,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

/** The same conversion for protobufjs `Type.toObject`, for code that decodes by hand (e.g. Any payloads). */
export const TO_OBJECT_OPTIONS: protobuf.IConversionOptions = {
  longs: String,
  enums: String,
  bytes: Buffer,
  defaults: true,
  oneofs: true,
};

let packageDefinition: protoLoader.PackageDefinition | undefined;
let root: protobuf.Root | undefined;
let clientConstructor: grpc.ServiceClientConstructor | undefined;

/** The proto-loader package definition (for grpc.loadPackageDefinition or a Server). */
export function p4runtimePackageDefinition(): protoLoader.PackageDefinition {
  packageDefinition ??= protoLoader.loadSync([...P4RUNTIME_PROTO_FILES], PROTO_LOADER_OPTIONS);
  return packageDefinition;
}

/** A protobufjs Root with every message of the API, resolved, for reflection and manual encoding. */
export function p4runtimeRoot(): protobuf.Root {
  if (root) return root;
  const r = new protobuf.Root();
  // Well-known types (google/protobuf/any.proto) come from protobufjs's bundled definitions.
  r.resolvePath = (_origin, target) => (target.startsWith("google/protobuf/") ? target : join(PROTO_DIR, target));
  r.loadSync([...P4RUNTIME_PROTO_FILES], { keepCase: true });
  r.resolveAll();
  root = r;
  return r;
}

/** Looks up a message type by its full name, e.g. "p4.config.v1.P4Info". */
export function messageType(fullName: string): protobuf.Type {
  return p4runtimeRoot().lookupType(fullName);
}

interface P4RuntimeGrpcPackage {
  p4: { v1: { P4Runtime: grpc.ServiceClientConstructor } };
}

/** The generated client constructor: `new (p4runtimeClientConstructor())(addr, grpc.credentials.createInsecure())`. */
export function p4runtimeClientConstructor(): grpc.ServiceClientConstructor {
  clientConstructor ??= (grpc.loadPackageDefinition(p4runtimePackageDefinition()) as unknown as P4RuntimeGrpcPackage).p4.v1.P4Runtime;
  return clientConstructor;
}

/** The service definition to register on a grpc.Server. */
export function p4runtimeServiceDefinition(): grpc.ServiceDefinition {
  return p4runtimeClientConstructor().service;
}

const TYPE_URL_PREFIX = "type.googleapis.com/";

export interface AnyMessage {
  readonly type_url: string;
  readonly value: Uint8Array;
}

/** Packs a message object into google.protobuf.Any. */
export function packAny(typeName: string, message: object): AnyMessage {
  const type = messageType(typeName);
  return { type_url: TYPE_URL_PREFIX + typeName, value: type.encode(type.fromObject(message)).finish() };
}

/** Unpacks an Any whose type is `typeName`; undefined when it holds another type. */
export function unpackAny<T = Record<string, unknown>>(typeName: string, any: AnyMessage): T | undefined {
  if (any.type_url.slice(any.type_url.lastIndexOf("/") + 1) !== typeName) return undefined;
  const type = messageType(typeName);
  return type.toObject(type.decode(any.value), TO_OBJECT_OPTIONS) as T;
}

/** Encodes a message object of a named type to bytes. */
export function encodeMessage(typeName: string, message: object): Uint8Array {
  const type = messageType(typeName);
  return type.encode(type.fromObject(message)).finish();
}

/** Decodes bytes of a named type to a message object (same conversion as the gRPC layer). */
export function decodeMessage<T = Record<string, unknown>>(typeName: string, bytes: Uint8Array): T {
  const type = messageType(typeName);
  return type.toObject(type.decode(bytes), TO_OBJECT_OPTIONS) as T;
}

/** The binary trailer in which P4Runtime servers put a google.rpc.Status with per-update errors. */
export const STATUS_DETAILS_KEY = "grpc-status-details-bin";

export interface P4Error {
  readonly canonical_code: number;
  readonly message: string;
  readonly space: string;
  readonly code: number;
}

export interface RpcStatus {
  readonly code: number;
  readonly message: string;
  readonly details: readonly AnyMessage[];
}

/** Reads the google.rpc.Status of a failed call (undefined when the trailer is absent). */
export function statusDetails(metadata: grpc.Metadata | undefined): RpcStatus | undefined {
  const raw = metadata?.get(STATUS_DETAILS_KEY)[0];
  if (raw === undefined || typeof raw === "string") return undefined;
  return decodeMessage<RpcStatus>("google.rpc.Status", raw);
}

/** The p4.v1.Error list of a failed Write, in update order ([] when absent). */
export function writeErrors(metadata: grpc.Metadata | undefined): P4Error[] {
  const status = statusDetails(metadata);
  if (!status) return [];
  return status.details.map((any) => unpackAny<P4Error>("p4.v1.Error", any)).filter((e): e is P4Error => e !== undefined);
}
