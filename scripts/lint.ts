/**
 * Project lint rules the type checker cannot express. Prints file:line: message for each
 * finding and exits 1 if there is any.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const ROOTS = ["compiler", "bmv2", "runtime", "testbench", "p4", "scripts", "bin"];
const SKIP_DIRS = new Set(["node_modules", ".git", "out"]);

interface Rule {
  readonly message: string;
  readonly applies: (file: string) => boolean;
  readonly bad: (line: string) => boolean;
}

const isCode = (f: string) => f.endsWith(".ts") || f.endsWith(".js");
const rules: readonly Rule[] = [
  { message: "focused test (.only) would silently skip the rest of the suite", applies: isCode, bad: (l) => /\btest\.only\(|\btest\.serial\.only\(/.test(l) },
  { message: "debugger statement", applies: isCode, bad: (l) => /^\s*debugger;?\s*$/.test(l) },
  {
    message: "relative import without a .ts/.js extension (ESM needs the file name)",
    applies: isCode,
    bad: (l) => /^\s*(import|export)\b.*\bfrom\s+["']\.{1,2}\/[^"']*["']/.test(l) && !/from\s+["'][^"']*\.(ts|js|json)["']/.test(l),
  },
  { message: "trailing whitespace", applies: (f) => isCode(f) || f.endsWith(".p4"), bad: (l) => /[ \t]+$/.test(l) },
  { message: "tab indentation", applies: isCode, bad: (l) => /^\t/.test(l) },
];

function* walk(dir: string): Generator<string> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (SKIP_DIRS.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}

let findings = 0;
for (const root of ROOTS) {
  for (const file of walk(root)) {
    const active = rules.filter((r) => r.applies(file));
    if (active.length === 0) continue;
    const lines = readFileSync(file, "utf8").split("\n");
    lines.forEach((line, i) => {
      for (const rule of active) {
        if (rule.bad(line)) {
          console.log(`${relative(".", file)}:${i + 1}: ${rule.message}`);
          findings++;
        }
      }
    });
  }
}
if (findings > 0) {
  console.log(`${findings} finding(s)`);
  process.exitCode = 1;
} else {
  console.log("lint: clean");
}
