/**
 * The lowered program: what the BMv2 JSON describes, with names instead of numeric ids
 * (the emitter numbers everything) and with the extra facts P4Info needs (control-plane
 * names, @id annotations, match-field names as written in the source).
 *
 * It is deliberately close to the BMv2 JSON model: lowering does all the P4 work, emitting
 * is a mechanical layout.
 */

/** Where a construct came from; becomes `source_info` in the JSON. */
export interface SourceInfo {
  readonly filename: string;
  readonly line: number;
  readonly column: number;
  readonly fragment: string;
}

/** An expression as BMv2 evaluates it (arbitrary precision, so lowering adds the masks). */
export type IrExpr =
  | { readonly kind: "field"; readonly header: string; readonly field: string }
  /** A field of the last valid element of a stack (`stack.last.f` in parsers). */
  | { readonly kind: "stackField"; readonly stack: string; readonly field: string }
  /** `width` pads the hex text to whole bytes, as p4c does; null prints the bare value. */
  | { readonly kind: "const"; readonly value: bigint; readonly width: number | null }
  | { readonly kind: "bool"; readonly value: boolean }
  | { readonly kind: "header"; readonly name: string }
  | { readonly kind: "headerStack"; readonly name: string }
  | { readonly kind: "headerUnion"; readonly name: string }
  | { readonly kind: "headerUnionStack"; readonly name: string }
  /** An action parameter: `local` inside expressions, `runtime_data` as a primitive argument. */
  | { readonly kind: "param"; readonly index: number }
  /** Unary ops have `left: null`. */
  | { readonly kind: "op"; readonly op: string; readonly left: IrExpr | null; readonly right: IrExpr }
  | { readonly kind: "ternary"; readonly cond: IrExpr; readonly ifTrue: IrExpr; readonly ifFalse: IrExpr }
  | { readonly kind: "lookahead"; readonly offset: number; readonly width: number }
  | { readonly kind: "registerArray"; readonly name: string }
  | { readonly kind: "counterArray"; readonly name: string }
  | { readonly kind: "meterArray"; readonly name: string }
  | { readonly kind: "calculation"; readonly name: string }
  | { readonly kind: "fieldList"; readonly name: string }
  | { readonly kind: "externInstance"; readonly name: string }
  | { readonly kind: "string"; readonly value: string }
  /** The packet payload as a checksum input (the *_with_payload checksums). */
  | { readonly kind: "payload" }
  /** The value list of log_msg. */
  | { readonly kind: "parametersVector"; readonly values: readonly IrExpr[] }
  | { readonly kind: "parserState"; readonly name: string };

export interface IrPrimitive {
  readonly op: string;
  readonly args: readonly IrExpr[];
  readonly source: SourceInfo | null;
}

export interface IrHeaderType {
  readonly name: string;
  /** In order; a varbit field's width is its maximum (the JSON prints it as "*" plus the header's max_length). */
  readonly fields: readonly IrFieldDef[];
}

export interface IrFieldDef {
  readonly name: string;
  readonly width: number;
  readonly signed: boolean;
  readonly varbit: boolean;
}

export interface IrHeader {
  readonly name: string;
  readonly headerType: string;
  readonly metadata: boolean;
}

export interface IrHeaderStack {
  readonly name: string;
  readonly headerType: string;
  /** Element header instance names, in index order. */
  readonly headers: readonly string[];
}

export interface IrHeaderUnionType {
  readonly name: string;
  readonly members: readonly { readonly name: string; readonly headerType: string }[];
}

export interface IrHeaderUnion {
  readonly name: string;
  readonly unionType: string;
  readonly headers: readonly string[];
}

export interface IrHeaderUnionStack {
  readonly name: string;
  readonly unionType: string;
  readonly unions: readonly string[];
}

export interface IrFieldList {
  readonly name: string;
  readonly elements: readonly IrExpr[];
}

