/**
 * Failed P4Runtime calls as one typed error: the gRPC status, its message, and for Write the
 * per-update p4.v1.Error list from the grpc-status-details-bin trailer (P4Runtime spec 12.3).
 */
import { status as GrpcStatus, type ServiceError } from "@grpc/grpc-js";
import { writeErrors } from "../../../bmv2/src/p4runtime/proto.ts";

export type StatusName = keyof typeof GrpcStatus;

const NAME_BY_CODE = new Map<number, StatusName>(
  (Object.entries(GrpcStatus) as [StatusName, number | string][]).filter((e): e is [StatusName, number] => typeof e[1] === "number").map(([n, c]) => [c, n]),
);

export function statusName(code: number): StatusName {
  return NAME_BY_CODE.get(code) ?? "UNKNOWN";
}

/** The outcome of one update of a failed batch; `code` OK for the updates that were applied. */
export interface UpdateError {
  /** Position of the update in the batch. */
  readonly index: number;
  readonly code: StatusName;
  readonly message: string;
  /** Target-specific error space and code, when the switch gives them. */
  readonly space: string;
  readonly targetCode: number;
}

export class P4RuntimeError extends Error {
  override readonly name = "P4RuntimeError";

  constructor(
    /** The gRPC status of the call, e.g. "PERMISSION_DENIED", or "UNKNOWN" for a Write where some updates failed. */
    readonly code: StatusName,
    /** The RPC that failed ("Write", "Read", "SetForwardingPipelineConfig", ...). */
    readonly rpc: string,
    message: string,
    /** One per update of a failed Write, in batch order (empty when the switch sent no details). */
    readonly details: readonly UpdateError[] = [],
  ) {
    super(P4RuntimeError.describe(code, rpc, message, details));
  }

  /** The updates that did not apply. */
  get failures(): readonly UpdateError[] {
    return this.details.filter((d) => d.code !== "OK");
  }

  static fromGrpc(rpc: string, err: ServiceError): P4RuntimeError {
    const details = writeErrors(err.metadata).map((e, index) => ({
      index,
      code: statusName(e.canonical_code),
      message: e.message,
      space: e.space,
      targetCode: e.code,
    }));
    return new P4RuntimeError(statusName(err.code), rpc, err.details ?? err.message, details);
  }

  private static describe(code: StatusName, rpc: string, message: string, details: readonly UpdateError[]): string {
    const failed = details.filter((d) => d.code !== "OK").map((d) => `#${d.index} ${d.code}${d.message ? ` (${d.message})` : ""}`);
    return `${rpc} failed: ${code}${message ? ` ${message}` : ""}${failed.length ? `; updates: ${failed.join(", ")}` : ""}`;
  }
}

export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === "number" && "metadata" in err;
}
