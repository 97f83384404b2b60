import { connect, type Socket } from "node:net";

/**
 * bmv2's packet interface over nanomsg (`simple_switch --packet-in ipc://PATH`): the switch
 * binds a nanomsg PAIR socket on a Unix socket; each message is a packet header of three
 * native (little-endian) int32 — type, port, length — and the frame. Packets for the switch
 * are PACKET_IN, packets it sends out are PACKET_OUT.
 *
 * Spoken here without a nanomsg library: the SP protocol header (`\0SP\0`, protocol PAIR,
 * reserved) is exchanged once, then every message travels as a 0x01 byte, a 64-bit
 * big-endian size and the payload (nanomsg's IPC transport framing).
 */
const SP_HEADER = Buffer.from([0x00, 0x53, 0x50, 0x00, 0x00, 0x10, 0x00, 0x00]);
const IPC_MSG_NORMAL = 0x01;
const MSG_TYPE_PACKET_IN = 3;
const MSG_TYPE_PACKET_OUT = 4;
const PACKET_HEADER_BYTES = 12;

export type PacketOutListener = (port: number, frame: Uint8Array) => void;

export class NanomsgPacketPort {
  private buffered = Buffer.alloc(0);
  private handshakeDone = false;

  private constructor(
    private readonly socket: Socket,
    private readonly onPacket: PacketOutListener,
    private readonly onError: (e: Error) => void,
  ) {
    socket.on("data", (d: Buffer) => this.take(d));
    socket.on("error", (e) => onError(e));
  }

  /** Connects to the switch's packet socket, retrying while the switch is still starting. */
  static async open(path: string, onPacket: PacketOutListener, onError: (e: Error) => void, timeoutMs: number): Promise<NanomsgPacketPort> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const socket = await new Promise<Socket>((resolve, reject) => {
          const s = connect({ path });
          s.once("connect", () => resolve(s));
          s.once("error", reject);
        });
        socket.write(SP_HEADER);
        return new NanomsgPacketPort(socket, onPacket, onError);
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`cannot connect to the switch's packet socket ${path}: ${e instanceof Error ? e.message : String(e)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  send(port: number, frame: Uint8Array): void {
    const payload = Buffer.alloc(PACKET_HEADER_BYTES + frame.length);
    payload.writeInt32LE(MSG_TYPE_PACKET_IN, 0);
    payload.writeInt32LE(port, 4);
    payload.writeInt32LE(frame.length, 8);
    payload.set(frame, PACKET_HEADER_BYTES);
    const framing = Buffer.alloc(9);
    framing[0] = IPC_MSG_NORMAL;
    framing.writeBigUInt64BE(BigInt(payload.length), 1);
    this.socket.write(Buffer.concat([framing, payload]));
  }

  close(): void {
    this.socket.destroy();
  }

  private take(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    if (!this.handshakeDone) {
      if (this.buffered.length < SP_HEADER.length) return;
      const peer = this.buffered.subarray(0, SP_HEADER.length);
      if (!peer.equals(SP_HEADER)) {
        this.onError(new Error(`the switch's packet socket answered with an unexpected protocol header ${peer.toString("hex")}`));
        this.socket.destroy();
        return;
      }
      this.handshakeDone = true;
      this.buffered = this.buffered.subarray(SP_HEADER.length);
    }
    while (this.buffered.length >= 9) {
      const size = Number(this.buffered.readBigUInt64BE(1));
      if (this.buffered.length < 9 + size) return;
      const message = this.buffered.subarray(9, 9 + size);
      this.buffered = this.buffered.subarray(9 + size);
      if (message.length >= PACKET_HEADER_BYTES && message.readInt32LE(0) === MSG_TYPE_PACKET_OUT) {
        const length = message.readInt32LE(8);
        this.onPacket(message.readInt32LE(4), new Uint8Array(message.subarray(PACKET_HEADER_BYTES, PACKET_HEADER_BYTES + length)));
      }
    }
  }
}