export interface IrEnum {
  readonly name: string;
  readonly entries: readonly (readonly [string, number])[];
}

export type IrParserOp =
  | { readonly op: "extract"; readonly target: IrExpr }
  | { readonly op: "extract_VL"; readonly target: IrExpr; readonly lengthBits: IrExpr }
  | { readonly op: "set"; readonly dest: IrExpr; readonly value: IrExpr }
  | { readonly op: "verify"; readonly condition: IrExpr; readonly error: IrExpr }
  | { readonly op: "advance"; readonly bits: IrExpr }
  /** Any action primitive used inside a parser (p4c emits them as op "primitive"). */
  | { readonly op: "primitive"; readonly primitive: IrPrimitive };

export type IrTransition =
  | { readonly type: "default"; readonly next: string | null }
  | { readonly type: "hexstr"; readonly value: bigint; readonly mask: bigint | null; readonly keyWidth: number; readonly next: string | null }
  | { readonly type: "parse_vset"; readonly vset: string; readonly next: string | null };

export interface IrParseState {
  readonly name: string;
  readonly ops: readonly { readonly op: IrParserOp; readonly source: SourceInfo | null }[];
  readonly key: readonly IrExpr[];
  readonly transitions: readonly IrTransition[];
}

export interface IrParser {
  readonly name: string;
  readonly initState: string;
  readonly states: readonly IrParseState[];
}

export interface IrParseVset {
  readonly name: string;
  readonly compressedBitwidth: number;
  readonly maxSize: number;
  readonly controlName: string;
  readonly bitwidths: readonly number[];
}

export interface IrDeparser {
  readonly name: string;
  readonly source: SourceInfo | null;
  readonly order: readonly string[];
  readonly primitives: readonly IrPrimitive[];
}

export interface IrStatefulArray {
  readonly name: string;
  readonly size: number;
  readonly source: SourceInfo | null;
  readonly controlName: string;
  /** From @id, otherwise computed by the P4Info emitter. */
  readonly idAnnotation: number | null;
}

export interface IrCounterArray extends IrStatefulArray {
  readonly kind: "counter";
  readonly unit: "packets" | "bytes" | "packets_and_bytes";
  /** The table a direct counter belongs to. */
  readonly directTable: string | null;
}

export interface IrMeterArray extends IrStatefulArray {
  readonly kind: "meter";
  readonly unit: "packets" | "bytes";
  readonly rateCount: number;
  readonly directTable: string | null;
  /** For direct meters: the field the color goes to. */
  readonly resultTarget: IrExpr | null;
}

export interface IrRegisterArray extends IrStatefulArray {
  readonly kind: "register";
  readonly bitwidth: number;
}

export interface IrCalculation {
  readonly name: string;
  readonly source: SourceInfo | null;
  readonly algo: string;
  readonly input: readonly IrExpr[];
}

export interface IrLearnList {
  readonly name: string;
  /** The P4 struct type name: the digest's name in P4Info. */
  readonly controlName: string;
  readonly elements: readonly IrExpr[];
  /** Names and widths of the struct members, for the P4Info type_spec. */
  readonly members: readonly { readonly name: string; readonly width: number }[];
}

export interface IrRuntimeParam {
  readonly name: string;
  readonly bitwidth: number;
  readonly idAnnotation: number | null;
  /** How P4Info shows the parameter (a `type` may be translated for the controller). */
  readonly p4info: IrControlPlaneType;
}

/**
 * A key, parameter or field as the controller sees it: its P4Info bitwidth (none for values
 * sent as strings or matched by name) and, for a declared `type`, that type's name.
 */
export interface IrControlPlaneType {
  readonly bitwidth: number | null;
  readonly typeName: string | null;
}

