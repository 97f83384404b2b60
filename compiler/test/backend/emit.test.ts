import test from "ava";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { emitBmv2Json } from "../../src/emit/bmv2_json.ts";
import { hexString } from "../../src/emit/hex.ts";
import { emitP4Info } from "../../src/emit/p4info.ts";
import { P4IdAllocator, jenkinsOneAtATime } from "../../src/emit/p4info_ids.ts";
import { printP4InfoText } from "../../src/emit/p4info_text.ts";
import type { IrAction, IrProgram, IrTable } from "../../src/ir/program.ts";
import { coreErrors, standardMetadataType, v1modelFieldAliases } from "../../src/ir/v1model.ts";
import { parseP4InfoText } from "../../src/real/textproto.ts";
import { conformanceDir } from "../../../testbench/src/conformance.ts";

const src = (filename: string, line: number, column: number, fragment: string) => ({ filename, line, column, fragment });

/** The IR of p4c's default_action-bmv2.p4 test, written by hand. */
function defaultActionProgram(): IrProgram {
  const add: IrAction = {
    name: "ingress.c.add",
    controlName: "ingress.c.add",
    params: [{ name: "data", bitwidth: 32, idAnnotation: null, p4info: { bitwidth: 32, typeName: null } }],
    primitives: [
      {
        op: "assign",
        args: [
          { kind: "field", header: "h", field: "b" },
          {
            kind: "op",
            op: "&",
            left: { kind: "op", op: "+", left: { kind: "field", header: "h", field: "a" }, right: { kind: "param", index: 0 } },
            right: { kind: "const", value: 0xffffffffn, width: 32 },
          },
        ],
        source: src("default_action-bmv2.p4", 27, 6, "h.b = h.a + data"),
      },
    ],
    source: null,
    idAnnotation: null,
    annotations: [],
  };
  const line51: IrAction = {
    name: "arithinlineskeleton51",
    controlName: null,
    params: [],
    primitives: [
      {
        op: "assign",
        args: [{ kind: "field", header: "standard_metadata", field: "egress_spec" }, { kind: "const", value: 0n, width: 9 }],
        source: src("arith-inline-skeleton.p4", 51, 8, "sm.egress_spec = 0"),
      },
    ],
    source: null,
    idAnnotation: null,
    annotations: [],
  };
  const common = {
    keys: [],
    type: "simple" as const,
    actionProfile: null,
    maxSize: 1024,
    p4infoSize: 1024,
    withCounters: false,
    directCounter: null,
    directMeter: null,
    supportTimeout: false,
    entries: [],
    idAnnotation: null,
    annotations: [],
    isConstTable: false,
  };
  const t: IrTable = {
    ...common,
    name: "ingress.c.t",
    controlName: "ingress.c.t",
    source: src("default_action-bmv2.p4", 28, 10, "t"),
    actions: [{ action: "ingress.c.add", scope: "TABLE_AND_DEFAULT", annotations: [] }],
    baseDefaultNext: "tbl_arithinlineskeleton51",
    nextTables: { kind: "byAction", next: new Map([["ingress.c.add", "tbl_arithinlineskeleton51"]]) },
    defaultEntry: { action: { action: "ingress.c.add", data: [{ value: 10n, width: 32 }] }, actionConst: true, entryConst: true },
  };
  const tbl51: IrTable = {
    ...common,
    name: "tbl_arithinlineskeleton51",
    controlName: null,
    source: src("arith-inline-skeleton.p4", 51, 23, "="),
    actions: [{ action: "arithinlineskeleton51", scope: "TABLE_AND_DEFAULT", annotations: [] }],
    baseDefaultNext: null,
    nextTables: { kind: "byAction", next: new Map([["arithinlineskeleton51", null]]) },
    defaultEntry: { action: { action: "arithinlineskeleton51", data: [] }, actionConst: true, entryConst: true },
  };
  return {
    programName: "default_action-bmv2.p4",
    arch: "v1model",
    headerTypes: [
      { name: "scalars_0", fields: [] },
      standardMetadataType(),
      {
        name: "hdr",
        fields: [
          { name: "a", width: 32, signed: false, varbit: false },
          { name: "b", width: 32, signed: false, varbit: false },
        ],
      },
    ],
    headers: [
      { name: "scalars", headerType: "scalars_0", metadata: true },
      { name: "standard_metadata", headerType: "standard_metadata", metadata: true },
      { name: "h", headerType: "hdr", metadata: false },
    ],
    headerStacks: [],
    headerUnionTypes: [],
    headerUnions: [],
    headerUnionStacks: [],
    fieldLists: [],
    errors: coreErrors.map((e, i) => [e, i] as const),
    enums: [],
    parsers: [
      {
        name: "parser",
        initState: "start",
        states: [
          {
            name: "start",
            ops: [{ op: { op: "extract", target: { kind: "header", name: "h" } }, source: null }],
            key: [],
            transitions: [{ type: "default", next: null }],
          },
        ],
      },
    ],
    parseVsets: [],
    deparsers: [{ name: "deparser", source: src("arith-inline-skeleton.p4", 43, 8, "deparser"), order: ["h"], primitives: [] }],
    meterArrays: [],
    counterArrays: [],
    registerArrays: [],
    calculations: [],
    learnLists: [],
    actions: [add, line51],
    pipelines: [
      {
        name: "ingress",
        source: src("arith-inline-skeleton.p4", 47, 8, "ingress"),
        initTable: "ingress.c.t",
        tables: [t, tbl51],
        actionProfiles: [],
        conditionals: [],
      },
      { name: "egress", source: src("arith-inline-skeleton.p4", 41, 8, "egress"), initTable: null, tables: [], actionProfiles: [], conditionals: [] },
    ],
    checksums: [],
    externInstances: [],
    fieldAliases: v1modelFieldAliases,
    controllerHeaders: [],
    typeInfo: { serializableEnums: [], errors: null, newTypes: [] },
  };
}

