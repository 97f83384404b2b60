import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { CompileOptions, CompileResult, Diagnostic } from "../driver/result.ts";
import { BMV2_COMPILER_NAMES, P4C_DRIVER_NAMES, TOFINO_COMPILER_NAMES, findTool } from "./find_tool.ts";
import { parseP4InfoText } from "./textproto.ts";

/**
 * Runs the real P4 compilers through their command lines: p4c-bm2-ss for bmv2 (v1model),
 * bf-p4c / `p4c --target tofino` for Tofino (TNA). Output files go to a temporary directory
 * and are read back; diagnostics are parsed from stderr.
 */
export function compileWithRealP4c(file: string, opts: CompileOptions = {}): CompileResult {
  return opts.target === "tofino" ? compileTofino(file, opts) : compileBmv2(file, opts);
}

/** Whether the real compiler for `target` is installed (or named by `compilerPath`). */
export function realCompilerAvailable(target: "bmv2" | "tofino" = "bmv2", compilerPath?: string): boolean {
  return findRealCompiler(target, compilerPath) !== null;
}

function findRealCompiler(target: "bmv2" | "tofino", compilerPath?: string): string | null {
  if (target === "tofino") return findTool(TOFINO_COMPILER_NAMES, compilerPath) ?? (compilerPath ? null : findTool(P4C_DRIVER_NAMES));
  return findTool(BMV2_COMPILER_NAMES, compilerPath);
}

function notInstalled(file: string, what: string): CompileResult {
  return {
    ok: false,
    diagnostics: [
      {
        severity: "error",
        message: what.includes("Tofino")
          ? `${what} is not installed (not found on PATH, $SDE_INSTALL/bin or $SDE/install/bin); install the Tofino SDE or pass the compiler's path (the builtin compiler targets bmv2 only)`
          : `${what} is not installed (not found on PATH); install p4c or pass its path, or use --compiler builtin`,
        loc: { file, line: 0, col: 0 },
      },
    ],
  };
}

function commonArgs(opts: CompileOptions): string[] {
  return [
    ...(opts.includeDirs ?? []).flatMap((d) => ["-I", d]),
    ...Object.entries(opts.defines ?? {}).flatMap(([k, v]) => ["-D", `${k}=${v}`]),
  ];
}

function compileBmv2(file: string, opts: CompileOptions): CompileResult {
  const tool = findRealCompiler("bmv2", opts.compilerPath);
  if (!tool) return notInstalled(file, "the real bmv2 compiler p4c-bm2-ss");
  const dir = mkdtempSync(join(tmpdir(), "slb-p4c-"));
  try {
    const jsonFile = join(dir, "out.json");
    const p4infoFile = join(dir, "out.p4info.txtpb");
    const run = spawnSync(tool, ["--std", "p4-16", "-o", jsonFile, "--p4runtime-files", p4infoFile, ...commonArgs(opts), resolve(file)], {
      encoding: "utf8",
      env: p4cEnvironment(tool),
    });
    const diagnostics = parseP4cDiagnostics(`${run.stderr ?? ""}${run.stdout ?? ""}`, file);
    if (run.error) return { ok: false, diagnostics: [...diagnostics, { severity: "error", message: `cannot run ${tool}: ${run.error.message}`, loc: { file, line: 0, col: 0 } }] };
    if (run.status !== 0) {
      const failed: Diagnostic = { severity: "error", message: `${tool} exited with status ${run.status}`, loc: { file, line: 0, col: 0 } };
      return { ok: false, diagnostics: diagnostics.some((d) => d.severity === "error") ? diagnostics : [...diagnostics, failed] };
    }
    const p4infoText = readFileSync(p4infoFile, "utf8");
    return {
      ok: true,
      bmv2Json: JSON.parse(readFileSync(jsonFile, "utf8")) as object,
      p4info: parseP4InfoText(p4infoText),
      p4infoText,
      diagnostics,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * p4c looks for core.p4/v1model.p4 beside its executable (`p4include`, `../p4include`,
 * `../../p4include`) and at the prefix it was configured with; a bundle unpacked into another
 * prefix keeps them in `<prefix>/share/p4c/p4include`, which p4c does not search. Name that
 * directory through P4C_16_INCLUDE_PATH unless the user already set it.
 */
export function p4cEnvironment(tool: string): NodeJS.ProcessEnv {
  if (process.env["P4C_16_INCLUDE_PATH"]) return process.env;
  const binDir = dirname(realpathSync(tool));
  const shipped = join(binDir, "..", "share", "p4c", "p4include");
  return existsSync(join(shipped, "core.p4")) ? { ...process.env, P4C_16_INCLUDE_PATH: shipped } : process.env;
}

function compileTofino(file: string, opts: CompileOptions): CompileResult {
  const tool = findRealCompiler("tofino", opts.compilerPath);
  if (!tool) return notInstalled(file, "the Tofino compiler (bf-p4c / p4c-tofino)");
  // The Tofino build is a directory of artefacts (context, bfrt, binaries); it is kept for the caller.
  const dir = mkdtempSync(join(tmpdir(), "slb-bfp4c-"));
  const p4infoFile = join(dir, "out.p4info.txtpb");
  const isDriver = /(^|\/)p4c$/.test(tool);
  const args = [
    ...(isDriver ? ["--target", "tofino"] : []),
    "--arch",
    "tna",
    "-o",
    dir,
    "--p4runtime-files",
    p4infoFile,
    ...commonArgs(opts),
    resolve(file),
  ];
  const run = spawnSync(tool, args, { encoding: "utf8", env: p4cEnvironment(tool) });
  const diagnostics = parseP4cDiagnostics(`${run.stderr ?? ""}${run.stdout ?? ""}`, file);
  if (run.error || run.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    const failed: Diagnostic = { severity: "error", message: `${tool} failed${run.error ? `: ${run.error.message}` : ` with status ${run.status}`}`, loc: { file, line: 0, col: 0 } };
    return { ok: false, diagnostics: [...diagnostics, failed] };
  }
  const p4infoText = readFileSync(p4infoFile, "utf8");
  return { ok: true, bmv2Json: { target: "tofino", outputDir: dir }, p4info: parseP4InfoText(p4infoText), p4infoText, diagnostics };
}

/**
 * p4c reports `file(line): [--Wwarn=x] warning: message` and `file(line):syntax error, ...`;
 * the lines after a report (source excerpt and caret) belong to it and are skipped.
 */
export function parseP4cDiagnostics(output: string, fallbackFile: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const line of output.split("\n")) {
    const m = /^(.+?)\((\d+)\):\s*(?:\[[^\]]*\]\s*)?(?:(error|warning):?\s*)?(.*)$/.exec(line);
    if (m) {
      out.push({ severity: m[3] === "warning" ? "warning" : "error", message: m[4]!.trim(), loc: { file: m[1]!, line: Number(m[2]), col: 1 } });
      continue;
    }
    const plain = /^(?:\[[^\]]*\]\s*)?(error|warning):\s*(.*)$/.exec(line.trim());
    if (plain) out.push({ severity: plain[1] as "error" | "warning", message: plain[2]!, loc: { file: fallbackFile, line: 0, col: 0 } });
  }
  return out;
}
