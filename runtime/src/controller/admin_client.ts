/**
 * The CLI's side of the admin API (see admin.ts): JSON requests to the controller's admin
 * address, with the admin token from SLB_ADMIN_TOKEN or the file SLB_ADMIN_TOKEN_FILE names
 * (e.g. the admin.token `slb certs` writes) when either is set.
 */
import { readFileSync } from "node:fs";
import { request } from "node:http";

export const DEFAULT_ADMIN_ADDRESS = "127.0.0.1:9100";

export class AdminError extends Error {
  override readonly name = "AdminError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function split(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(":");
  const port = Number(address.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port)) throw new AdminError(0, `admin address must be host:port, got '${address}'`);
  return { host: address.slice(0, i), port };
}

function authHeaders(): Record<string, string> {
  const file = process.env.SLB_ADMIN_TOKEN_FILE;
  let token = process.env.SLB_ADMIN_TOKEN;
  if (token === undefined && file) {
    try {
      token = readFileSync(file, "utf8").trim();
    } catch (err) {
      throw new AdminError(0, `cannot read SLB_ADMIN_TOKEN_FILE ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  }
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** One JSON call; rejects with AdminError carrying the API's error text. */
export function adminCall<T>(address: string, method: string, path: string, body?: unknown): Promise<T> {
  const { host, port } = split(address);
  return new Promise((resolve, reject) => {
    const req = request({ host, port, method, path, headers: { "content-type": "application/json", ...authHeaders() } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let parsed: unknown;
        try {
          parsed = text.trim() === "" ? undefined : JSON.parse(text);
        } catch {
          parsed = text;
        }
        const status = res.statusCode ?? 0;
        if (status >= 400) reject(new AdminError(status, (parsed as { error?: string } | undefined)?.error ?? `HTTP ${status}`));
        else resolve(parsed as T);
      });
    });
    req.on("error", (err) => reject(new AdminError(0, `cannot reach the controller at ${address}: ${err.message}`)));
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Streams GET /events as parsed JSON lines until `signal` aborts or the controller ends it. */
export function streamEvents(address: string, path: string, onEvent: (event: Record<string, unknown>) => void, signal?: AbortSignal): Promise<void> {
  const { host, port } = split(address);
  return new Promise((resolve, reject) => {
    const req = request({ host, port, method: "GET", path, signal, headers: authHeaders() }, (res) => {
      if ((res.statusCode ?? 0) >= 400) {
        reject(new AdminError(res.statusCode ?? 0, `HTTP ${res.statusCode}`));
        res.resume();
        return;
      }
      let buffered = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffered += chunk;
        let nl: number;
        while ((nl = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (line) onEvent(JSON.parse(line) as Record<string, unknown>);
        }
      });
      res.on("end", () => resolve());
      res.on("error", () => resolve());
    });
    req.on("error", (err) => (signal?.aborted ? resolve() : reject(new AdminError(0, `cannot reach the controller at ${address}: ${err.message}`))));
    req.end();
  });
}
