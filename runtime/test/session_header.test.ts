import test from "ava";
import {
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
