import { readFileSync } from "node:fs";
import { createSwitch } from "../../../bmv2/src/dataplane/index.ts";
import { formatDiagnosticHeadline } from "../../src/diagnostics/format.ts";
import { compileFile } from "../../src/index.ts";
import { parseP4InfoText } from "../../src/real/textproto.ts";
import type { V1modelCase } from "../../../testbench/src/conformance.ts";
import { runStf } from "../../../testbench/src/stf/index.ts";
import { compareBmv2Json, compareP4Info } from "./compare.ts";

/** How our compiler did on one conformance program. */
export interface CaseOutcome {
  readonly name: string;
  readonly compiled: boolean;
  readonly compileErrors: readonly string[];
  readonly structureDiffs: readonly string[];
  /** Our P4Info text is byte-identical to real p4c's. */
  readonly p4infoIdentical: boolean;
  readonly stfPassed: boolean;
  readonly stfFailures: readonly string[];
}

export function evaluateCase(c: V1modelCase): CaseOutcome {
  const result = compileFile(c.p4File);
  if (!result.ok) {
    return {
      name: c.name,
      compiled: false,
      compileErrors: result.diagnostics.filter((d) => d.severity === "error").map(formatDiagnosticHeadline),
      structureDiffs: [],
      p4infoIdentical: false,
      stfPassed: false,
      stfFailures: [],
    };
  }
  const realJson = JSON.parse(readFileSync(c.jsonFile, "utf8"));
  const realP4InfoText = readFileSync(c.p4infoFile, "utf8");
  const realP4Info = parseP4InfoText(realP4InfoText);
  const ourJson = JSON.parse(JSON.stringify(result.bmv2Json));
  const structureDiffs = [...compareBmv2Json(ourJson, realJson), ...compareP4Info(result.p4info, realP4Info)];
  let stfPassed = false;
  let stfFailures: string[] = [];
  try {
    const sw = createSwitch();
    sw.loadPipeline(ourJson as unknown);
    const stf = runStf(readFileSync(c.stfFile, "utf8"), sw);
    stfPassed = stf.passed && stf.packetsSent > 0;
    stfFailures = [...stf.failures];
  } catch (err) {
    stfFailures = [`switch rejected our JSON: ${(err as Error).message}`];
  }
  return { name: c.name, compiled: true, compileErrors: [], structureDiffs, p4infoIdentical: result.p4infoText === realP4InfoText, stfPassed, stfFailures };
}