/** A `type` declaration seen by the controller: P4Info's type_info.new_types entry. */
export interface IrNewType {
  readonly name: string;
  readonly representation:
    | { readonly kind: "original"; readonly bitwidth: number }
    | { readonly kind: "translated"; readonly uri: string; readonly sdn: { readonly kind: "bitwidth"; readonly bitwidth: number } | { readonly kind: "string" } };
}

export interface IrAction {
  readonly name: string;
  /** Fully qualified source name for P4Info (e.g. "ingress.c.add"); null for compiler-made actions. */
  readonly controlName: string | null;
  readonly params: readonly IrRuntimeParam[];
  readonly primitives: readonly IrPrimitive[];
  readonly source: SourceInfo | null;
  readonly idAnnotation: number | null;
  readonly annotations: readonly string[];
}

export type IrMatchType = "exact" | "lpm" | "ternary" | "range" | "optional" | "selector" | "valid";

export interface IrTableKey {
  readonly matchType: IrMatchType;
  /** The key as written in the source (P4Info match-field name and JSON `name`). */
  readonly name: string;
  readonly target: IrExpr;
  readonly mask: bigint | null;
  readonly bitwidth: number;
  /** P4Info gives no bitwidth for keys of type error (they are matched by name there). */
  readonly p4info: IrControlPlaneType;
  readonly idAnnotation: number | null;
}

export type IrMatchKeyValue =
  | { readonly matchType: "exact"; readonly key: bigint; readonly width: number }
  | { readonly matchType: "lpm"; readonly key: bigint; readonly prefixLength: number; readonly width: number }
  | { readonly matchType: "ternary"; readonly key: bigint; readonly mask: bigint; readonly width: number }
  | { readonly matchType: "range"; readonly start: bigint; readonly end: bigint; readonly width: number }
  | { readonly matchType: "optional"; readonly key: bigint; readonly mask: bigint; readonly width: number };

export interface IrActionCall {
  readonly action: string;
  /** Argument values with the parameter widths (for hex padding). */
  readonly data: readonly { readonly value: bigint; readonly width: number }[];
}

export interface IrTableEntry {
  readonly source: SourceInfo | null;
  readonly matchKey: readonly IrMatchKeyValue[];
  readonly action: IrActionCall;
  readonly priority: number;
}

export interface IrTableActionRef {
  readonly action: string;
  /** P4Info scope: @tableonly / @defaultonly. */
  readonly scope: "TABLE_AND_DEFAULT" | "TABLE_ONLY" | "DEFAULT_ONLY";
  readonly annotations: readonly string[];
}

export interface IrTable {
  readonly name: string;
  /** Fully qualified source name for P4Info; null for compiler-made tables (tbl_*), which P4Info omits. */
  readonly controlName: string | null;
  readonly source: SourceInfo | null;
  readonly keys: readonly IrTableKey[];
  readonly type: "simple" | "indirect" | "indirect_ws";
  readonly actionProfile: string | null;
  /** The BMv2 JSON max_size (p4c sizes constant-entry tables to their entries). */
  readonly maxSize: number;
  /** The P4Info size: the declared size, or the default. */
  readonly p4infoSize: number;
  readonly withCounters: boolean;
  readonly directCounter: string | null;
  readonly directMeter: string | null;
  readonly supportTimeout: boolean;
  readonly actions: readonly IrTableActionRef[];
  /** Next node when no per-action rule applies (null ends the pipeline). */
  readonly baseDefaultNext: string | null;
  /** Either per-action successors or hit/miss successors, never both. */
  readonly nextTables:
    | { readonly kind: "byAction"; readonly next: ReadonlyMap<string, string | null> }
    | { readonly kind: "hitMiss"; readonly hit: string | null; readonly miss: string | null };
  readonly defaultEntry: { readonly action: IrActionCall; readonly actionConst: boolean; readonly entryConst: boolean } | null;
  readonly entries: readonly IrTableEntry[];
  readonly idAnnotation: number | null;
  readonly annotations: readonly string[];
  readonly isConstTable: boolean;
}

