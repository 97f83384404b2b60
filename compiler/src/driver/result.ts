import type { Diagnostic } from "../diagnostics/diagnostic.ts";

export type { Diagnostic };

export interface CompileOptions {
  /** Extra directories searched by `#include`. */
  readonly includeDirs?: readonly string[];
  /** `-D NAME=VALUE` macros. */
  readonly defines?: Readonly<Record<string, string>>;
  /** Target: bmv2 (v1model) or tofino (TNA, real compiler only). */
  readonly target?: "bmv2" | "tofino";
  /** Path of the real compiler executable, when not found on PATH. */
  readonly compilerPath?: string;
}

export type CompileResult =
  | {
      readonly ok: true;
      /** BMv2 JSON (for tofino: the compiler's context/bfrt output is not modelled, this holds its manifest). */
      readonly bmv2Json: object;
      /** P4Info as a plain object with proto field names. */
      readonly p4info: object;
      /** P4Info in protobuf text format. */
      readonly p4infoText: string;
      readonly diagnostics: Diagnostic[];
    }
  | { readonly ok: false; readonly diagnostics: Diagnostic[] };

export type CompilerChoice = "builtin" | "p4c";
