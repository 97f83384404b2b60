/**
 * Stacks of header unions (bmv2 `header_union_stacks`): our JSON declares them as p4c's does,
 * and on the real simple_switch a program that extracts into, reads, copies, pops and pushes
 * such a stack sends out what it sends out with p4c's JSON.
 */
import test from "ava";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bmv2StfUnavailable, runStfOnBmv2 } from "../../../testbench/src/stf/bmv2.ts";
import { compileFile, compileWithRealP4c, realCompilerAvailable } from "../../src/index.ts";

const PROGRAM = join(dirname(fileURLToPath(import.meta.url)), "programs", "union_stack.p4");

interface UnionStackJson {
  header_union_stacks: { name: string; union_type: string; size: number; header_union_ids: number[] }[];
  header_unions: { name: string; id: number; union_type: string; header_ids: number[] }[];
  headers: { name: string; id: number; header_type: string }[];
}

/** Each union stack as its name, union type and, per element, the member headers' names and types. */
function unionStacks(json: object): unknown[] {
  const j = json as UnionStackJson;
  return j.header_union_stacks.map((s) => ({
    name: s.name,
    unionType: s.union_type,
    elements: s.header_union_ids.map((id) => {
      const u = j.header_unions.find((x) => x.id === id)!;
      return { name: u.name, members: u.header_ids.map((h) => j.headers.find((x) => x.id === h)).map((h) => `${h?.name}:${h?.header_type}`) };
    }),
  }));
}

const ours = compileFile(PROGRAM);

test("a stack of header unions compiles to a header union stack whose elements are unions named like p4c's", (t) => {
  t.true(ours.ok, ours.diagnostics.map((d) => d.message).join("\n"));
  if (!ours.ok) return;
  t.deepEqual(unionStacks(ours.bmv2Json), [
    { name: "opts", unionType: "option_t", elements: [
      { name: "opts[0]", members: ["opts[0].s:short_t", "opts[0].l:long_t"] },
      { name: "opts[1]", members: ["opts[1].s:short_t", "opts[1].l:long_t"] },
    ] },
    { name: "saved", unionType: "option_t", elements: [
      { name: "saved[0]", members: ["saved[0].s:short_t", "saved[0].l:long_t"] },
      { name: "saved[1]", members: ["saved[1].s:short_t", "saved[1].l:long_t"] },
    ] },
  ]);
});

const ETH = "000000000001" + "00000000000"; // destination, then the source without its last digit
const frame = (srcLast: string, options: string) => `${ETH}${srcLast}1234${options}`;
const SHORT = "0105";
const LONG = "02abcdef";

const unavailable = !realCompilerAvailable("bmv2") ? "p4c-bm2-ss not installed" : bmv2StfUnavailable();
if (unavailable) {
  test.skip(`union stacks on real bmv2 (skipped: ${unavailable})`, () => {});
} else {
  test("on real simple_switch our JSON moves a union stack as the program says, and as p4c's JSON does", async (t) => {
    if (!ours.ok) return t.fail("our compiler rejects the program");
    const real = compileWithRealP4c(PROGRAM);
    if (!real.ok) return t.fail("real p4c rejects the program");
    const cases = [
      // Source bit 0 with two options: the first is popped, the second moves up (port 2).
      { input: frame("1", SHORT + LONG), port: 2, output: frame("1", LONG) },
      // Source bit 1: pushed down, element 0 set from the saved second option (port 3).
      { input: frame("2", SHORT + LONG), port: 3, output: frame("2", LONG + "0106") },
      // Source bit 2: the stack is restored from its copy, undoing the increment (port 4).
      { input: frame("4", SHORT + SHORT), port: 4, output: frame("4", SHORT + SHORT) },
      // Nothing else: only the short first option's value is incremented (port 1).
      { input: frame("0", SHORT + LONG), port: 1, output: frame("0", "0106" + LONG) },
      { input: frame("0", LONG + "0309"), port: 1, output: frame("0", LONG + "0309") },
    ];
    const stf = cases.map((c) => `packet 0 ${c.input}\nexpect ${c.port} ${c.output}`).join("\n");
    const fromOurs = await runStfOnBmv2(stf, ours.bmv2Json);
    t.deepEqual(fromOurs.failures, []);
    const fromReal = await runStfOnBmv2(stf, real.bmv2Json);
    t.deepEqual(fromReal.failures, [], "p4c's JSON does the same");
  });
}
