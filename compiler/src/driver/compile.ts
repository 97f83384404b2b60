import { emitBmv2Json } from "../emit/bmv2_json.ts";
import { emitP4Info } from "../emit/p4info.ts";
import { printP4InfoText } from "../emit/p4info_text.ts";
import { runFrontend } from "../frontend.ts";
import type { IrProgram } from "../ir/program.ts";
import { crashMessage } from "../diagnostics/diagnostic.ts";
import { lowerProgram } from "../lower/program.ts";
import { LowerError } from "../lower/types.ts";
import { compileWithRealP4c } from "../real/p4c.ts";
import type { CompileOptions, CompileResult, CompilerChoice, Diagnostic } from "./result.ts";

/**
 * Compiles a P4_16 v1model program with the builtin compiler: front end (parse + check),
 * lowering to the bmv2 IR, then BMv2 JSON and P4Info. Never throws for a bad program:
 * problems come back as diagnostics.
 */
export function compileFile(path: string, opts: CompileOptions = {}): CompileResult {
  if (opts.target === "tofino") {
    return { ok: false, diagnostics: [internal(path, "the builtin compiler targets bmv2 only; compile TNA programs with --compiler p4c (bf-p4c)")] };
  }
  const frontend = runFrontend(path, {
    ...(opts.includeDirs ? { includeDirs: [...opts.includeDirs] } : {}),
    ...(opts.defines ? { defines: { ...opts.defines } } : {}),
  });
  if (!frontend.program) return { ok: false, diagnostics: frontend.diagnostics };
  let ir: IrProgram;
  try {
    ir = lowerProgram(frontend.program, path);
  } catch (err) {
    if (err instanceof LowerError) return { ok: false, diagnostics: [...frontend.diagnostics, { severity: "error", message: err.message, loc: err.loc }] };
    return { ok: false, diagnostics: [...frontend.diagnostics, internal(path, err instanceof RangeError ? crashMessage(err) : `internal compiler error: ${(err as Error).stack ?? String(err)}`)] };
  }
  return emitAll(ir, frontend.diagnostics);
}

/** The outputs for an IR program (also used by tests that build IR by hand). */
export function emitAll(ir: IrProgram, diagnostics: Diagnostic[] = []): CompileResult {
  const p4info = emitP4Info(ir);
  return { ok: true, bmv2Json: emitBmv2Json(ir), p4info, p4infoText: printP4InfoText(p4info), diagnostics };
}

/** Compiles with the chosen compiler: ours, or the real p4c found on PATH. */
export function compileFileWith(compiler: CompilerChoice, path: string, opts: CompileOptions = {}): CompileResult {
  return compiler === "p4c" ? compileWithRealP4c(path, opts) : compileFile(path, opts);
}

function internal(file: string, message: string): Diagnostic {
  return { severity: "error", message, loc: { file, line: 0, col: 0 } };
}
