import test from "ava";
import { decodeMessage, encodeMessage } from "../../../bmv2/src/p4runtime/proto.ts";
import { decodeDigestData, decodeEntity, encodeEntity, entityContent, entityIdentity, type ProtoObject } from "../../src/p4rt/codec.ts";
import { action, group, groupAction, member, registerEntry, tableEntry, counterEntry, type Entity } from "../../src/p4rt/entities.ts";
import { P4InfoError, P4Schema } from "../../src/p4rt/p4info.ts";
import { P4ValueError } from "../../src/p4rt/values.ts";
import { fixtureP4Info } from "./fixture_p4info.ts";

const schema = new P4Schema(fixtureP4Info());
const hex = (b: unknown): string => Buffer.from(b as Uint8Array).toString("hex");

/** Through the real protobuf encoding and back, as entities travel to and from a switch. */
function wire(entity: Entity): ProtoObject {
  return decodeMessage<ProtoObject>("p4.v1.Entity", encodeMessage("p4.v1.Entity", encodeEntity(schema, entity)));
}

test("names resolve by full name, alias and unambiguous suffix; aliases beat suffixes", (t) => {
  t.is(schema.tables.get("MyIngress.route").preamble.id, 1001);
  t.is(schema.tables.get("route").preamble.id, 1001);
  t.is(schema.tables.get("MyEgress.route").preamble.id, 1004);
  t.is(schema.actions.get("forward").preamble.id, 2001);
  t.is(schema.matchField(schema.tables.get("route"), "ipv4.dstAddr").id, 1, "field by suffix");
  t.throws(() => schema.matchField(schema.tables.get("route"), "dstAddr"), { instanceOf: P4InfoError }, "ambiguous suffix");
  t.is(schema.matchField(schema.tables.get("route"), "hdr.ethernet.dstAddr").kind, "exact");
  t.true(schema.needsPriority(schema.tables.get("acl")));
  t.false(schema.needsPriority(schema.tables.get("route")));
  t.is(schema.profileOf(schema.tables.get("pick"))?.preamble.name, "MyIngress.selector");
  t.throws(() => schema.tables.get("nope"), { instanceOf: P4InfoError });
  t.deepEqual(schema.digestFields(schema.digests.get("server_down_t")), [
    { name: "server_id", bitwidth: 16 },
    { name: "reason", bitwidth: 8 },
  ]);
});

test("table entries encode canonically, with LPM masked and fields in id order", (t) => {
  const e = encodeEntity(schema, tableEntry("route", {
    match: { "hdr.ethernet.dstAddr": "00:00:00:00:00:0a", "hdr.ipv4.dstAddr": "10.1.2.3/8" },
    action: action("forward", { port: 3, dmac: "aa:bb:cc:dd:ee:ff" }),
  })).table_entry as ProtoObject;
  t.is(e.table_id, 1001);
  const match = e.match as ProtoObject[];
  t.deepEqual(match.map((m) => m.field_id), [1, 2]);
  const lpm = match[0]!.lpm as ProtoObject;
  t.is(hex(lpm.value), "0a000000");
  t.is(lpm.prefix_len, 8);
  t.is(hex((match[1]!.exact as ProtoObject).value), "0a");
  const params = ((e.action as ProtoObject).action as ProtoObject).params as ProtoObject[];
  t.deepEqual(params.map((p) => hex(p.value)), ["03", "aabbccddeeff"]);
});

test("don't-care fields are left out (prefix 0, mask 0, full range)", (t) => {
  const e = encodeEntity(schema, tableEntry("acl", {
    match: { "hdr.udp.dstPort": { value: 7700, mask: 0 }, "hdr.udp.srcPort": { low: 0, high: 65535 } },
    action: action("drop"),
    priority: 10,
  })).table_entry as ProtoObject;
  t.deepEqual(e.match, []);
  const lpm0 = encodeEntity(schema, tableEntry("route", { match: { "hdr.ipv4.dstAddr": "0.0.0.0/0", "hdr.ethernet.dstAddr": 1 } })).table_entry as ProtoObject;
  t.is((lpm0.match as ProtoObject[]).length, 1);
});

