/**
 * Corpus report: every program of p4c-corpus through our compiler, each in a child process
 * that is killed past a time limit (so one runaway input cannot stall the report), then the
 * figures: verdict agreement, error-line agreement, internal errors, time, and the causes of
 * every disagreement, for the whole corpus and for its held-out third.
 *
 *   node --import=tsx compiler/test/frontend/corpus/report.ts [--limit-ms N] [--list] [--seen|--held-out]
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { p4cCorpusCases, type P4cCorpusCase } from "../../../../testbench/src/conformance.ts";
import { isHeldOut, type Measurement } from "./measure.ts";
import { summarize, formatSummary } from "./summary.ts";

const args = process.argv.slice(2);
if (args.includes("--help")) {
  console.log("usage: report.ts [--limit-ms N] [--list] [--seen|--held-out]\n  --list   print every disagreement\n  --seen / --held-out   only that part of the corpus");
  process.exit(0);
}
const limitIdx = args.indexOf("--limit-ms");
const limitMs = limitIdx >= 0 ? Number(args[limitIdx + 1]) : 10_000;
let cases = p4cCorpusCases();
if (cases.length === 0) {
  console.error("p4c-corpus absent: set SLB_CONFORMANCE_DIR");
  process.exit(2);
}
if (args.includes("--seen")) cases = cases.filter((c) => !isHeldOut(c.name));
if (args.includes("--held-out")) cases = cases.filter((c) => isHeldOut(c.name));

class Worker {
  private child: ChildProcessWithoutNullStreams | undefined;
  private pending: ((m: Measurement) => void) | undefined;

  private start(): ChildProcessWithoutNullStreams {
    const child = spawn(process.execPath, ["--import=tsx", fileURLToPath(new URL("./worker.ts", import.meta.url))], { stdio: "pipe" });
    createInterface({ input: child.stdout }).on("line", (line) => this.pending?.(JSON.parse(line) as Measurement));
    child.stderr.resume();
    return child;
  }

  measure(c: P4cCorpusCase): Promise<Measurement | "timeout"> {
    const child = (this.child ??= this.start());
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        child.kill("SIGKILL");
        this.child = undefined;
        resolve("timeout");
      }, limitMs);
      this.pending = (m) => {
        clearTimeout(timer);
        this.pending = undefined;
        resolve(m);
      };
      child.stdin.write(`${JSON.stringify(c)}\n`);
    });
  }

  close(): void {
    this.child?.stdin.end();
  }
}

const worker = new Worker();
const results: Measurement[] = [];
let done = 0;
for (const c of cases) {
  const m = await worker.measure(c);
  results.push(
    m === "timeout"
      ? { name: c.name, kind: c.kind, expected: c.verdict, actual: "reject", firstError: `timeout after ${limitMs} ms`, internalError: true, ms: limitMs, heldOut: isHeldOut(c.name) }
      : m,
  );
  if (++done % 25 === 0) process.stderr.write(`${done}/${cases.length}\n`);
}
worker.close();

const byName = new Map(cases.map((c) => [c.name + c.kind, c]));
const pair = results.map((m) => ({ m, c: byName.get(m.name + m.kind)! }));
console.log("== whole corpus");
console.log(formatSummary(summarize(pair), args.includes("--list")));
console.log("\n== held-out third");
console.log(formatSummary(summarize(pair.filter((p) => p.m.heldOut)), false));
