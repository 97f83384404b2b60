/**
 * The management network between the controller and one switch: a TCP relay in front of the
 * switch's P4Runtime port that can be cut (every connection reset, new ones refused by
 * closing them at once) and healed. Cutting it partitions the switch from the controller
 * while its data plane keeps forwarding with the tables it has: no P4Runtime state is lost,
 * unlike a switch restart.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

export class ControlProxy {
  private readonly sockets = new Set<Socket>();
  private cut = false;

  private constructor(
    private readonly server: Server,
    private readonly target: { readonly host: string; readonly port: number },
  ) {
    server.on("connection", (client) => this.relay(client));
  }

  static async start(targetAddress: string): Promise<ControlProxy> {
    const i = targetAddress.lastIndexOf(":");
    const server = createServer();
    const proxy = new ControlProxy(server, { host: targetAddress.slice(0, i), port: Number(targetAddress.slice(i + 1)) });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  /** Where the controller connects instead of the switch. */
  get address(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get partitioned(): boolean {
    return this.cut;
  }

  private relay(client: Socket): void {
    if (this.cut) {
      client.destroy();
      return;
    }
    const upstream = createConnection(this.target.port, this.target.host);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => {
        this.sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Resets every connection and refuses new ones until heal(). */
  partition(): void {
    this.cut = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  heal(): void {
    this.cut = false;
  }

  async close(): Promise<void> {
    this.partition();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