test("caller mistakes name the field: wrong width, missing param, unknown param, wrong shape", (t) => {
  t.throws(() => encodeEntity(schema, tableEntry("route", { match: { "hdr.ethernet.dstAddr": 1 }, action: action("forward", { port: 512, dmac: 1 }) })), {
    instanceOf: P4ValueError,
    message: /port/,
  });
  t.throws(() => encodeEntity(schema, tableEntry("route", { action: action("forward", { port: 1 }) })), { message: /dmac/ });
  t.throws(() => encodeEntity(schema, tableEntry("route", { action: action("forward", { port: 1, dmac: 1, bogus: 2 }) })), { instanceOf: P4InfoError });
  t.throws(() => encodeEntity(schema, tableEntry("route", { match: { "hdr.ethernet.dstAddr": { low: 1, high: 2 } } })), { message: /exact/ });
});

test("every entity kind survives the wire round trip", (t) => {
  const entities: Entity[] = [
    tableEntry("route", { match: { "hdr.ipv4.dstAddr": "10.0.0.0/8", "hdr.ethernet.dstAddr": 5 }, action: action("forward", { port: 1, dmac: 2 }) }),
    tableEntry("acl", { match: { "hdr.udp.dstPort": { value: 7700, mask: 0xffff }, "hdr.udp.srcPort": { low: 10, high: 20 } }, action: action("drop"), priority: 3 }),
    tableEntry("pick", { match: { "meta.vip": 1 }, action: groupAction(7) }),
    member("selector", 4, { name: "forward", params: { port: 4, dmac: "00:00:00:00:00:04" } }),
    group("selector", 7, [{ memberId: 4, weight: 1 }], 8),
    counterEntry("requests", 3, { packets: 10n, bytes: 1000n }),
    registerEntry("health", 2, 1),
    { type: "multicast_group_entry", groupId: 1, replicas: [{ port: 1, instance: 0 }, { port: 2, instance: 1 }] },
  ];
  for (const e of entities) {
    const back = decodeEntity(schema, wire(e));
    t.truthy(back, e.type);
    t.is(entityContent(schema, back!), entityContent(schema, e), `${e.type} content`);
    t.is(entityIdentity(schema, back!), entityIdentity(schema, e), `${e.type} identity`);
  }
  const read = decodeEntity(schema, wire(entities[0]!));
  t.deepEqual(read, {
    type: "table_entry",
    table: "MyIngress.route",
    match: { "hdr.ipv4.dstAddr": { value: 0x0a000000n, prefixLen: 8 }, "hdr.ethernet.dstAddr": 5n },
    action: { kind: "action", action: { name: "MyIngress.forward", params: { port: 1n, dmac: 2n } } },
  });
});

test("identity ignores the action; content does not", (t) => {
  const a = tableEntry("pick", { match: { "meta.vip": 1 }, action: action("forward", { port: 1, dmac: 1 }) });
  const b = tableEntry("pick", { match: { "meta.vip": 1 }, action: action("forward", { port: 2, dmac: 1 }) });
  t.is(entityIdentity(schema, a), entityIdentity(schema, b));
  t.not(entityContent(schema, a), entityContent(schema, b));
  const g1 = group("selector", 1, [{ memberId: 1 }, { memberId: 2 }]);
  const g2 = group("selector", 1, [{ memberId: 2 }, { memberId: 1 }]);
  t.is(entityContent(schema, g1), entityContent(schema, g2), "group member order does not matter");
});

test("digest data decodes into named fields", (t) => {
  const data = { struct: { members: [{ bitstring: Uint8Array.of(0, 3) }, { bitstring: Uint8Array.of(1) }] } };
  t.deepEqual(decodeDigestData(schema, 7001, data), { server_id: 3n, reason: 1n });
});
