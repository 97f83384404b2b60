/**
 * Errors the P4Runtime server reports, with gRPC canonical codes, and the
 * encoding of a failed Write as real P4Runtime servers do it: top-level
 * UNKNOWN with a google.rpc.Status in grpc-status-details-bin holding one
 * Any-packed p4.v1.Error per update (OK ones included, with empty space).
 */
import * as grpc from "@grpc/grpc-js";
import type { SwitchErrorCode } from "../dataplane/api.ts";
import { encodeMessage, packAny, STATUS_DETAILS_KEY } from "./proto.ts";

/** The error space bmv2's P4Runtime server (PI) puts in every p4.v1.Error it reports. */
export const ERROR_SPACE = "ALL-sswitch-p4org";

export class P4RuntimeError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
    this.name = "P4RuntimeError";
  }
}

export const invalidArgument = (message: string): P4RuntimeError => new P4RuntimeError(grpc.status.INVALID_ARGUMENT, message);
export const notFound = (message: string): P4RuntimeError => new P4RuntimeError(grpc.status.NOT_FOUND, message);

const SWITCH_CODES: Record<SwitchErrorCode, grpc.status> = {
  NOT_FOUND: grpc.status.NOT_FOUND,
  ALREADY_EXISTS: grpc.status.ALREADY_EXISTS,
  INVALID_ARGUMENT: grpc.status.INVALID_ARGUMENT,
  RESOURCE_EXHAUSTED: grpc.status.RESOURCE_EXHAUSTED,
  FAILED_PRECONDITION: grpc.status.FAILED_PRECONDITION,
  UNIMPLEMENTED: grpc.status.UNIMPLEMENTED,
};

export function grpcCodeOfSwitchError(code: SwitchErrorCode): grpc.status {
  return SWITCH_CODES[code] ?? grpc.status.UNKNOWN;
}

/** Outcome of one update of a Write batch. */
export type UpdateOutcome = { readonly ok: true } | { readonly ok: false; readonly code: grpc.status; readonly message: string };

/**
 * Largest google.rpc.Status we put in the trailer. HTTP/2 peers refuse header
 * blocks over 64 KiB (and grpc-js then never completes the call), so a batch
 * too large to detail update by update is summarised in the status message.
 */
export const MAX_STATUS_DETAILS_BYTES = 40_000;

/** The ServiceError that carries per-update outcomes. */
export function writeFailure(outcomes: readonly UpdateOutcome[]): Partial<grpc.StatusObject> {
  const details = outcomes.map((o) =>
    packAny(
      "p4.v1.Error",
      o.ok ? { canonical_code: 0, message: "", space: "", code: 0 } : { canonical_code: o.code, message: o.message, space: ERROR_SPACE, code: 0 },
    ),
  );
  const size = details.reduce((n, d) => n + d.type_url.length + d.value.length + 8, 0);
  if (size <= MAX_STATUS_DETAILS_BYTES) return statusWithDetails(grpc.status.UNKNOWN, "", details);
  const failed = outcomes.flatMap((o, i) => (o.ok ? [] : [`#${i} ${grpc.status[o.code]}: ${o.message}`]));
  const shown = failed.slice(0, 10).join("; ");
  const message = `${failed.length} of ${outcomes.length} updates failed (too many to detail): ${shown}${failed.length > 10 ? "; ..." : ""}`;
  return statusWithDetails(grpc.status.UNKNOWN, message);
}

/** A status that also carries google.rpc.Status in its trailer (as PI does for most non-OK RPC results). */
export function statusWithDetails(code: grpc.status, message: string, details: readonly { type_url: string; value: Uint8Array }[] = []): Partial<grpc.StatusObject> {
  const metadata = new grpc.Metadata();
  metadata.set(STATUS_DETAILS_KEY, Buffer.from(encodeMessage("google.rpc.Status", { code, message, details })));
  return { code, details: message, metadata };
}

/** A plain status without the details trailer (what PI sends for arbitration and precondition failures). */
export function plainStatus(code: grpc.status, message: string): Partial<grpc.StatusObject> {
  return { code, details: message, metadata: new grpc.Metadata() };
}
