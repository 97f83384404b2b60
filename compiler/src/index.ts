/**
 * Public API of the slb P4 compiler.
 *
 *   compileFile(path, { includeDirs?, defines?, target? }) -> CompileResult  (builtin compiler)
 *   compileFileWith("builtin" | "p4c", path, opts)          -> CompileResult
 *
 * A successful result holds the BMv2 JSON, the P4Info (plain object with proto field names)
 * and the P4Info in protobuf text format.
 */
export { compileFile, compileFileWith, emitAll } from "./driver/compile.ts";
export type { CompileOptions, CompileResult, CompilerChoice, Diagnostic } from "./driver/result.ts";
export { realCompilerAvailable, compileWithRealP4c } from "./real/p4c.ts";
export { emitBmv2Json } from "./emit/bmv2_json.ts";
export { emitP4Info, type P4InfoObject } from "./emit/p4info.ts";
export { printP4InfoText } from "./emit/p4info_text.ts";
export { parseP4InfoText } from "./real/textproto.ts";
export type { IrProgram } from "./ir/program.ts";
