import test from "ava";
import {
  type Cookie,
  Flags,
  MessageType,
  SESSION_HEADER_BYTES,
  type SessionId,
  decodeCookie,
  decodeSessionMessage,
  encodeSessionMessage,
  makeCookie,
  serverId,
} from "../src/wire/session_header.ts";

test("cookie is the sum of the primary number (id x 65536) and the secondary number (id)", (t) => {
  const cookie = makeCookie(serverId(3), serverId(65534));
  t.is(cookie as number, 3 * 65536 + 65534);
  t.deepEqual(decodeCookie(cookie), { primary: 3, secondary: 65534 });
  t.throws(() => makeCookie(serverId(5), serverId(5)), { instanceOf: RangeError });
  t.throws(() => serverId(0), { instanceOf: RangeError });
  t.throws(() => serverId(65535), { instanceOf: RangeError });
});

test("session header round-trips big-endian with the payload after 24 bytes", (t) => {
  const header = {
    type: MessageType.Request,
    flags: Flags.Retry,
    cookie: makeCookie(serverId(1), serverId(2)),
    sessionId: 0x0123456789abcdefn as SessionId,
    sessionVersion: 7,
    requestId: 0xfffffffe,
  };
  const bytes = encodeSessionMessage(header, new TextEncoder().encode("hi"));
  t.is(bytes.length, SESSION_HEADER_BYTES + 2);
  t.deepEqual([...bytes.subarray(0, 8)], [0x53, 0x4c, 0x11, 0x02, 0x00, 0x01, 0x00, 0x02]);
  const decoded = decodeSessionMessage(bytes);
  t.true(decoded.ok);
  if (decoded.ok) {
    t.deepEqual(decoded.message.header, header);
    t.is(new TextDecoder().decode(decoded.message.payload), "hi");
  }
});

test("the header is laid out as DataView writes it, at the edges of every field", (t) => {
  const headers = [
    { type: MessageType.Response, flags: 0xff, cookie: 0xffffffff, sessionId: 0xffffffffffffffffn, sessionVersion: 0xffffffff, requestId: 0xffffffff },
    { type: MessageType.Error, flags: 0, cookie: 0, sessionId: 0n, sessionVersion: 0, requestId: 0 },
    { type: MessageType.Request, flags: Flags.Failover, cookie: 0x80000001, sessionId: 0x8000000000000001n, sessionVersion: 0x01020304, requestId: 0x80706050 },
  ];
  for (const h of headers) {
    const payload = new Uint8Array(40).map((_, i) => i * 7);
    const expected = new Uint8Array(SESSION_HEADER_BYTES + payload.length);
    const view = new DataView(expected.buffer);
    view.setUint16(0, 0x534c);
    view.setUint8(2, 0x10 | h.type);
    view.setUint8(3, h.flags);
    view.setUint32(4, h.cookie);
    view.setBigUint64(8, h.sessionId);
    view.setUint32(16, h.sessionVersion);
    view.setUint32(20, h.requestId);
    expected.set(payload, SESSION_HEADER_BYTES);
    for (const body of [payload, payload.subarray(0, 3)]) {
      const bytes = encodeSessionMessage({ ...h, cookie: h.cookie as Cookie, sessionId: h.sessionId as SessionId }, body);
      t.deepEqual([...bytes], [...expected.subarray(0, SESSION_HEADER_BYTES + body.length)]);
      // Into a caller's buffer (a server's pooled Buffer), which must be exactly the message's size.
      const pooled = Buffer.allocUnsafe(SESSION_HEADER_BYTES + body.length).fill(0xee);
      t.is(encodeSessionMessage({ ...h, cookie: h.cookie as Cookie, sessionId: h.sessionId as SessionId }, body, pooled), pooled);
      t.deepEqual([...pooled], [...bytes]);
      t.throws(() => encodeSessionMessage({ ...h, cookie: h.cookie as Cookie, sessionId: h.sessionId as SessionId }, body, new Uint8Array(SESSION_HEADER_BYTES)), { instanceOf: RangeError });
    }
  }
});

test("malformed headers are reported, never thrown", (t) => {
  t.deepEqual(decodeSessionMessage(new Uint8Array(23)), { ok: false, reason: "short" });
  const bad = encodeSessionMessage({ type: MessageType.Request, flags: 0, cookie: makeCookie(serverId(1), serverId(2)), sessionId: 1n as SessionId, sessionVersion: 0, requestId: 0 });
  bad[0] = 0;
  t.deepEqual(decodeSessionMessage(bad), { ok: false, reason: "magic" });
  bad[0] = 0x53;
  bad[2] = 0x21;
  t.deepEqual(decodeSessionMessage(bad), { ok: false, reason: "version" });
  bad[2] = 0x14;
  t.deepEqual(decodeSessionMessage(bad), { ok: false, reason: "type" });
});
