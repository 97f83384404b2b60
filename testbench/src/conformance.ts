import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../bmv2/src/package_root.ts";

/**
 * Where the ground truth of the real p4c / bmv2 lives. It is not part of this repository
 * (it is the real tools' output for p4c's public test programs), so it is looked up:
 * $SLB_CONFORMANCE_DIR, then `../shared/conformance` beside the checkout, then the
 * workplace's fixed location.
 */
export function conformanceDir(): string | undefined {
  const repoRoot = packageRoot(import.meta.url);
  const candidates = [
    process.env["SLB_CONFORMANCE_DIR"],
    join(repoRoot, "../shared/conformance"),
    "/work/shared/conformance",
  ];
  return candidates.find((c): c is string => c !== undefined && existsSync(join(c, "README.md")));
}

export interface V1modelCase {
  readonly name: string;
  readonly p4File: string;
  readonly stfFile: string;
  readonly jsonFile: string;
  readonly p4infoFile: string;
  /** Result of the STF test on the real bmv2 (`pass` for every listed test). */
  readonly realBmv2: string;
}

/** The v1model test programs listed in index.tsv, or [] when the corpus is absent. */
export function v1modelCases(): readonly V1modelCase[] {
  const dir = conformanceDir();
  if (!dir) return [];
  const v1 = join(dir, "v1model");
  return readFileSync(join(v1, "index.tsv"), "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const [name, result] = line.split("\t") as [string, string];
      return {
        name,
        p4File: join(v1, `${name}.p4`),
        stfFile: join(v1, `${name}.stf`),
        jsonFile: join(v1, `${name}.json`),
        p4infoFile: join(v1, `${name}.p4info.txtpb`),
        realBmv2: result ?? "",
      };
    });
}

export interface P4cCorpusCase {
  readonly kind: "v1model" | "errors";
  readonly name: string;
  readonly p4File: string;
  /** Verdict of the real p4c-bm2-ss on the program. */
  readonly verdict: "accept" | "reject";
  /** Line of p4c's first error, for rejected error programs whose first message names one. */
  readonly firstErrorLine?: number;
}

/** The programs of p4c-corpus/index.tsv (verdicts of the real p4c), or [] when the corpus is absent. */
export function p4cCorpusCases(): readonly P4cCorpusCase[] {
  const dir = conformanceDir();
  if (!dir || !existsSync(join(dir, "p4c-corpus", "index.tsv"))) return [];
  const root = join(dir, "p4c-corpus");
  return readFileSync(join(root, "index.tsv"), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("#"))
    .map((line) => {
      const [kind, name, verdict, errorLine] = line.split("\t") as [string, string, string, string | undefined];
      if ((kind !== "v1model" && kind !== "errors") || (verdict !== "accept" && verdict !== "reject")) {
        throw new Error(`p4c-corpus/index.tsv: malformed line ${JSON.stringify(line)}`);
      }
      const lineNo = errorLine?.trim() ? Number(errorLine.trim()) : undefined;
      return {
        kind,
        name,
        p4File: join(root, kind, `${name}.p4`),
        verdict,
        ...(lineNo !== undefined ? { firstErrorLine: lineNo } : {}),
      };
    });
}
