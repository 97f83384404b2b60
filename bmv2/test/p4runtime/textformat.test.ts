import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import test from "ava";
import { P4InfoIndex, parseP4InfoText, printP4InfoText } from "../../src/p4runtime/p4info_index.ts";
import { decodeMessage, encodeMessage, messageType } from "../../src/p4runtime/proto.ts";
import { parseTextFormat, printTextFormat, TextFormatError } from "../../src/p4runtime/textformat.ts";
import { conformanceDir, v1modelCases } from "../../../testbench/src/conformance.ts";
import { FIXTURES } from "./harness.ts";

const cases = v1modelCases();
const withoutHeaderComments = (text: string): string =>
  text
    .split("\n")
    .filter((l) => !l.startsWith("#"))
    .join("\n")
    .replace(/^\n+/, "");

const corpus = conformanceDir();
if (!corpus) console.log("conformance corpus not found: the corpus tests are skipped");
const withCorpus = corpus ? test : test.skip;

withCorpus("every conformance P4Info prints back byte-identical to p4c's text", (t) => {
  const type = messageType("p4.config.v1.P4Info");
  let checked = 0;
  for (const c of cases) {
    const text = readFileSync(c.p4infoFile, "utf8");
    const parsed = parseTextFormat(type, text);
    t.is(printTextFormat(type, parsed), withoutHeaderComments(text), c.name);
    // And the binary form survives too.
    t.deepEqual(decodeMessage("p4.config.v1.P4Info", encodeMessage("p4.config.v1.P4Info", parsed)), parsed, c.name);
    checked++;
  }
  t.is(checked, cases.length);
  t.true(checked >= 90);
});

const TRACE_TYPES = new Set([
  "p4.v1.WriteRequest",
  "p4.v1.ReadRequest",
  "p4.v1.SetForwardingPipelineConfigRequest",
  "p4.v1.GetForwardingPipelineConfigRequest",
  "p4.v1.StreamMessageRequest",
]);

withCorpus("every request in the p4runtime traces parses and round-trips", (t) => {
  const traceDir = join(corpus!, "p4runtime");
  let parsed = 0;
  for (const file of readdirSync(traceDir).filter((f) => /^\d\d_.*\.txt$/.test(f))) {
    const lines = readFileSync(join(traceDir, file), "utf8").split("\n");
    for (let i = 0; i < lines.length; i++) {
      const m = /^--- request .*\((p4\.v1\.\w+)\)$/.exec(lines[i]!);
      if (!m || !TRACE_TYPES.has(m[1]!)) continue;
      const body: string[] = [];
      for (i++; i < lines.length && !lines[i]!.startsWith("---"); i++) body.push(lines[i]!);
      i--;
      const text = body.join("\n");
      if (text.includes("<empty message>")) continue;
      const type = messageType(m[1]!);
      const message = parseTextFormat(type, text);
      t.deepEqual(parseTextFormat(type, printTextFormat(type, message)), message, `${file}: ${text.slice(0, 60)}`);
      parsed++;
    }
  }
  t.true(parsed > 100, `parsed ${parsed} requests`);
});

test("bytes escapes decode as protobuf's C escapes", (t) => {
  const type = messageType("p4.v1.FieldMatch");
  const m = parseTextFormat<{ exact: { value: Buffer } }>(type, String.raw`field_id: 1 exact { value: "\002\000B\n\t\x41\\\"" }`);
  t.deepEqual([...m.exact.value], [2, 0, 0x42, 10, 9, 0x41, 0x5c, 0x22]);
  t.is(printTextFormat(type, m), 'field_id: 1\nexact {\n  value: "\\002\\000B\\n\\tA\\\\\\""\n}\n');
});

test("64-bit integers keep full precision and hex literals parse", (t) => {
  const type = messageType("p4.v1.WriteRequest");
  const m = parseTextFormat<{ election_id: { high: string; low: string }; device_id: string }>(
    type,
    "device_id: 0x10 election_id { high: 18446744073709551615 low: 9007199254740993 }",
  );
  t.is(m.device_id, "16");
  t.is(m.election_id.high, "18446744073709551615");
  t.is(m.election_id.low, "9007199254740993");
  t.regex(printTextFormat(type, m), /low: 9007199254740993/);
});

