/**
 * Hand-written protobuf for the messages on the replication hot path (put and put_ack, and the
 * Frame and Message around them), wire-compatible with proto/slb/peer.proto. protobufjs builds
 * an object tree and an op list per message and copies it at the end, which cost the primary
 * several microseconds per update; this sizes the frame first and writes it once, in place.
 * Other message kinds are rare (failover, version checks, drops) and stay with protobufjs.
 */
import type { PutOutcomeKind } from "./peer_protocol.ts";
import type { CachedAnswer, SessionRecord } from "./record.ts";

export class Malformed extends Error {}

export const OUTCOMES: readonly PutOutcomeKind[] = ["applied", "equal", "stale", "full"];

// Field tags: (field number << 3) | wire type (0 varint, 1 fixed64, 2 length-delimited).
export const TAG_FRAME_MESSAGE = 0x0a;
export const TAG_MESSAGE_RID = 0x08;
export const FIELD_MESSAGE_PUT = 2;
export const FIELD_MESSAGE_PUT_ACK = 6;
const TAG_MESSAGE_PUT = (FIELD_MESSAGE_PUT << 3) | 2;
const TAG_MESSAGE_PUT_ACK = (FIELD_MESSAGE_PUT_ACK << 3) | 2;

export function varintBytes(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/** A proto3 uint32 field without its default (zero): tag byte plus varint, or nothing. */
const uintField = (v: number): number => (v === 0 ? 0 : 1 + varintBytes(v));
const bytesField = (length: number): number => (length === 0 ? 0 : 1 + varintBytes(length) + length);
const nested = (length: number): number => 1 + varintBytes(length) + length;

function answerSize(a: CachedAnswer): number {
  return uintField(a.requestId) + uintField(a.type) + bytesField(a.payload.length);
}

/** Bytes of a Session message; computed once per put and handed to putMessage (a put with eight answers takes a while to size). */
export function sessionSize(s: SessionRecord): number {
  let size = 9 + uintField(s.version) + bytesField(s.state.length) + uintField(s.primary) + uintField(s.secondary);
  for (const a of s.answers) size += nested(answerSize(a));
  return size;
}

const putSize = (from: number, sessionBytes: number): number => uintField(from) + nested(sessionBytes);
const putAckSize = (outcome: number, version: number): number => uintField(outcome) + uintField(version);

/** Bytes of one Message holding a put (without the Frame's tag and length). */
export const putMessageSize = (rid: number, from: number, sessionBytes: number): number => uintField(rid) + nested(putSize(from, sessionBytes));
export const putAckMessageSize = (rid: number, outcome: number, version: number): number => uintField(rid) + nested(putAckSize(outcome, version));

/** Writes into a buffer sized in advance; every write is in bounds by construction. */
export class FrameWriter {
  pos: number;
  private readonly view: DataView;

  constructor(
    readonly buf: Buffer,
    start: number,
  ) {
    this.pos = start;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  varint(v: number): void {
    const buf = this.buf;
    while (v > 0x7f) {
      buf[this.pos++] = (v & 0x7f) | 0x80;
      v = v >>> 7;
    }
    buf[this.pos++] = v;
  }

  uint(tag: number, v: number): void {
    if (v === 0) return;
    this.buf[this.pos++] = tag;
    this.varint(v);
  }

  bytes(tag: number, b: Uint8Array): void {
    if (b.length === 0) return;
    this.buf[this.pos++] = tag;
    this.varint(b.length);
    this.copy(b);
  }

  raw(b: Uint8Array): void {
    this.copy(b);
  }

  /** TypedArray.set costs more than a loop for the few bytes of most answers and small states. */
  private copy(b: Uint8Array): void {
    const n = b.length;
    if (n > 32) this.buf.set(b, this.pos);
    else for (let i = 0; i < n; i++) this.buf[this.pos + i] = b[i]!;
    this.pos += n;
  }

  head(tag: number, length: number): void {
    this.buf[this.pos++] = tag;
    this.varint(length);
  }

  putMessage(rid: number, from: number, s: SessionRecord, sessionBytes: number): void {
    this.uint(TAG_MESSAGE_RID, rid);
    this.head(TAG_MESSAGE_PUT, putSize(from, sessionBytes));
    this.uint(0x08, from);
    this.head(0x12, sessionBytes);
    this.buf[this.pos++] = 0x09;
    this.view.setBigUint64(this.pos, s.id, true);
    this.pos += 8;
    this.uint(0x10, s.version);
    this.bytes(0x1a, s.state);
    this.uint(0x20, s.primary);
    this.uint(0x28, s.secondary);
    for (const a of s.answers) {
      this.head(0x32, answerSize(a));
      this.uint(0x08, a.requestId);
      this.uint(0x10, a.type);
      this.bytes(0x1a, a.payload);
    }
  }

  putAckMessage(rid: number, outcome: number, version: number): void {
    this.uint(TAG_MESSAGE_RID, rid);
    this.head(TAG_MESSAGE_PUT_ACK, putAckSize(outcome, version));
    this.uint(0x08, outcome);
    this.uint(0x10, version);
  }
}

/**
 * Reads within [pos, end); anything short or out of shape throws Malformed. Nested messages
 * narrow `end` in place (see `enter`) rather than building a cursor per field: a put carries up
 * to eight cached answers, and a secondary reads tens of thousands of puts a second.
 */
export class FrameCursor {
  /** A plain Uint8Array view: Buffer's own subarray and slice are slower JS wrappers, and slice on a Buffer would not copy. */
  readonly buf: Uint8Array;
  private readonly view: DataView;

  constructor(
    bytes: Uint8Array,
    public pos: number,
    public end: number,
  ) {
    this.buf = Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** A varint's low 32 bits, as protobufjs reads uint32 (longer encodings are truncated, not refused). */
  varint(): number {
    const buf = this.buf;
    // Nearly every tag and field is one byte.
    if (this.pos < this.end && buf[this.pos]! < 0x80) return buf[this.pos++]!;
    let result = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= this.end) throw new Malformed("truncated varint");
      const b = buf[this.pos++]!;
      if (shift < 28) result |= (b & 0x7f) << shift;
      else if (shift === 28) result |= (b & 0x0f) << 28;
      if (b < 0x80) return result >>> 0;
    }
    throw new Malformed("varint too long");
  }

  /** The end of a length-delimited field starting at pos (after its length); the cursor stays at its start. */
  fieldEnd(): number {
    const length = this.varint();
    if (length > this.end - this.pos) throw new Malformed("field runs past its message");
    return this.pos + length;
  }

  /** The extent of a length-delimited field; the cursor moves past it. */
  span(): [number, number] {
    const end = this.fieldEnd();
    const start = this.pos;
    this.pos = end;
    return [start, end];
  }

  /** Narrows the cursor to the length-delimited field at pos; returns the end to restore with `leave` once it is read. */
  enter(): number {
    const end = this.fieldEnd();
    const outer = this.end;
    this.end = end;
    return outer;
  }

  leave(outer: number): void {
    this.pos = this.end;
    this.end = outer;
  }

  /** A copy of the length-delimited bytes at pos: received bytes are views of a whole chunk, which a stored record must not pin. */
  copyField(): Uint8Array {
    const end = this.fieldEnd();
    const copy = this.buf.slice(this.pos, end);
    this.pos = end;
    return copy;
  }

  fixed64(): bigint {
    if (this.end - this.pos < 8) throw new Malformed("truncated fixed64");
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.advance(8);
    else if (wireType === 2) this.pos = this.fieldEnd();
    else if (wireType === 5) this.advance(4);
    else throw new Malformed(`unsupported wire type ${wireType}`);
  }

  private advance(n: number): void {
    if (this.end - this.pos < n) throw new Malformed("truncated field");
    this.pos += n;
  }
}
