import test from "ava";
import { get } from "node:http";
import { startAdminServer } from "../../src/controller/admin.ts";
import { AdminError, adminCall } from "../../src/controller/admin_client.ts";
import type { ControllerStatus } from "../../src/controller/controller.ts";
import { startBench } from "./harness.ts";

function rawGet(address: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(`http://${address}${path}`, { headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    }).on("error", reject);
  });
}

test.serial("admin API with a token: unauthenticated and forged requests get 401, are counted and logged, and change nothing", async (t) => {
  const bench = await startBench([1, 2], { intervalMs: 60_000 });
  const c = bench.controller();
  await c.start();
  const token = "a1".repeat(32);
  const logs: string[] = [];
  const admin = await startAdminServer(c, "127.0.0.1", 0, { token, log: (line) => logs.push(line) });
  const addr = `127.0.0.1:${admin.address.port}`;
  const saved = { token: process.env.SLB_ADMIN_TOKEN, file: process.env.SLB_ADMIN_TOKEN_FILE };
  delete process.env.SLB_ADMIN_TOKEN_FILE;
  try {
    delete process.env.SLB_ADMIN_TOKEN;
    const none = await t.throwsAsync(adminCall(addr, "POST", "/drain/2"), { instanceOf: AdminError });
    t.is(none.status, 401);
    process.env.SLB_ADMIN_TOKEN = "b2".repeat(32);
    const forged = await t.throwsAsync(adminCall(addr, "DELETE", "/servers/1"), { instanceOf: AdminError });
    t.is(forged.status, 401);
    t.is((await rawGet(addr, "/status", { authorization: `Basic ${token}` })).status, 401);
    t.is(admin.refused(), 3);
    t.is(logs.length, 3);
    t.regex(logs[0]!, /refused POST \/drain\/2 .*: no token/);
    t.regex(logs[1]!, /refused DELETE \/servers\/1 .*: wrong token/);

    process.env.SLB_ADMIN_TOKEN = token;
    const status = await adminCall<ControllerStatus>(addr, "GET", "/status");
    t.is(status.servers.up, 2, "no server was drained or removed");
    t.is(status.servers.draining, 0);
    const metrics = await rawGet(addr, "/metrics", { authorization: `Bearer ${token}` });
    t.is(metrics.status, 200);
    t.regex(metrics.body, /^slb_admin_refused_total 3$/m);
  } finally {
    if (saved.token === undefined) delete process.env.SLB_ADMIN_TOKEN;
    else process.env.SLB_ADMIN_TOKEN = saved.token;
    if (saved.file !== undefined) process.env.SLB_ADMIN_TOKEN_FILE = saved.file;
    await admin.close();
    await bench.close();
  }
});