export interface IrActionProfile {
  readonly name: string;
  readonly controlName: string;
  readonly source: SourceInfo | null;
  readonly maxSize: number;
  readonly selector: { readonly algo: string; readonly input: readonly IrExpr[] } | null;
  readonly tables: readonly string[];
  readonly idAnnotation: number | null;
  /** P4Info's group limits, from the selector's @max_group_size / @selector_size_semantics / @max_member_weight. */
  readonly groupLimits: IrGroupLimits;
}

export interface IrGroupLimits {
  readonly maxGroupSize: number | null;
  readonly sizeSemantics: { readonly kind: "sum_of_weights" } | { readonly kind: "sum_of_members"; readonly maxMemberWeight: number | null } | null;
}

export interface IrConditional {
  readonly name: string;
  readonly source: SourceInfo | null;
  readonly expression: IrExpr;
  readonly trueNext: string | null;
  readonly falseNext: string | null;
}

export interface IrPipeline {
  readonly name: "ingress" | "egress";
  readonly source: SourceInfo | null;
  readonly initTable: string | null;
  readonly tables: readonly IrTable[];
  readonly actionProfiles: readonly IrActionProfile[];
  readonly conditionals: readonly IrConditional[];
}

export interface IrChecksum {
  readonly name: string;
  readonly source: SourceInfo | null;
  readonly target: IrExpr;
  readonly type: "generic" | "ipv4";
  readonly calculation: string;
  readonly verify: boolean;
  readonly update: boolean;
  readonly ifCond: IrExpr | null;
}

export interface IrExternInstance {
  readonly name: string;
  readonly type: string;
  readonly attributes: readonly { readonly name: string; readonly type: string; readonly value: string }[];
}

/** A P4Info controller header (@controller_header) for packet-in/out metadata. */
export interface IrControllerHeader {
  readonly name: string;
  readonly headerType: string;
  readonly fields: readonly { readonly name: string; readonly bitwidth: number; readonly idAnnotation: number | null }[];
}

/** Types P4Info describes in type_info because tables or actions use them. */
export interface IrTypeInfo {
  readonly serializableEnums: readonly { readonly name: string; readonly width: number; readonly members: readonly (readonly [string, bigint])[] }[];
  /** All error names, when an error value is matched on; null otherwise. */
  readonly errors: readonly string[] | null;
  readonly newTypes: readonly IrNewType[];
}

export interface IrProgram {
  /** The source file name as given (BMv2 `program`). */
  readonly programName: string;
  readonly arch: "v1model";
  readonly headerTypes: readonly IrHeaderType[];
  readonly headers: readonly IrHeader[];
  readonly headerStacks: readonly IrHeaderStack[];
  readonly headerUnionTypes: readonly IrHeaderUnionType[];
  readonly headerUnions: readonly IrHeaderUnion[];
  readonly headerUnionStacks: readonly IrHeaderUnionStack[];
  readonly fieldLists: readonly IrFieldList[];
  readonly errors: readonly (readonly [string, number])[];
  readonly enums: readonly IrEnum[];
  readonly parsers: readonly IrParser[];
  readonly parseVsets: readonly IrParseVset[];
  readonly deparsers: readonly IrDeparser[];
  readonly meterArrays: readonly IrMeterArray[];
  readonly counterArrays: readonly IrCounterArray[];
  readonly registerArrays: readonly IrRegisterArray[];
  readonly calculations: readonly IrCalculation[];
  readonly learnLists: readonly IrLearnList[];
  readonly actions: readonly IrAction[];
  readonly pipelines: readonly IrPipeline[];
  readonly checksums: readonly IrChecksum[];
  readonly externInstances: readonly IrExternInstance[];
  readonly fieldAliases: readonly (readonly [string, readonly [string, string]])[];
  readonly controllerHeaders: readonly IrControllerHeader[];
  readonly typeInfo: IrTypeInfo;
}
