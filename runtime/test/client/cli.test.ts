import test from "ava";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../../src/cli/command.ts";
import { clientCommand } from "../../src/cli/commands/client.ts";
import { serverCommand } from "../../src/cli/commands/server.ts";
import { createServer } from "../../src/session/create.ts";
import { serverId } from "../../src/wire/session_header.ts";

async function captured(run: () => Promise<number>): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    return { code: await run(), lines };
  } finally {
    console.log = original;
  }
}

test.serial("slb client sends requests, prints answers with the cookie, and keeps the jar between runs", async (t) => {
  const server = await createServer({ security: { kind: "insecure" }, id: serverId(4), dataPort: 0, peerPort: 0, mgmtPort: 0, versionCheckIntervalMs: 0, expiryIntervalMs: 0 });
  const dir = await mkdtemp(join(tmpdir(), "slb-cli-"));
  try {
    const jar = join(dir, "jar.json");
    const vip = `127.0.0.1:${server.dataEndpoint.port}`;
    const first = await captured(() => clientCommand.run(["--vip", vip, "--cookie-jar", jar, "incr x", "incr x"]));
    t.is(first.code, 0);
    const sessionLine = first.lines[0]!;
    t.regex(sessionLine, /^session \d+$/);
    t.regex(first.lines[2]!, /^incr x -> 2 {2}\[cookie 262144 \(primary 4 \+ secondary 0\) version 3,/);
    const sessionId = sessionLine.split(" ")[1]!;
    t.truthy(JSON.parse(await readFile(jar, "utf8")).sessions[sessionId]);

    const again = await captured(() => clientCommand.run(["--vip", vip, "--cookie-jar", jar, "--session", sessionId, "get x", "nonsense"]));
    t.is(again.code, 1, "an error answer makes the exit code non-zero");
    t.regex(again.lines[1]!, /^get x -> 2 /);
    t.regex(again.lines[2]!, /^nonsense -> ERROR app: /);
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test("slb server and slb client refuse bad options with usage errors", async (t) => {
  await t.throwsAsync(serverCommand.run([]), { instanceOf: UsageError });
  await t.throwsAsync(serverCommand.run(["--id", "70000"]), { instanceOf: UsageError });
  await t.throwsAsync(serverCommand.run(["--id", "1", "--insecure", "--wire", "127.0.0.1:9", "--ip", "10.0.1.1"]), { instanceOf: UsageError, message: /--mac/ });
  await t.throwsAsync(serverCommand.run(["--id", "1", "--insecure", "--members", "1=nowhere"]), { instanceOf: UsageError });
  await t.throwsAsync(clientCommand.run(["incr x"]), { instanceOf: UsageError, message: /--vip/ });
  await t.throwsAsync(clientCommand.run(["--vip", "127.0.0.1:1", "--session", "abc", "incr x"]), { instanceOf: UsageError });
  await t.throwsAsync(clientCommand.run(["--vip", "127.0.0.1:1"]), { instanceOf: UsageError });
  t.true(serverCommand.help.includes("--async") && clientCommand.help.includes("--cookie-jar"));
});
