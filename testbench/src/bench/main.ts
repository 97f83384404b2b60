/**
 * `npm run bench`: runs every benchmark, prints a table on stdout and writes .bench/results.json.
 * A benchmark whose component is missing prints "n/a: <reason>" and the others still run.
 * `--only name,name` runs a subset (names as in the table).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, resolve } from "node:path";
import { BENCHMARKS } from "./suite.ts";
import { formatTable, runBenchmarks, toJson } from "./report.ts";

export async function benchMain(args: readonly string[]): Promise<number> {
  const onlyIndex = args.indexOf("--only");
  const only = onlyIndex >= 0 ? (args[onlyIndex + 1] ?? "").split(",").map((s) => s.trim()) : undefined;
  const outIndex = args.indexOf("--out");
  const outFile = resolve(outIndex >= 0 ? (args[outIndex + 1] ?? ".bench/results.json") : ".bench/results.json");
  const selected = only ? BENCHMARKS.filter((b) => only.includes(b.name)) : BENCHMARKS;
  if (selected.length === 0) {
    console.error(`no benchmark named ${only?.join(", ")}; known: ${BENCHMARKS.map((b) => b.name).join(", ")}`);
    return 2;
  }
  const results = await runBenchmarks(selected, (r) => {
    process.stderr.write(`  ${r.name}: ${r.outcome.kind === "na" ? `n/a: ${r.outcome.reason}` : "done"} (${r.seconds} s)\n`);
  });
  console.log(formatTable(results));
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(
    outFile,
    toJson(results, { date: new Date().toISOString(), node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown" }) + "\n",
  );
  console.log(`\nresults written to ${outFile}`);
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await benchMain(process.argv.slice(2));
}
