/**
 * `slb stf` as a user runs it, as a whole process: exit 0 on pass, 1 with each mismatch
 * (port, packet, first differing nibble), 2 with a clear message on bad input; --help.
 */
import test from "ava";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { conformanceDir } from "../../src/conformance.ts";
import { bmv2StfUnavailable } from "../../src/stf/bmv2.ts";

function slb(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ["--import=tsx", "runtime/src/cli/main.ts", "stf", ...args], { encoding: "utf8" });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

test("slb stf --help shows the usage and an example", (t) => {
  const run = slb("--help");
  t.is(run.status, 0);
  t.regex(run.stdout, /usage: slb stf <test\.stf> \(--p4 <prog\.p4> \| --json/);
  t.regex(run.stdout, /example:\n\s+slb stf /);
});

test("slb stf rejects bad arguments and missing files with a message, not a stack trace", (t) => {
  const noProgram = slb("x.stf");
  t.is(noProgram.status, 2);
  t.regex(noProgram.stderr, /give the program: --p4 <file>, or --json <file> and --p4info <file>/);
  const both = slb("x.stf", "--p4", "a.p4", "--json", "a.json", "--p4info", "a.txtpb");
  t.is(both.status, 2);
  const badTarget = slb("x.stf", "--p4", "a.p4", "--target", "tofino");
  t.is(badTarget.status, 2);
  t.regex(badTarget.stderr, /--target must be model or bmv2/);
  const missing = slb("/nonexistent/t.stf", "--p4", "/nonexistent/p.p4");
  t.is(missing.status, 2);
  t.regex(missing.stderr, /cannot read STF test \/nonexistent\/t\.stf: no such file/);
  t.notRegex(missing.stderr, /\n\s+at /);
});

const dir = conformanceDir();
if (!dir) {
  test.skip("slb stf on a corpus program (skipped: conformance corpus not found)", () => {});
} else {
  const name = "ternary2-bmv2";
  const files = { p4: join(dir, "v1model", `${name}.p4`), stf: join(dir, "v1model", `${name}.stf`), json: join(dir, "v1model", `${name}.json`), p4info: join(dir, "v1model", `${name}.p4info.txtpb`) };

  test("slb stf passes a program's own test, compiled from --p4 or given as --json/--p4info", (t) => {
    const compiled = slb(files.stf, "--p4", files.p4);
    t.is(compiled.status, 0, compiled.stdout + compiled.stderr);
    t.regex(compiled.stdout, /^PASS .* on model: \d+ packet\(s\) sent, \d+ received/);
    const given = slb(files.stf, "--json", files.json, "--p4info", files.p4info);
    t.is(given.status, 0, given.stdout + given.stderr);
  });

  test("slb stf fails with the port, packet and first differing nibble of each mismatch", (t) => {
    const work = mkdtempSync(join(tmpdir(), "slb-stf-cli-"));
    try {
      const wrong = join(work, "wrong.stf");
      writeFileSync(wrong, readFileSync(files.stf, "utf8").replace("expect 2 00000101 ******** **** 7f 66", "expect 2 00000101 ******** **** 7e 66"));
      const run = slb(wrong, "--p4", files.p4);
      t.is(run.status, 1);
      t.regex(run.stdout, /^FAIL /);
      t.regex(run.stdout, /port 2 packet 0 \(expect on line \d+\): differs at nibble 21 \(byte 10\)/);
      const foreign = join(work, "foreign.p4info.txtpb");
      writeFileSync(foreign, 'tables {\n  preamble {\n    id: 1\n    name: "ingress.elsewhere"\n  }\n}\n');
      const mismatched = slb(files.stf, "--json", files.json, "--p4info", foreign);
      t.is(mismatched.status, 2);
      t.regex(mismatched.stderr, /does not describe .*ingress\.elsewhere/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  const missingBmv2 = bmv2StfUnavailable();
  if (missingBmv2) {
    test.skip(`slb stf --target bmv2 (skipped: ${missingBmv2})`, () => {});
  } else {
    test("slb stf --target bmv2 runs the test on the real simple_switch with our compiler's JSON", (t) => {
      const run = slb(files.stf, "--p4", files.p4, "--target", "bmv2");
      t.is(run.status, 0, run.stdout + run.stderr);
      t.regex(run.stdout, /^PASS .* on bmv2:/);
    });
  }
}
