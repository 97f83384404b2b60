/** The P4Runtime server over TLS (certificate made on the fly with openssl). */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import test from "ava";
import { createSwitch } from "../../src/dataplane/index.ts";
import { p4runtimeClientConstructor } from "../../src/p4runtime/proto.ts";
import { startP4RuntimeServer } from "../../src/p4runtime/server.ts";

function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const withOpenssl = hasOpenssl() ? test : test.skip;
if (!hasOpenssl()) console.log("openssl not installed: the TLS test is skipped");

withOpenssl("Capabilities over TLS; a plaintext client is refused", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "slb-tls-"));
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile, "-out", certFile, "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
    { stdio: "ignore" },
  );
  const server = await startP4RuntimeServer({ model: createSwitch(), address: "127.0.0.1:0", tls: { certFile, keyFile } });
  const Ctor = p4runtimeClientConstructor();
  const secure = new Ctor(`127.0.0.1:${server.port}`, grpc.credentials.createSsl(readFileSync(certFile)), {
    "grpc.ssl_target_name_override": "localhost",
  }) as grpc.Client & Record<string, any>;
  const plain = new Ctor(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure()) as grpc.Client & Record<string, any>;
  t.teardown(async () => {
    secure.close();
    plain.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const call = (client: Record<string, any>) =>
    new Promise<{ err: grpc.ServiceError | null; res: Record<string, unknown> | undefined }>((resolve) =>
      client["Capabilities"]({}, { deadline: Date.now() + 5000 }, (err: grpc.ServiceError | null, res: Record<string, unknown>) => resolve({ err, res })),
    );
  const ok = await call(secure);
  t.is(ok.err, null);
  t.is(ok.res?.["p4runtime_api_version"], "1.3.0");
  const refused = await call(plain);
  t.truthy(refused.err);
});
