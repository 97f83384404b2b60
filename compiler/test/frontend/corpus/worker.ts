/** Child process of the corpus report: measures each program named on stdin (one JSON case per line). */
import { createInterface } from "node:readline";
import { measure } from "./measure.ts";

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === "") continue;
  process.stdout.write(`${JSON.stringify(measure(JSON.parse(line)))}\n`);
}
