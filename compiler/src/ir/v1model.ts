import type { IrFieldDef, IrHeaderType } from "./program.ts";

/**
 * What the bmv2 simple_switch target fixes for every v1model program: the layout of
 * standard_metadata (the switch reads these fields by name), the core errors, and the
 * legacy field aliases the switch uses to find its queueing and intrinsic metadata.
 */
const standardMetadataFields: readonly (readonly [string, number])[] = [
  ["ingress_port", 9],
  ["egress_spec", 9],
  ["egress_port", 9],
  ["instance_type", 32],
  ["packet_length", 32],
  ["enq_timestamp", 32],
  ["enq_qdepth", 19],
  ["deq_timedelta", 32],
  ["deq_qdepth", 19],
  ["ingress_global_timestamp", 48],
  ["egress_global_timestamp", 48],
  ["mcast_grp", 16],
  ["egress_rid", 16],
  ["checksum_error", 1],
  ["parser_error", 32],
  ["priority", 3],
];

function bits(name: string, width: number): IrFieldDef {
  return { name, width, signed: false, varbit: false };
}

export function standardMetadataType(): IrHeaderType {
  return { name: "standard_metadata", fields: padToBytes(standardMetadataFields.map(([n, w]) => bits(n, w)), "_padding") };
}

/** Metadata types must be whole bytes in bmv2; p4c appends a padding field. */
export function padToBytes(fields: readonly IrFieldDef[], paddingName: string): IrFieldDef[] {
  const total = fields.reduce((sum, f) => sum + (f.varbit ? 0 : f.width), 0);
  const rest = total % 8;
  return rest === 0 ? [...fields] : [...fields, bits(paddingName, 8 - rest)];
}

/** The errors of core.p4, in the order p4c numbers them. */
export const coreErrors: readonly string[] = [
  "NoError",
  "PacketTooShort",
  "NoMatch",
  "StackOutOfBounds",
  "HeaderTooShort",
  "ParserTimeout",
  "ParserInvalidArgument",
];

export const v1modelFieldAliases: readonly (readonly [string, readonly [string, string]])[] = [
  ["queueing_metadata.enq_timestamp", ["standard_metadata", "enq_timestamp"]],
  ["queueing_metadata.enq_qdepth", ["standard_metadata", "enq_qdepth"]],
  ["queueing_metadata.deq_timedelta", ["standard_metadata", "deq_timedelta"]],
  ["queueing_metadata.deq_qdepth", ["standard_metadata", "deq_qdepth"]],
  ["intrinsic_metadata.ingress_global_timestamp", ["standard_metadata", "ingress_global_timestamp"]],
  ["intrinsic_metadata.egress_global_timestamp", ["standard_metadata", "egress_global_timestamp"]],
  ["intrinsic_metadata.mcast_grp", ["standard_metadata", "mcast_grp"]],
  ["intrinsic_metadata.egress_rid", ["standard_metadata", "egress_rid"]],
  ["intrinsic_metadata.priority", ["standard_metadata", "priority"]],
];
