/**
 * Inputs that could make the compiler take unbounded time or memory are cut off with a located
 * diagnostic: p4c's 2048-bit width limit, constant size, macro expansion, bracket nesting,
 * statement length, include cycles, and chains deep enough to exhaust the stack.
 */
import test from "ava";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileFile } from "../../src/index.ts";

const ARCH = `
control C(inout bit<8> x);
package Top(C c);
`;

function firstError(source: string, name = "t.p4"): { line: number; col: number; message: string } {
  const dir = mkdtempSync(join(tmpdir(), "slb-bounds-"));
  try {
    const file = join(dir, name);
    writeFileSync(file, source);
    const result = compileFile(file);
    const e = result.diagnostics.find((d) => d.severity === "error");
    if (result.ok || e === undefined) throw new Error("expected an error");
    return { line: e.loc.line, col: e.loc.col, message: e.message };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("a shift past 2048 bits is refused at the shift, as p4c does", (t) => {
  const e = firstError("const int a = 1985245330 << 903012108;\n");
  t.deepEqual([e.line, e.col], [1, 15]);
  t.regex(e.message, /widths up to 2048/);
});

test("types and literals wider than 2048 bits are refused", (t) => {
  t.regex(firstError(`${ARCH}control c(inout bit<5000> x) { apply { } }\n`).message, /bit width 5000/);
  t.regex(firstError("const bit<8> d = 3000w5;\n").message, /width 3000 is too large/);
});

test("unsized constants cannot grow without bound", (t) => {
  const square = (e: string, n: number): string => (n === 0 ? e : square(`(${e})*(${e})`, n - 1));
  t.regex(firstError(`const int a = ${square("(1 << 2000)", 6)};\n`).message, /constant value too large/);
});

test("macros that double at every level stop at the expansion limit", (t) => {
  const defs = Array.from({ length: 40 }, (_, i) => `#define M${i + 1} M${i} M${i}`).join("\n");
  const e = firstError(`${defs}\n#define M0 x\nconst bit<8> y = M40;\n`);
  t.is(e.line, 42);
  t.regex(e.message, /expansion of macro 'M\d+' is too large/);
});

test("deep nesting and over-long statements are refused before parsing", (t) => {
  t.regex(firstError(`const bit<8> y = ${"(".repeat(100_000)}1${")".repeat(100_000)};\n`).message, /nested too deeply/);
  t.regex(firstError(`const bit<8> y = 1${"+1".repeat(200_000)};\n`).message, /statement too long/);
});

test("an else-if chain too long for the parser's recursion is refused at the first else too many", (t) => {
  const chain = Array.from({ length: 30_000 }, (_, i) => ` else if (x == ${i % 250}) { x = 2; }`).join("");
  const e = firstError(`${ARCH}control c(inout bit<8> x) { apply { if (x == 0) { x = 1; }${chain} } }\nTop(c()) main;\n`);
  t.regex(e.message, /too many 'else' branches/);
  t.is(e.line, 4);
});

test("a file that includes itself stops at the include depth limit", (t) => {
  const e = firstError('#include "self.p4"\nconst bit<8> y = 1;\n', "self.p4");
  t.regex(e.message, /nested too deeply|include/);
  t.is(e.line, 1);
});
