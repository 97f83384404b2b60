import test from "ava";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAdminServer } from "../../src/controller/admin.ts";
import { adminCall, AdminError, streamEvents } from "../../src/controller/admin_client.ts";
import type { ControllerStatus, ServerStatus } from "../../src/controller/controller.ts";
import { statusCommand } from "../../src/cli/commands/status.ts";
import { serversCommand } from "../../src/cli/commands/servers.ts";
import { drainCommand } from "../../src/cli/commands/drain.ts";
import { countersCommand } from "../../src/cli/commands/counters.ts";
import { eventsCommand } from "../../src/cli/commands/events.ts";
import { controllerCommand } from "../../src/cli/commands/controller.ts";
import { UsageError } from "../../src/cli/command.ts";
import { LB_NAMES } from "../../src/controller/lb_program.ts";
import { loadTopology } from "../../src/controller/config.ts";
import { runController } from "../../src/controller/run.ts";
import { primaryIds, startBench } from "./harness.ts";

/** Runs a CLI command and returns what it printed. */
async function cli(command: { run(args: readonly string[]): Promise<number> }, args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...parts: unknown[]) => lines.push(parts.join(" "));
  try {
    const code = await command.run(args);
    return { code, out: lines.join("\n") };
  } finally {
    console.log = original;
  }
}

test.serial("admin API and CLI: status, servers, drain, counters, events, metrics", async (t) => {
  const bench = await startBench([1, 2], { intervalMs: 60_000 });
  const c = bench.controller();
  await c.start();
  const admin = await startAdminServer(c, "127.0.0.1", 0);
  const addr = `127.0.0.1:${admin.address.port}`;
  try {
    const status = await adminCall<ControllerStatus>(addr, "GET", "/status");
    t.is(status.role, "primary");
    t.is(status.servers.up, 2);

    const statusOut = await cli(statusCommand, ["--admin", addr]);
    t.is(statusOut.code, 0);
    t.regex(statusOut.out, /controller\s+primary \(active\)/);
    t.regex(statusOut.out, /2 up, 0 down, 0 draining/);

    const list = await cli(serversCommand, ["list", "--admin", addr]);
    t.regex(list.out, /^1\s+10\.0\.0\.1:7700\s+up/m);

    const drained = await cli(drainCommand, ["2", "--admin", addr]);
    t.is(drained.out, "server 2 is now draining");
    t.deepEqual(primaryIds(await bench.read(LB_NAMES.serverMap)), [1]);
    t.is((await cli(drainCommand, ["2", "--undo", "--admin", addr])).out, "server 2 is now up");

    bench.sendRequest(1, 2, 0x77n);
    const counters = await cli(countersCommand, ["--admin", addr, "--json"]);
    const parsed = JSON.parse(counters.out) as { servers: { id: number; requests: { packets: string } }[] };
    t.is(parsed.servers.find((s) => s.id === 1)?.requests.packets, "1", "the request to server 1 was counted");

    const metrics = await new Promise<string>((resolve, reject) => {
      get(`http://${addr}/metrics`, (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve(body));
      }).on("error", reject);
    });
    t.regex(metrics, /^slb_requests_total\{server="1"\} 1$/m);
    t.regex(metrics, /^slb_servers_up 2$/m);
    t.regex(metrics, /^slb_probe_latency_seconds_count\{server="1"\} \d+$/m);

    const events = await cli(eventsCommand, ["--admin", addr, "--json", "--limit", "50"]);
    const kinds = events.out.split("\n").map((l) => (JSON.parse(l) as { kind: string }).kind);
    t.true(kinds.includes("server_drained") && kinds.includes("server_undrained") && kinds.includes("reconciled"));

    // Follow: a new event arrives on the open stream.
    const abort = new AbortController();
    const followed: string[] = [];
    // The last old event arrives first, which shows the stream is live; then drain server 1 and wait for its event.
    await streamEvents(addr, "/events?limit=1&follow=1", (e) => {
      followed.push(`${String(e.kind)}:${String(e.server)}`);
      if (followed.length === 1) void adminCall(addr, "POST", "/drain/1");
      if (e.kind === "server_drained" && e.server === 1) abort.abort();
    }, abort.signal);
    t.is(followed.length > 1 ? followed[followed.length - 1] : undefined, "server_drained:1");

    const missing = await t.throwsAsync(adminCall(addr, "POST", "/drain/9"), { instanceOf: AdminError });
    t.is(missing.status, 404);
    const bad = await t.throwsAsync(adminCall(addr, "POST", "/servers", { id: 5, ip: "nope" }), { instanceOf: AdminError });
    t.is(bad.status, 400);
    const dup = await t.throwsAsync(adminCall<ServerStatus>(addr, "POST", "/servers", { id: 1, ip: "10.0.0.9", mac: "02:00:00:00:00:09", switchPort: 9, mgmt: "127.0.0.1:1" }), { instanceOf: AdminError });
    t.is(dup.status, 409);
  } finally {
    await admin.close();
    await bench.close();
  }
});

test("CLI usage errors are UsageErrors, and every command has help", async (t) => {
  await t.throwsAsync(drainCommand.run([]), { instanceOf: UsageError });
  await t.throwsAsync(serversCommand.run(["add", "--id", "3"]), { instanceOf: UsageError });
  await t.throwsAsync(controllerCommand.run([]), { instanceOf: UsageError });
  for (const c of [controllerCommand, statusCommand, serversCommand, drainCommand, countersCommand, eventsCommand]) t.regex(c.help, /^usage: slb /);
  const unreachable = await t.throwsAsync(statusCommand.run(["--admin", "127.0.0.1:1"]), { instanceOf: AdminError });
  t.regex(unreachable.message, /cannot reach/);
});

test("runController: a topology file naming the .p4 compiles, loads and serves the admin API", async (t) => {
  const bench = await startBench([1], { intervalMs: 60_000 });
  const dir = mkdtempSync(join(tmpdir(), "slb-ctl-"));
  try {
    const file = join(dir, "topo.json");
    writeFileSync(
      file,
      JSON.stringify({
        switch: { address: bench.address, electionId: 30 },
        pipeline: { p4: new URL("../../../p4/v1model/session_lb.p4", import.meta.url).pathname },
        vip: { ip: "10.0.0.100", port: 7700, mac: "02:00:00:00:00:64" },
        servers: [{ id: 1, ip: "10.0.0.1", mac: "02:00:00:00:00:01", switchPort: 1, mgmt: bench.fakes.get(1)!.mgmt }],
        health: { intervalMs: 60000 },
        admin: "127.0.0.1:0",
        eventLog: "events.jsonl",
      }),
    );
    const running = await runController(loadTopology(file));
    try {
      await running.controller.idle();
      const status = await adminCall<ControllerStatus>(`127.0.0.1:${running.admin.address.port}`, "GET", "/status");
      t.is(status.role, "primary");
      t.is(status.pipelineCookie, bench.pipeline.cookie.toString(), "same program, same cookie as the harness's compile");
      t.deepEqual(primaryIds(await bench.read(LB_NAMES.serverMap)), [1]);
    } finally {
      await running.stop();
    }
    const logged = readFileSync(join(dir, "events.jsonl"), "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { kind: string }).kind);
    t.deepEqual(logged.slice(0, 3), ["started", "arbitration", "pipeline_loaded"]);
    t.is(logged[logged.length - 1], "stopped");
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await bench.close();
  }
});
