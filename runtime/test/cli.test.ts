import test from "ava";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { main } from "../src/cli/main.ts";
import { UsageError, parseArgs } from "../src/cli/command.ts";

const run = promisify(execFile);
const bin = fileURLToPath(new URL("../../bin/slb.js", import.meta.url));

/** Runs main in-process with console output captured; spawning tsx per command would be slow. */
async function captured(argv: string[]): Promise<{ code: number; out: string }> {
  const log = console.log;
  let out = "";
  console.log = (...parts: unknown[]) => void (out += parts.join(" ") + "\n");
  try {
    return { code: await main(argv), out };
  } finally {
    console.log = log;
  }
}

test("the installed bin lists the commands and every command answers --help", async (t) => {
  const { stdout } = await run(process.execPath, [bin, "--help"]);
  t.regex(stdout, /usage: slb <command>/);
  const names = [...stdout.matchAll(/^ {2}(\S+) {2,}/gm)].map((m) => m[1]!);
  t.true(names.length >= 10, `lists the subcommands (${names.join(", ")})`);
  for (const name of names) {
    const help = await captured([name, "--help"]);
    t.is(help.code, 0);
    t.regex(help.out, new RegExp(`usage: slb ${name}`), `slb ${name} --help prints its usage`);
  }
});

test("an unknown command is a usage error with exit code 2", async (t) => {
  const error = await t.throwsAsync(run(process.execPath, [bin, "frobnicate"]));
  t.is((error as unknown as { code: number }).code, 2);
  t.regex((error as unknown as { stderr: string }).stderr, /unknown command 'frobnicate'/);
});

test("main returns 2 without a command and 0 for --help", async (t) => {
  t.is((await captured([])).code, 2);
  t.is((await captured(["--help"])).code, 0);
});

test("option parsing rejects unknown options and missing values", (t) => {
  const parsed = parseArgs(["a", "--port", "9", "--verbose", "--name=x", "b"], { values: ["port", "name"], flags: ["verbose"] });
  t.deepEqual(parsed.positional, ["a", "b"]);
  t.is(parsed.options.get("port"), "9");
  t.is(parsed.options.get("name"), "x");
  t.is(parsed.options.get("verbose"), true);
  t.throws(() => parseArgs(["--nope"], {}), { instanceOf: UsageError, message: "unknown option --nope" });
  t.throws(() => parseArgs(["--port"], { values: ["port"] }), { instanceOf: UsageError, message: "option --port needs a value" });
  t.throws(() => parseArgs(["--verbose=1"], { flags: ["verbose"] }), { instanceOf: UsageError });
});

test("an unexpected failure inside a command ends as one error line and exit code 1, not a stack trace", async (t) => {
  const error = await t.throwsAsync(run(process.execPath, [bin, "status", "--admin", "127.0.0.1:1"], { env: { ...process.env, SLB_DEBUG: "" } }));
  const { code, stderr } = error as unknown as { code: number; stderr: string };
  t.is(code, 1);
  t.regex(stderr, /^slb status: cannot reach the controller at 127\.0\.0\.1:1/m);
  t.notRegex(stderr, /^\s+at /m);
});
