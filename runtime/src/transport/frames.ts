/**
 * Length-prefixed frames over a byte stream (TCP or TLS): a 4-byte big-endian length, then the
 * body. The reader reassembles frames from arbitrary chunks; a length over the limit means the
 * stream is not ours (or is hostile) and is reported once, after which the reader stops.
 */
import type { Duplex } from "node:stream";

export const FRAME_HEADER_BYTES = 4;

export type FrameHandler = (body: Uint8Array) => void;

export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private failed = false;

  constructor(
    private readonly maxFrameBytes: number,
    private readonly onFrame: FrameHandler,
    private readonly onOversize: (length: number) => void,
  ) {}

  push(chunk: Buffer): void {
    if (this.failed) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered >= FRAME_HEADER_BYTES) {
      const head = this.chunks[0]!.length >= FRAME_HEADER_BYTES ? this.chunks[0]! : this.flatten();
      const length = head.readUInt32BE(0);
      if (length > this.maxFrameBytes) {
        this.failed = true;
        this.chunks = [];
        this.onOversize(length);
        return;
      }
      if (this.buffered < FRAME_HEADER_BYTES + length) return;
      const whole = this.chunks[0]!.length >= FRAME_HEADER_BYTES + length ? this.chunks[0]! : this.flatten();
      const body = whole.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + length);
      const rest = whole.subarray(FRAME_HEADER_BYTES + length);
      this.chunks[0] = rest;
      this.buffered -= FRAME_HEADER_BYTES + length;
      if (rest.length === 0) this.chunks.shift();
      this.onFrame(body);
    }
  }

  private flatten(): Buffer {
    const all = Buffer.concat(this.chunks);
    this.chunks = [all];
    return all;
  }
}

/**
 * Writes one frame whose body was encoded after FRAME_HEADER_BYTES of room: the length goes into
 * that room and the frame out as one buffer (one write, no cork). False when the stream wants
 * the writer to wait for 'drain'.
 */
export function writeFramed(stream: Duplex, frame: Buffer): boolean {
  frame.writeUInt32BE(frame.length - FRAME_HEADER_BYTES, 0);
  return stream.write(frame);
}
