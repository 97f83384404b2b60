/**
 * The 24-byte session header that follows the UDP header on the VIP port (SPEC "The wire format").
 * Shared by the servers, the client library, the packet tests and the P4 program's constants.
 */

declare const brand: unique symbol;
/** Server ids are 1..65534: 0 means "none" and 65535 is reserved, so neither can name a server. */
export type ServerId = number & { readonly [brand]: "ServerId" };
export type SessionId = bigint & { readonly [brand]: "SessionId" };
export type Cookie = number & { readonly [brand]: "Cookie" };

export const SESSION_MAGIC = 0x534c;
export const SESSION_VERSION = 1;
export const SESSION_HEADER_BYTES = 24;
export const DEFAULT_VIP_PORT = 7700;
export const MIN_SERVER_ID = 1;
export const MAX_SERVER_ID = 65534;

export const MessageType = { Request: 1, Response: 2, Error: 3 } as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export const Flags = { Failover: 0x01, Retry: 0x02 } as const;

export function isServerId(n: number): n is ServerId {
  return Number.isInteger(n) && n >= MIN_SERVER_ID && n <= MAX_SERVER_ID;
}

export function serverId(n: number): ServerId {
  if (!isServerId(n)) throw new RangeError(`server id must be an integer in ${MIN_SERVER_ID}..${MAX_SERVER_ID}, got ${n}`);
  return n;
}

export const NEW_SESSION_COOKIE = 0 as Cookie;

/**
 * Server i has primary number i * 65536 and secondary number i; the cookie is their sum, so
 * the switch decodes it by slicing the upper and lower 16 bits.
 */
export function makeCookie(primary: ServerId, secondary: ServerId): Cookie {
  if (primary === secondary) throw new RangeError(`primary and secondary must differ (both ${primary})`);
  return (primary * 65536 + secondary) as Cookie;
}

export interface DecodedCookie {
  readonly primary: number;
  readonly secondary: number;
}

export function decodeCookie(cookie: number): DecodedCookie {
  return { primary: Math.floor(cookie / 65536) & 0xffff, secondary: cookie & 0xffff };
}

export interface SessionHeader {
  readonly type: MessageType;
  readonly flags: number;
  readonly cookie: Cookie;
  readonly sessionId: SessionId;
  readonly sessionVersion: number;
  readonly requestId: number;
}

export interface SessionMessage {
  readonly header: SessionHeader;
  readonly payload: Uint8Array;
}

/**
 * `out` is where the message goes, exactly header plus payload long. A server passes a pooled
 * Buffer (Buffer.allocUnsafe) for its answers: node:dgram moves a fresh small array off V8's
 * heap to send it, one allocation per answer, while the batched UDP engine copies either kind
 * at the same cost.
 */
export function encodeSessionMessage(header: SessionHeader, payload: Uint8Array = new Uint8Array(), out: Uint8Array = new Uint8Array(SESSION_HEADER_BYTES + payload.length)): Uint8Array {
  if (out.length !== SESSION_HEADER_BYTES + payload.length) throw new RangeError(`a message with ${payload.length} payload bytes needs ${SESSION_HEADER_BYTES + payload.length} bytes, not ${out.length}`);
  // Written byte by byte rather than through a DataView, which needs `out.buffer` (see above).
  out[0] = SESSION_MAGIC >>> 8;
  out[1] = SESSION_MAGIC & 0xff;
  out[2] = (SESSION_VERSION << 4) | (header.type & 0x0f);
  out[3] = header.flags & 0xff;
  putUint32(out, 4, header.cookie);
  const id = BigInt.asUintN(64, header.sessionId);
  putUint32(out, 8, Number(id >> 32n));
  putUint32(out, 12, Number(id & 0xffffffffn));
  putUint32(out, 16, header.sessionVersion);
  putUint32(out, 20, header.requestId);
  // Answers are mostly a few bytes, where set() costs more than a loop.
  if (payload.length > 32) out.set(payload, SESSION_HEADER_BYTES);
  else for (let i = 0; i < payload.length; i++) out[SESSION_HEADER_BYTES + i] = payload[i]!;
  return out;
}

/** Big-endian, as DataView.setUint32 writes it (the value is taken modulo 2^32). */
function putUint32(out: Uint8Array, at: number, value: number): void {
  const v = value >>> 0;
  out[at] = v >>> 24;
  out[at + 1] = (v >>> 16) & 0xff;
  out[at + 2] = (v >>> 8) & 0xff;
  out[at + 3] = v & 0xff;
}

export type DecodeResult =
  | { readonly ok: true; readonly message: SessionMessage }
  | { readonly ok: false; readonly reason: "short" | "magic" | "version" | "type" };

/** Decodes a UDP payload; never throws, so a malformed datagram cannot crash a server. */
export function decodeSessionMessage(bytes: Uint8Array): DecodeResult {
  if (bytes.length < SESSION_HEADER_BYTES) return { ok: false, reason: "short" };
  // Read byte by byte rather than through a DataView: one fewer object per datagram.
  if (((bytes[0]! << 8) | bytes[1]!) !== SESSION_MAGIC) return { ok: false, reason: "magic" };
  const versionType = bytes[2]!;
  if (versionType >> 4 !== SESSION_VERSION) return { ok: false, reason: "version" };
  const type = versionType & 0x0f;
  if (type !== MessageType.Request && type !== MessageType.Response && type !== MessageType.Error) {
    return { ok: false, reason: "type" };
  }
  return {
    ok: true,
    message: {
      header: {
        type,
        flags: bytes[3]!,
        cookie: getUint32(bytes, 4) as Cookie,
        sessionId: ((BigInt(getUint32(bytes, 8)) << 32n) | BigInt(getUint32(bytes, 12))) as SessionId,
        sessionVersion: getUint32(bytes, 16),
        requestId: getUint32(bytes, 20),
      },
      payload: bytes.subarray(SESSION_HEADER_BYTES),
    },
  };
}

function getUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}
