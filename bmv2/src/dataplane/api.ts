/**
 * The control-plane surface of the switch model, in BMv2 JSON names.
 *
 * This is the contract between the data plane (which implements it) and its
 * users: the P4Runtime server (which maps P4Info ids onto these names), the
 * STF runner and in-process tests. It mirrors what bmv2's own runtime
 * interface offers (mt_add_entry, mt_set_default_action, act_prof_*, ...),
 * so that the P4Runtime layer above it can be the same for our model and
 * for a real bmv2 driven through its own interfaces.
 *
 * Values are bigints in host order; widths come from the loaded JSON and
 * every call checks them. Errors are thrown as SwitchError with a code the
 * P4Runtime layer turns into a gRPC status.
 */

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

export type PortNumber = Brand<number, "PortNumber">;
export type EntryHandle = Brand<number, "EntryHandle">;
export type MemberHandle = Brand<number, "MemberHandle">;
export type GroupHandle = Brand<number, "GroupHandle">;

export const port = (n: number): PortNumber => n as PortNumber;

/** v1model drop port, as simple_switch uses it by default. */
export const DROP_PORT = port(511);

/** v1model port numbers are 9 bits (standard_metadata.ingress_port / egress_spec). */
export const PORT_LIMIT = 512;

/**
 * Largest frame the switch takes or sends by default: a 9000-byte jumbo MTU plus
 * Ethernet and VLAN headers, the common ceiling of data-centre switch ports.
 * bmv2 itself has no limit of its own; its interfaces' MTU drops larger frames.
 */
export const MAX_FRAME_BYTES = 9216;

export type SwitchErrorCode =
  | "NOT_FOUND" // unknown table/action/entry/member/group/index out of a register's range
  | "ALREADY_EXISTS" // duplicate key, duplicate member
  | "INVALID_ARGUMENT" // wrong width, wrong param count, bad prefix/mask, wrong key kind
  | "RESOURCE_EXHAUSTED" // table or group full
  | "FAILED_PRECONDITION" // no pipeline loaded, entry still referenced
  | "UNIMPLEMENTED";

export class SwitchError extends Error {
  constructor(
    readonly code: SwitchErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "SwitchError";
  }
}

/** One key field of a table entry, in the order of the table's "key" array in the JSON. */
export type MatchParam =
  | { readonly kind: "exact"; readonly value: bigint }
  | { readonly kind: "lpm"; readonly value: bigint; readonly prefixLength: number }
  | { readonly kind: "ternary"; readonly value: bigint; readonly mask: bigint }
  | { readonly kind: "range"; readonly low: bigint; readonly high: bigint }
  /** optional: `value: null` is the wildcard */
  | { readonly kind: "optional"; readonly value: bigint | null }
  | { readonly kind: "valid"; readonly valid: boolean };

/** A concrete action call: action name as in the JSON "actions" array, arguments in declaration order. */
export interface ActionCall {
  readonly action: string;
  readonly args: readonly bigint[];
}

/** What a table entry executes: a direct action, or (for tables with an action profile) a member or group. */
export type EntryAction =
  | { readonly kind: "action"; readonly call: ActionCall }
  | { readonly kind: "member"; readonly member: MemberHandle }
  | { readonly kind: "group"; readonly group: GroupHandle };

export interface CounterValue {
  readonly bytes: bigint;
  readonly packets: bigint;
}

/** Two-rate three-color meter config (rates in units per microsecond as bmv2 takes them, bursts in units). */
export interface MeterRate {
  readonly infoRate: number;
  readonly burstSize: number;
}
export type MeterConfig = readonly [MeterRate, MeterRate];

export interface TableEntryView {
  readonly handle: EntryHandle;
  readonly key: readonly MatchParam[];
  /** Higher wins (P4Runtime convention). Zero for tables without ternary/range/optional keys. */
  readonly priority: number;
  readonly action: EntryAction;
  readonly counter?: CounterValue;
  readonly meter?: MeterConfig;
  /** true for entries from the program's `const entries` / `entries`. */
  readonly isConst: boolean;
}

export interface TableInfo {
  readonly name: string;
  readonly keys: readonly { readonly name: string; readonly matchType: MatchParam["kind"]; readonly bitwidth: number }[];
  readonly actions: readonly string[];
  readonly size: number;
  readonly actionProfile?: string;
  readonly withCounters: boolean;
  readonly withMeters: boolean;
  readonly constDefaultAction: boolean;
}

export interface Digest {
  /** learn_list / field list name from the JSON (v1model `digest<T>` type name). */
  readonly name: string;
  /** Field values in the list's order. */
  readonly values: readonly bigint[];
}

export interface CloneSessionConfig {
  readonly replicas: readonly { readonly port: PortNumber; readonly instance: number }[];
  readonly classOfService?: number;
  /** Truncate clones to this many bytes; 0 means no truncation. */
  readonly packetLengthBytes?: number;
}

