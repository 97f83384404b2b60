/**
 * P4Runtime actions <-> data-plane action calls: ids checked against the
 * P4Info, parameters against their widths (short and zero-padded encodings
 * accepted, as simple_switch_grpc does), answers in canonical bytes.
 */
import type { ActionCall } from "../dataplane/api.ts";
import { bytesToBigint, canonicalBytes, fitsWidth } from "./bytes.ts";
import type { Action } from "./messages.ts";
import type { P4InfoIndex, P4InfoTable } from "./p4info_index.ts";
import { invalidArgument } from "./status.ts";

export const INVALID_ID = "Invalid P4 id";

/** Value of a bytestring that must fit `bitwidth` bits (leading zeros and short encodings accepted). */
export function bitstring(bytes: Uint8Array | undefined, bitwidth: number): bigint {
  const value = bytesToBigint(bytes ?? new Uint8Array());
  if (!fitsWidth(value, bitwidth)) throw invalidArgument(`Bytestring provided does not fit within ${bitwidth} bits`);
  return value;
}

/** A direct action for `table`: known, allowed in the table (and in this position), with well-formed params. */
export function translateAction(index: P4InfoIndex, table: P4InfoTable | undefined, action: Action, asDefault: boolean): ActionCall {
  const info = action.action_id ? index.actions.get(action.action_id) : undefined;
  if (!info) throw invalidArgument(INVALID_ID);
  if (table) {
    const ref = index.actionRef(table.preamble.id, info.preamble.id);
    if (!ref) throw invalidArgument(`Action ${info.preamble.id} is not valid for table ${table.preamble.id}`);
    if (asDefault && ref.scope === "TABLE_ONLY") throw invalidArgument(`Action ${info.preamble.id} cannot be the default action of table ${table.preamble.id}`);
    if (!asDefault && ref.scope === "DEFAULT_ONLY") throw invalidArgument(`Action ${info.preamble.id} can only be the default action of table ${table.preamble.id}`);
  }
  return { action: info.preamble.name, args: translateParams(index, info.preamble.id, action) };
}

export function translateParams(index: P4InfoIndex, actionId: number, action: Action): bigint[] {
  const params = index.params(actionId);
  const given = action.params ?? [];
  if (given.length !== params.length) throw invalidArgument("Unexpected number of action parameters");
  const byId = new Map<number, Uint8Array | undefined>();
  for (const p of given) {
    if (!params.some((d) => d.id === p.param_id)) throw invalidArgument("Unknown action parameter");
    if (byId.has(p.param_id ?? 0)) throw invalidArgument("Duplicate action parameter");
    byId.set(p.param_id ?? 0, p.value);
  }
  return params.map((d) => bitstring(byId.get(d.id), d.bitwidth));
}

/** The P4Runtime form of a data-plane action call (undefined when the P4Info does not know the action). */
export function actionToP4Runtime(index: P4InfoIndex, call: ActionCall): Action | undefined {
  const info = index.actions.get(call.action);
  if (!info) return undefined;
  const params = index.params(info.preamble.id);
  return {
    action_id: info.preamble.id,
    params: params.map((p, i) => ({ param_id: p.id, value: canonicalBytes(call.args[i] ?? 0n) })),
  };
}
