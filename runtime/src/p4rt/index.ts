/**
 * The P4Runtime client: a Switch (one device: stream, arbitration, reconnect, Write/Read,
 * pipeline, packet-out, events), name-based entities and their builders, values and errors.
 */
export { Switch, type SwitchOptions, type PipelineConfig, type PipelineAction, type PipelineResponseType, type Atomicity } from "./switch.ts";
export * from "./entities.ts";
export { P4RuntimeError, type UpdateError, type StatusName } from "./errors.ts";
export { EventQueue, type Role, type SwitchEvent } from "./events.ts";
export { P4Schema, P4InfoError, parseP4Info, type P4Info, type MatchKind } from "./p4info.ts";
export { encodeEntity, decodeEntity, entityIdentity, entityContent } from "./codec.ts";
export { canonicalBytes, decodeValue, encodeValue, formatIpv4, formatMac, formatValue, P4ValueError, toBigint, type P4Value } from "./values.ts";
