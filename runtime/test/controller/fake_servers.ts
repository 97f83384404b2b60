/**
 * Stand-ins for session servers' management endpoints: answer probes (while "alive"), take
 * membership pushes (keeping the highest epoch, as real servers do), and record what they got.
 */
import { createSocket, type Socket } from "node:dgram";
import { decodeControl, encodeControl, type MembershipMessage } from "../../src/wire/control.ts";

export class FakeServer {
  alive = true;
  epoch = 0;
  readonly memberships: MembershipMessage[] = [];
  probes = 0;
  private constructor(
    readonly id: number,
    private readonly socket: Socket,
    readonly port: number,
  ) {
    socket.on("message", (bytes, rinfo) => {
      if (!this.alive) return;
      const decoded = decodeControl(bytes);
      if (!decoded.ok) return;
      const m = decoded.message;
      const reply = (body: Parameters<typeof encodeControl>[0]): void => {
        socket.send(encodeControl(body), rinfo.port, rinfo.address);
      };
      if (m.kind === "probe") {
        this.probes++;
        reply({ kind: "probe_ack", nonce: m.nonce, serverId: this.id, epoch: this.epoch, sessions: 0, load: 0 });
      } else if (m.kind === "membership") {
        this.memberships.push(m);
        this.epoch = Math.max(this.epoch, m.epoch);
        reply({ kind: "membership_ack", nonce: m.nonce, serverId: this.id, epoch: this.epoch });
      }
    });
  }

  static start(id: number): Promise<FakeServer> {
    const socket = createSocket("udp4");
    return new Promise((resolve) => socket.bind(0, "127.0.0.1", () => resolve(new FakeServer(id, socket, socket.address().port))));
  }

  get mgmt(): string {
    return `127.0.0.1:${this.port}`;
  }

  lastMembership(): MembershipMessage | undefined {
    return this.memberships[this.memberships.length - 1];
  }

  close(): void {
    this.socket.close();
  }
}
