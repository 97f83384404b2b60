/**
 * Benchmark results: each benchmark yields measurements, or "n/a" with the reason it could not
 * run (a missing tool or component), so one missing piece never hides the others' numbers.
 */
export interface Measurement {
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  /** Extra figures behind the value (distribution, run count), kept in the JSON only. */
  readonly detail?: Record<string, unknown>;
}

export type BenchOutcome =
  | { readonly kind: "measured"; readonly measurements: readonly Measurement[] }
  | { readonly kind: "na"; readonly reason: string };

export interface BenchResult {
  readonly name: string;
  readonly outcome: BenchOutcome;
  readonly seconds: number;
}

export interface Benchmark {
  readonly name: string;
  run(): Promise<BenchOutcome>;
}

export function na(reason: string): BenchOutcome {
  return { kind: "na", reason };
}

export function measured(...measurements: Measurement[]): BenchOutcome {
  return { kind: "measured", measurements };
}

function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 100 || Number.isInteger(v)) return Math.round(v).toLocaleString("en-US");
  return v.toFixed(Math.abs(v) >= 10 ? 1 : 2);
}

export function formatTable(results: readonly BenchResult[]): string {
  const rows: [string, string, string][] = [["benchmark", "metric", "value"]];
  for (const r of results) {
    if (r.outcome.kind === "na") {
      rows.push([r.name, "", `n/a: ${r.outcome.reason}`]);
      continue;
    }
    r.outcome.measurements.forEach((m, i) => rows.push([i === 0 ? r.name : "", m.metric, `${formatValue(m.value)} ${m.unit}`]));
  }
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  const lines = rows.map((r) => `${r[0].padEnd(w0)}  ${r[1].padEnd(w1)}  ${r[2]}`);
  lines.splice(1, 0, `${"-".repeat(w0)}  ${"-".repeat(w1)}  ${"-".repeat(20)}`);
  return lines.join("\n");
}

export function toJson(results: readonly BenchResult[], meta: Record<string, unknown>): string {
  return JSON.stringify(
    {
      ...meta,
      results: results.map((r) => ({
        name: r.name,
        seconds: r.seconds,
        ...(r.outcome.kind === "na" ? { na: r.outcome.reason } : { measurements: r.outcome.measurements }),
      })),
    },
    null,
    2,
  );
}

/** Runs each benchmark in turn; a throw becomes "n/a: <message>" rather than ending the run. */
export async function runBenchmarks(benchmarks: readonly Benchmark[], onResult?: (r: BenchResult) => void): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const b of benchmarks) {
    const started = performance.now();
    let outcome: BenchOutcome;
    try {
      outcome = await b.run();
    } catch (err) {
      outcome = na(`failed: ${(err as Error).message ?? String(err)}`);
    }
    const result = { name: b.name, outcome, seconds: Math.round((performance.now() - started) / 100) / 10 };
    results.push(result);
    onResult?.(result);
  }
  return results;
}
