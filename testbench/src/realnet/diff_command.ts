/**
 * What `slb net diff` runs: our model against the real simple_switch_grpc, once with each
 * requested compiler's JSON on the bmv2 side (our model always runs our compiler's JSON),
 * printing the case table of each run. Exit status 0 only when every run compared and found
 * no difference; 2 when the real bmv2 is not installed.
 */
import { realCompilerAvailable } from "../../../compiler/src/index.ts";
import { type ProgramSource, formatDifferentialReport, identical, runModelVsBmv2 } from "./differential.ts";

export type Bmv2JsonChoice = ProgramSource | "both";

export interface DiffCommandOptions {
  readonly packets: number;
  readonly seed: number;
  readonly json: Bmv2JsonChoice;
  readonly log: (line: string) => void;
}

export async function runDiffCommand(opts: DiffCommandOptions): Promise<number> {
  const sources: ProgramSource[] = opts.json === "both" ? ["p4c", "ours"] : [opts.json];
  if (opts.json === "both" && !realCompilerAvailable("bmv2")) {
    opts.log("p4c-bm2-ss is not installed: comparing with our compiler's JSON on bmv2 only");
    sources.splice(0, 1);
  }
  let status = 0;
  for (const comparedProgram of sources) {
    opts.log(`our model (our JSON) vs real simple_switch_grpc (${comparedProgram === "p4c" ? "p4c's" : "our compiler's"} JSON): ${opts.packets} packets, seed ${opts.seed}`);
    const outcome = await runModelVsBmv2({ packets: opts.packets, seed: opts.seed, comparedProgram, progress: (line) => opts.log(`  ${line}`) });
    switch (outcome.kind) {
      case "skipped":
        opts.log(outcome.reason);
        return 2;
      case "refused":
        opts.log(`${outcome.compared} refused the program or its tables:\n${outcome.message}`);
        status = 1;
        break;
      case "compared":
        opts.log(formatDifferentialReport(outcome.report));
        if (!identical(outcome.report)) status = 1;
        break;
    }
  }
  return status;
}
