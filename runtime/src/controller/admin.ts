/**
 * The controller's admin API: HTTP + JSON on a local address, next to the Prometheus endpoint.
 *
 *   GET    /status            controller, switch and pool summary
 *   GET    /servers           every server with mode, health, generation, last probe RTT
 *   POST   /servers           add a server (body: one server object of the topology file)
 *   DELETE /servers/:id       remove a server
 *   POST   /drain/:id         drain a server (no new sessions; its sessions move on their next request)
 *   DELETE /drain/:id         undo a drain
 *   POST   /reconcile         re-read the switch and write what differs
 *   GET    /counters          switch counters per server and per drop reason
 *   GET    /events            recent events as JSON lines; `?follow=1` keeps streaming new ones
 *   GET    /metrics           Prometheus text format
 *
 * Errors are `{ "error": "..." }` with 400 (bad request), 401 (no or wrong admin token),
 * 404 (unknown server), 409 (conflict), 503 (not the primary controller / switch unreachable).
 *
 * Authentication: with an admin token every request must carry `Authorization: Bearer <token>`;
 * others get 401, are counted (`slb_admin_refused_total` on /metrics) and logged, and reach no
 * route. Without a token (insecure mode) anyone who reaches the address is served.
 */
import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { P4RuntimeError } from "../p4rt/errors.ts";
import { ConfigError, parseServer } from "./config.ts";
import { ConflictError, NotFoundError, type Controller } from "./controller.ts";
import { toJsonLine } from "./event_log.ts";

export interface AdminServer {
  readonly address: { readonly host: string; readonly port: number };
  /** Requests refused for want of the admin token. */
  readonly refused: () => number;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_BODY_BYTES = 64 * 1024;

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) reject(new HttpError(413, "body too large"));
      else chunks.push(c);
    });
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      if (text.trim() === "") return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new HttpError(400, "body is not JSON"));
      }
    });
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(toJsonLine(body));
}

function idParam(text: string | undefined): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65534) throw new HttpError(400, `bad server id '${text}'`);
  return n;
}

function statusOf(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  if (err instanceof NotFoundError) return 404;
  if (err instanceof ConflictError) return 409;
  if (err instanceof ConfigError) return 400;
  if (err instanceof P4RuntimeError) return 503;
  if (err instanceof Error && /not the primary|no P4Info/.test(err.message)) return 503;
  return 500;
}

function refusedMetric(count: number): string {
  return `# HELP slb_admin_refused_total Admin API requests refused for want of a valid token.\n# TYPE slb_admin_refused_total counter\nslb_admin_refused_total ${count}\n`;
}

export interface AdminAuth {
  /** The bearer token every request must carry. */
  readonly token: string;
  readonly log?: (line: string) => void;
}

function hasToken(req: IncomingMessage, token: string): boolean {
  const given = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function route(controller: Controller, req: IncomingMessage, res: ServerResponse, streams: Set<ServerResponse>, refusedCount: () => number): Promise<void> {
  const url = new URL(req.url ?? "/", "http://admin");
  const parts = url.pathname.split("/").filter((p) => p !== "");
  const method = req.method ?? "GET";
  const [head, arg] = parts;
  if (method === "GET" && head === "status" && !arg) return send(res, 200, controller.status());
  if (method === "GET" && head === "servers" && !arg) return send(res, 200, controller.serverList());
  if (method === "POST" && head === "servers" && !arg) {
    const server = parseServer(await readBody(req), "server", controller.defaultVip);
    return send(res, 201, await controller.addServer(server));
  }
  if (method === "DELETE" && head === "servers" && arg) {
    await controller.removeServer(idParam(arg));
    return send(res, 200, { removed: Number(arg) });
  }
  if ((method === "POST" || method === "DELETE") && head === "drain" && arg) return send(res, 200, await controller.drain(idParam(arg), method === "POST"));
  if (method === "POST" && head === "reconcile" && !arg) {
    const plan = await controller.reconcileNow();
    return send(res, 200, { inserts: plan.inserts, modifies: plan.modifies, deletes: plan.deletes });
  }
  if (method === "GET" && head === "counters" && !arg) return send(res, 200, await controller.counters());
  if (method === "GET" && head === "metrics" && !arg) {
    const text = (await controller.renderMetrics()) + refusedMetric(refusedCount());
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
    res.end(text);
    return;
  }
  if (method === "GET" && head === "events" && !arg) {
    const limit = Number(url.searchParams.get("limit") ?? 100);
    if (!Number.isInteger(limit) || limit < 0) throw new HttpError(400, "limit must be a non-negative integer");
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    if (limit > 0) for (const e of controller.events.recent(limit)) res.write(toJsonLine(e));
    if (url.searchParams.get("follow") !== "1") {
      res.end();
      return;
    }
    streams.add(res);
    const unsubscribe = controller.events.subscribe((e) => res.write(toJsonLine(e)));
    res.on("close", () => {
      unsubscribe();
      streams.delete(res);
    });
    return;
  }
  throw new HttpError(404, `no route ${method} ${url.pathname}`);
}

/** Serves the admin API on host:port (port 0 picks a free one); `auth` omitted: insecure. */
export function startAdminServer(controller: Controller, host: string, port: number, auth?: AdminAuth): Promise<AdminServer> {
  const streams = new Set<ServerResponse>();
  let refused = 0;
  const server: Server = createServer((req, res) => {
    if (auth && !hasToken(req, auth.token)) {
      refused++;
      auth.log?.(`admin API: refused ${req.method ?? "?"} ${req.url ?? "?"} from ${req.socket.remoteAddress ?? "?"}: ${req.headers.authorization ? "wrong" : "no"} token`);
      req.resume();
      send(res, 401, { error: "admin token required (Authorization: Bearer <token>)" });
      return;
    }
    route(controller, req, res, streams, () => refused).catch((err: unknown) => {
      if (res.headersSent) {
        res.end();
        return;
      }
      send(res, statusOf(err), { error: (err as Error).message });
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const addr = server.address() as AddressInfo;
      resolve({
        address: { host: addr.address, port: addr.port },
        refused: () => refused,
        close: () =>
          new Promise<void>((done) => {
            for (const s of streams) s.end();
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