test("enums by name, repeated list syntax, angle brackets and comments", (t) => {
  const type = messageType("p4.v1.WriteRequest");
  const m = parseTextFormat<{ updates: { type: string }[]; atomicity: string }>(
    type,
    "# a comment\nupdates < type: INSERT > updates: [{ type: DELETE }, { type: 2 }]\natomicity: ROLLBACK_ON_ERROR",
  );
  t.deepEqual(
    m.updates.map((u) => u.type),
    ["INSERT", "DELETE", "MODIFY"],
  );
  t.is(m.atomicity, "ROLLBACK_ON_ERROR");
});

test("malformed text is rejected with the line number", (t) => {
  const type = messageType("p4.v1.TableEntry");
  const unknown = t.throws(() => parseTextFormat(type, "table_id: 1\nno_such_field: 2"), { instanceOf: TextFormatError });
  t.regex(unknown!.message, /line 2/);
  t.throws(() => parseTextFormat(type, 'table_id: "x"'), { instanceOf: TextFormatError });
  t.throws(() => parseTextFormat(type, "match { field_id: 1"), { instanceOf: TextFormatError });
  t.throws(() => parseTextFormat(type, 'metadata: "unterminated'), { instanceOf: TextFormatError });
});

test("map fields parse and print sorted by key", (t) => {
  const type = messageType("p4.config.v1.P4TypeInfo");
  const text = 'new_types {\n  key: "b"\n  value {\n    translated_type {\n      uri: "u"\n      sdn_bitwidth: 32\n    }\n  }\n}\nnew_types {\n  key: "a"\n  value {\n  }\n}\n';
  const m = parseTextFormat<{ new_types: Record<string, unknown> }>(type, text);
  t.deepEqual(Object.keys(m.new_types).sort(), ["a", "b"]);
  t.is(printTextFormat(type, m), 'new_types {\n  key: "a"\n  value {\n  }\n}\nnew_types {\n  key: "b"\n  value {\n    translated_type {\n      uri: "u"\n      sdn_bitwidth: 32\n    }\n  }\n}\n');
});

test("P4InfoIndex finds objects by id, name and alias", (t) => {
  const index = P4InfoIndex.fromText(readFileSync(join(FIXTURES, "sel.p4info.txtpb"), "utf8"));
  t.is(index.tables.get("MyIngress.dmac")?.preamble.id, 44918510);
  t.is(index.tables.get("dmac")?.preamble.id, 44918510);
  t.is(index.tables.name(37519123, "table"), "MyIngress.acl");
  t.is(index.actions.id("forward", "action"), 29683729);
  t.is(index.param("forward", "port")?.bitwidth, 9);
  t.deepEqual(
    index.matchFields("acl").map((f) => [f.id, f.match_type]),
    [
      [1, "TERNARY"],
      [2, "LPM"],
    ],
  );
  t.is(index.actionRef("ecmp", 21257015)?.scope, "DEFAULT_ONLY");
  t.is(index.directCounterOf(37519123)?.preamble.name, "MyIngress.dctr");
  t.is(index.actionProfiles.get("sel")?.max_group_size, 4);
  t.is(index.counters.get(303593596)?.preamble.alias, "ctr1");
  t.is(index.registers.get("reg1")?.size, 16);
  t.deepEqual(
    index.packetMetadata("packet_out").map((m) => [m.name, m.bitwidth]),
    [
      ["egress_port", 9],
      ["_pad", 7],
    ],
  );
  t.is(index.tables.get(12345), undefined);
  t.throws(() => index.tables.require("nope", "table"), { message: /no table 'nope'/ });
});

test("printP4InfoText and parseP4InfoText are inverse", (t) => {
  const text = readFileSync(join(FIXTURES, "sel.p4info.txtpb"), "utf8");
  const p4info = parseP4InfoText(text);
  t.deepEqual(parseP4InfoText(printP4InfoText(p4info)), p4info);
  t.is(printP4InfoText(p4info), withoutHeaderComments(text));
});
