/** Every program of the conformance corpus goes through SetForwardingPipelineConfig and reads back cleanly. */
import * as grpc from "@grpc/grpc-js";
import test from "ava";
import { conformanceDir, v1modelCases } from "../../../testbench/src/conformance.ts";
import { conformanceProgram, eid, startRig } from "./harness.ts";

const corpus = conformanceDir();
if (!corpus) console.log("conformance corpus not found: the corpus tests are skipped");
const withCorpus = corpus ? test : test.skip;

withCorpus("all conformance programs load, and their tables and default entries read without error", async (t) => {
  const rig = await startRig();
  t.teardown(() => rig.close());
  const p = rig.client();
  await rig.primary(p, 1);
  let loaded = 0;
  for (const c of v1modelCases()) {
    const program = conformanceProgram(c.name)!;
    const r = await rig.load(p, program, 1, loaded);
    t.like(r, { ok: true }, c.name);
    const entries = await p.read({ entities: [{ table_entry: {} }, { table_entry: { is_default_action: true } }, { counter_entry: {} }, { register_entry: {} }] });
    t.like(entries, { ok: true }, c.name);
    const tables = program.p4info.tables ?? [];
    if (entries.ok) t.true(entries.entities.filter((e) => e["table_entry"]?.is_default_action).length === tables.length, c.name);
    loaded++;
  }
  t.is(loaded, v1modelCases().length);
});

withCorpus("const tables refuse writes and report their entries as const", async (t) => {
  const program = conformanceProgram("v1model-const-entries-bmv2")!;
  const table = program.p4info.tables!.find((tb) => tb.is_const_table)!;
  const rig = await startRig();
  t.teardown(() => rig.close());
  const p = rig.client();
  await rig.primary(p, 1);
  t.like(await rig.load(p, program, 1), { ok: true });
  const read = await p.read({ entities: [{ table_entry: { table_id: table.preamble.id } }] });
  t.true(read.ok && read.entities.length > 0);
  t.true(read.ok && read.entities.every((e) => e["table_entry"].const === true));
  const first = read.ok ? read.entities[0]!["table_entry"] : {};
  const del = await p.write({ election_id: eid(1), updates: [{ type: "DELETE", entity: { table_entry: first } }] });
  t.like(del.ok ? {} : del.errors[0], { canonical_code: grpc.status.PERMISSION_DENIED });
  const after = await p.read({ entities: [{ table_entry: { table_id: table.preamble.id } }] });
  t.is(after.ok && after.entities.length, read.ok ? read.entities.length : -1);
});

/** Deterministic pseudo-random bits, so a failure reproduces. */
function randomBits(seed: { s: number }, width: number): bigint {
  let v = 0n;
  for (let i = 0; i < width; i++) {
    seed.s = (seed.s * 1103515245 + 12345) & 0x7fffffff;
    v = (v << 1n) | BigInt((seed.s >> 16) & 1);
  }
  return v;
}

const bytesOf = (v: bigint): Buffer => {
  let h = v.toString(16);
  if (h.length % 2) h = "0" + h;
  return Buffer.from(v === 0n ? "00" : h, "hex");
};

withCorpus("every writable table of the corpus takes an entry of every match kind, reads it back canonical, modifies and deletes it", async (t) => {
  const rig = await startRig();
  t.teardown(() => rig.close());
  const p = rig.client();
  await rig.primary(p, 1);
  const seed = { s: 42 };
  let tablesTried = 0;
  const kinds = new Set<string>();
  for (const c of v1modelCases()) {
    const program = conformanceProgram(c.name)!;
    t.like(await rig.load(p, program, 1), { ok: true }, c.name);
    for (const table of program.p4info.tables ?? []) {
      if (table.is_const_table || table.implementation_id) continue;
      const ref = (table.action_refs ?? []).find((r) => r.scope !== "DEFAULT_ONLY");
      if (!ref || !table.match_fields?.length) continue;
      const action = program.p4info.actions!.find((a) => a.preamble.id === ref.id)!;
      let needsPriority = false;
      const match = table.match_fields.map((f) => {
        const w = f.bitwidth;
        kinds.add(String(f.match_type));
        switch (f.match_type) {
          case "TERNARY": {
            needsPriority = true;
            const mask = randomBits(seed, w) | 1n;
            return { field_id: f.id, ternary: { value: bytesOf(randomBits(seed, w) & mask), mask: bytesOf(mask) } };
          }
          case "LPM": {
            const prefix = Math.max(1, w >> 1);
            const value = (randomBits(seed, w) >> BigInt(w - prefix)) << BigInt(w - prefix);
            return { field_id: f.id, lpm: { value: bytesOf(value), prefix_len: prefix } };
          }
          case "RANGE": {
            needsPriority = true;
            const a = randomBits(seed, w - 1);
            return { field_id: f.id, range: { low: bytesOf(a), high: bytesOf(a + 1n) } };
          }
          case "OPTIONAL":
            needsPriority = true;
            return { field_id: f.id, optional: { value: bytesOf(randomBits(seed, w)) } };
          default:
            return { field_id: f.id, exact: { value: bytesOf(randomBits(seed, w)) } };
        }
      });
      const params = (action.params ?? []).map((pr) => ({ param_id: pr.id, value: bytesOf(randomBits(seed, pr.bitwidth)) }));
      const entry = { table_id: table.preamble.id, match, action: { action: { action_id: action.preamble.id, params } }, priority: needsPriority ? 7 : 0 };
      const where = `${c.name} ${table.preamble.name}`;
      const ins = await p.write({ election_id: eid(1), updates: [{ type: "INSERT", entity: { table_entry: entry } }] });
      t.like(ins, { ok: true }, `${where}: ${ins.ok ? "" : ins.errors.map((e) => e.message).join()}`);
      const read = await p.read({ entities: [{ table_entry: { table_id: table.preamble.id, match, priority: entry.priority } }] });
      t.true(read.ok && read.entities.length === 1, where);
      const got = read.ok ? read.entities[0]!["table_entry"] : {};
      t.deepEqual(
        got.match.map((m: Record<string, any>) => [m["field_id"], m["field_match_type"], JSON.stringify(m[m["field_match_type"]])]),
        match.map((m: Record<string, any>) => {
          const kind = Object.keys(m).find((k) => k !== "field_id")!;
          return [m["field_id"], kind, JSON.stringify({ ...Object.fromEntries(Object.entries(m[kind]).map(([k, v]) => [k, v])) })];
        }),
        where,
      );
      t.like(await p.write({ election_id: eid(1), updates: [{ type: "MODIFY", entity: { table_entry: entry } }] }), { ok: true }, where);
      t.like(await p.write({ election_id: eid(1), updates: [{ type: "DELETE", entity: { table_entry: entry } }] }), { ok: true }, where);
      tablesTried++;
    }
  }
  t.true(tablesTried >= 30, `tried ${tablesTried} tables`);
  t.true(["EXACT", "TERNARY", "LPM"].every((k) => kinds.has(k)), [...kinds].join());
});