const v1dir = (() => {
  const dir = conformanceDir();
  return dir ? join(dir, "v1model") : null;
})();

test("hex text is padded to whole bytes of the width, bare without one", (t) => {
  t.is(hexString(0n, 9), "0x0000");
  t.is(hexString(0xffffffffn, 32), "0xffffffff");
  t.is(hexString(10n, null), "0xa");
  t.is(hexString(-1n, 8), "-0x01");
});

test("P4Runtime ids hash the fully qualified name like p4c (values from real p4c output)", (t) => {
  const ids = new P4IdAllocator();
  t.is(ids.allocate("table", "ingress.c.t"), 43577110);
  t.is(ids.allocate("action", "ingress.c.add"), 29022044);
  t.is(ids.allocate("register", "r"), 369183714);
  t.is(jenkinsOneAtATime("") >>> 0, 0);
});

test("P4Runtime ids probe past collisions and keep @id values", (t) => {
  const ids = new P4IdAllocator();
  const annotated = ids.reserve("table", 0x0298ef16);
  t.is(annotated, 43577110);
  // The hashed id of this name is the reserved one, so it moves to the next free value.
  t.is(ids.allocate("table", "ingress.c.t"), 43577111);
  t.is(ids.reserve("action", 7), 0x01000007);
  t.throws(() => ids.reserve("action", 7));
});

/** The ground truth comes from the conformance corpus; without it these checks skip (never pass). */
const corpusTest = v1dir && existsSync(join(v1dir, "default_action-bmv2.json")) ? test : test.skip;

corpusTest("emitted BMv2 JSON equals real p4c output for default_action-bmv2", (t) => {
  const file = join(v1dir!, "default_action-bmv2.json");
  const real = JSON.parse(readFileSync(file, "utf8"));
  const ours = JSON.parse(JSON.stringify(emitBmv2Json(defaultActionProgram())));
  // p4c gives actions source_info only when they come from source; ours leave it out alike.
  t.deepEqual(ours, real);
});

corpusTest("P4Info of default_action-bmv2 matches real p4c (ids, names, default action bytes)", (t) => {
  const file = join(v1dir!, "default_action-bmv2.p4info.txtpb");
  const realText = readFileSync(file, "utf8");
  const text = printP4InfoText(emitP4Info(defaultActionProgram()));
  t.is(text, realText);
  t.deepEqual(parseP4InfoText(text), parseP4InfoText(realText));
});

test("P4Info text read back by parseP4InfoText prints unchanged, printable bytes values included", (t) => {
  // p4c writes a bytes value without escapes ("A") when every byte is printable; the reader gives it back as text.
  const text = [
    "# proto-file: p4/config/v1/p4info.proto",
    "# proto-message: p4.config.v1.P4Info",
    "",
    "tables {",
    "  preamble {",
    "    id: 33554433",
    '    name: "ingress.t"',
    '    alias: "t"',
    "  }",
    "  initial_default_action {",
    "    action_id: 16777217",
    "    arguments {",
    "      param_id: 1",
    '      value: "A"',
    "    }",
    "    arguments {",
    "      param_id: 2",
    '      value: "\\000\\n"',
    "    }",
    "  }",
    "  size: 1024",
    "}",
    "",
  ].join("\n");
  t.is(printP4InfoText(parseP4InfoText(text)), text);
});

test("P4Info lists direct counters, registers and digests with their p4c prefixes", (t) => {
  const base = defaultActionProgram();
  const program: IrProgram = {
    ...base,
    counterArrays: [{ kind: "counter", name: "ingress.hits", controlName: "ingress.hits", size: 0, unit: "packets", directTable: "ingress.c.t", source: null, idAnnotation: null }],
    registerArrays: [{ kind: "register", name: "ingress.r", controlName: "ingress.r", size: 16, bitwidth: 48, source: null, idAnnotation: null }],
    learnLists: [{ name: "digest_t", controlName: "digest_t", elements: [{ kind: "field", header: "h", field: "a" }], members: [{ name: "a", width: 32 }] }],
    pipelines: base.pipelines.map((p) => ({
      ...p,
      tables: p.tables.map((tb) => (tb.name === "ingress.c.t" ? { ...tb, withCounters: true, directCounter: "ingress.hits" } : tb)),
    })),
  };
  const info = emitP4Info(program) as Record<string, any>;
  t.is(info["direct_counters"][0].preamble.id >>> 24, 0x13);
  t.is(info["direct_counters"][0].direct_table_id, 43577110);
  t.deepEqual(info["tables"][0].direct_resource_ids, [info["direct_counters"][0].preamble.id]);
  t.is(info["registers"][0].preamble.id >>> 24, 0x16);
  t.is(info["registers"][0].type_spec.bitstring.bit.bitwidth, 48);
  t.is(info["digests"][0].preamble.id >>> 24, 0x17);
  t.is(info["type_info"].structs["digest_t"].members[0].name, "a");
  const json = emitBmv2Json(program) as Record<string, any>;
  t.deepEqual(json["counter_arrays"][0], { name: "ingress.hits", id: 0, is_direct: true, binding: "ingress.c.t" });
  t.is(json["pipelines"][0].tables[0].with_counters, true);
  t.deepEqual(json["learn_lists"][0], { id: 1, name: "digest_t", elements: [{ type: "field", value: ["h", "a"] }] });
});