/** The tables, counters, registers... of the loaded program, in JSON names. */
export interface ControlPlane {
  tableInfo(table: string): TableInfo;
  tableAdd(table: string, key: readonly MatchParam[], action: EntryAction, priority?: number): EntryHandle;
  tableModify(table: string, handle: EntryHandle, action: EntryAction): void;
  tableDelete(table: string, handle: EntryHandle): void;
  /** Finds the entry with exactly this key (and priority, for ternary tables); undefined when absent. */
  tableFind(table: string, key: readonly MatchParam[], priority?: number): EntryHandle | undefined;
  tableEntries(table: string): readonly TableEntryView[];
  /** One installed entry by handle (undefined when absent), without viewing the whole table. */
  tableEntry(table: string, handle: EntryHandle): TableEntryView | undefined;
  tableClear(table: string): void;
  tableSetDefault(table: string, call: ActionCall): void;
  tableResetDefault(table: string): void;
  tableGetDefault(table: string): ActionCall;
  directCounterRead(table: string, handle: EntryHandle): CounterValue;
  directCounterWrite(table: string, handle: EntryHandle, value: CounterValue): void;
  directMeterSet(table: string, handle: EntryHandle, config: MeterConfig | undefined): void;

  memberAdd(profile: string, call: ActionCall): MemberHandle;
  memberModify(profile: string, member: MemberHandle, call: ActionCall): void;
  memberDelete(profile: string, member: MemberHandle): void;
  groupCreate(profile: string): GroupHandle;
  groupDelete(profile: string, group: GroupHandle): void;
  groupAddMember(profile: string, group: GroupHandle, member: MemberHandle): void;
  groupRemoveMember(profile: string, group: GroupHandle, member: MemberHandle): void;
  groupMembers(profile: string, group: GroupHandle): readonly MemberHandle[];

  counterRead(counter: string, index: number): CounterValue;
  counterWrite(counter: string, index: number, value: CounterValue): void;
  counterSize(counter: string): number;
  registerRead(register: string, index: number): bigint;
  registerWrite(register: string, index: number, value: bigint): void;
  registerSize(register: string): number;
  meterSet(meter: string, index: number, config: MeterConfig | undefined): void;

  valueSetAdd(valueSet: string, value: bigint, mask: bigint): void;
  valueSetRemove(valueSet: string, value: bigint, mask: bigint): void;

  /** Packet replication engine. */
  multicastGroupSet(group: number, replicas: readonly { readonly port: PortNumber; readonly instance: number }[]): void;
  multicastGroupDelete(group: number): void;
  cloneSessionSet(session: number, config: CloneSessionConfig): void;
  cloneSessionDelete(session: number): void;

  /** JSON names of all tables of the loaded program; absent on implementations that cannot tell. */
  tableNames?(): readonly string[];
  /** Parameters of an action, in order (lets callers name action data); absent on implementations that cannot tell. */
  actionParams?(action: string): readonly ActionParamInfo[];
}

export interface ActionParamInfo {
  readonly name: string;
  readonly bitwidth: number;
}

export interface SwitchOptions {
  /** Port that packet-in/out go through (simple_switch `--cpu-port`); undefined: no CPU port. */
  readonly cpuPort?: PortNumber;
  readonly dropPort?: PortNumber;
  /**
   * The switch's ports. Frames injected on other ports (the CPU port aside) and frames the
   * pipeline sends to other ports are dropped and counted (unknown_port_drops). Undefined:
   * every v1model port number (0..511 but the drop port) is a port.
   */
  readonly ports?: readonly PortNumber[];
  /** Frames longer than this, received or about to be sent, are dropped and counted (oversize_drops). Default MAX_FRAME_BYTES. */
  readonly maxFrameBytes?: number;
  /** Clock in microseconds (v1model timestamps); tests inject a fake one. */
  readonly clockMicros?: () => bigint;
  readonly log?: (line: string) => void;
}

export type EgressListener = (port: PortNumber, frame: Uint8Array) => void;
export type DigestListener = (digest: Digest) => void;

/** A running switch: one loaded program, ports, a control plane. */
export interface SwitchModel {
  /** Compiles the BMv2 JSON into closures and swaps it in; all table state is reset. Throws SwitchError(INVALID_ARGUMENT) on a bad config. */
  loadPipeline(bmv2Json: unknown): void;
  readonly loaded: boolean;
  readonly control: ControlPlane;
  /** Runs one frame through the pipeline (and any resubmits, recirculations, clones) to completion. */
  inject(ingressPort: PortNumber, frame: Uint8Array): void;
  onEgress(listener: EgressListener): () => void;
  onDigest(listener: DigestListener): () => void;
  /**
   * Per-switch counts the data plane keeps for itself (packets in/out, parser errors, drops).
   * `dropped` counts every copy the switch discarded and is the sum of the *_drops reasons
   * plus internal_errors and assertion_failures.
   */
  stats(): Readonly<Record<string, number>>;
}
