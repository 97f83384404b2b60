/**
 * Structural comparison of our compiler's output with the real p4c's: what must agree for a
 * controller and an STF test written against real p4c output to work unchanged on ours.
 * Compiler-made names (tbl_*, temporaries, scalars) are free to differ.
 */
type J = any;

export function compareBmv2Json(ours: J, real: J): string[] {
  const diffs: string[] = [];
  const typeByName = (json: J) => new Map<string, J>(json.header_types.map((t: J) => [t.name, t]));
  const ourTypes = typeByName(ours);
  const realTypes = typeByName(real);
  const ourHeaders = new Map<string, J>(ours.headers.map((h: J) => [h.name, h]));
  // Locals get compiler-made names; the headers a packet carries (parsed or emitted) must agree.
  const packetHeaders = new Set<string>(real.deparsers[0].order);
  for (const s of real.parsers[0].parse_states as J[]) {
    for (const o of s.parser_ops as J[]) if (o.op === "extract" && o.parameters[0].type === "regular") packetHeaders.add(o.parameters[0].value);
  }
  for (const h of real.headers as J[]) {
    if (h.metadata || !packetHeaders.has(h.name)) continue;
    const mine = ourHeaders.get(h.name);
    if (!mine) {
      diffs.push(`header instance '${h.name}' missing`);
      continue;
    }
    const a = JSON.stringify(realTypes.get(h.header_type)?.fields);
    const b = JSON.stringify(ourTypes.get(mine.header_type)?.fields);
    if (a !== b) diffs.push(`header '${h.name}' fields differ: real ${a}, ours ${b}`);
  }
  const userTables = (json: J) =>
    new Map<string, J>(json.pipelines.flatMap((p: J) => p.tables).filter((t: J) => !t.name.startsWith("tbl_")).map((t: J) => [t.name, t]));
  const ourTables = userTables(ours);
  for (const [name, t] of userTables(real)) {
    const mine = ourTables.get(name);
    if (!mine) {
      diffs.push(`table '${name}' missing`);
      continue;
    }
    const keyOf = (tb: J) => JSON.stringify(tb.key.map((k: J) => [k.name, k.match_type]));
    if (keyOf(t) !== keyOf(mine)) diffs.push(`table '${name}' keys differ: real ${keyOf(t)}, ours ${keyOf(mine)}`);
    const actionsOf = (tb: J) => JSON.stringify([...tb.actions].sort());
    if (actionsOf(t) !== actionsOf(mine)) diffs.push(`table '${name}' actions differ: real ${actionsOf(t)}, ours ${actionsOf(mine)}`);
    if (t.match_type !== mine.match_type) diffs.push(`table '${name}' match_type ${mine.match_type}, real ${t.match_type}`);
    if (t.max_size !== mine.max_size) diffs.push(`table '${name}' size ${mine.max_size}, real ${t.max_size}`);
  }
  const states = (json: J) => new Map<string, J>(json.parsers[0].parse_states.map((s: J) => [s.name, s]));
  const ourStates = states(ours);
  for (const [name, s] of states(real)) {
    const mine = ourStates.get(name);
    if (!mine) {
      diffs.push(`parser state '${name}' missing`);
      continue;
    }
    const transitionsOf = (st: J) => JSON.stringify(st.transitions.map((x: J) => [x.type, x.value, x.mask, x.next_state]));
    if (transitionsOf(s) !== transitionsOf(mine)) diffs.push(`parser state '${name}' transitions differ: real ${transitionsOf(s)}, ours ${transitionsOf(mine)}`);
  }
  const deparseOrder = (json: J) => JSON.stringify(json.deparsers[0].order);
  if (deparseOrder(ours) !== deparseOrder(real)) diffs.push(`deparser order ${deparseOrder(ours)}, real ${deparseOrder(real)}`);
  return diffs;
}

export function compareP4Info(ours: J, real: J): string[] {
  const diffs: string[] = [];
  const byName = (list: J[] | undefined) => new Map<string, J>((list ?? []).map((e: J) => [e.preamble.name, e]));
  const ourTables = byName(ours.tables);
  for (const [name, t] of byName(real.tables)) {
    const mine = ourTables.get(name);
    if (!mine) {
      diffs.push(`P4Info table '${name}' missing`);
      continue;
    }
    if (mine.preamble.id !== t.preamble.id) diffs.push(`P4Info table '${name}' id ${mine.preamble.id}, real ${t.preamble.id}`);
    const fields = (tb: J) => JSON.stringify((tb.match_fields ?? []).map((f: J) => [f.id, f.name, f.bitwidth, f.match_type]));
    if (fields(mine) !== fields(t)) diffs.push(`P4Info table '${name}' match fields ${fields(mine)}, real ${fields(t)}`);
    const refs = (tb: J) => JSON.stringify((tb.action_refs ?? []).map((r: J) => r.id).sort());
    if (refs(mine) !== refs(t)) diffs.push(`P4Info table '${name}' action refs ${refs(mine)}, real ${refs(t)}`);
  }
  const ourActions = byName(ours.actions);
  for (const [name, a] of byName(real.actions)) {
    const mine = ourActions.get(name);
    if (!mine) {
      diffs.push(`P4Info action '${name}' missing`);
      continue;
    }
    if (mine.preamble.id !== a.preamble.id) diffs.push(`P4Info action '${name}' id ${mine.preamble.id}, real ${a.preamble.id}`);
    const params = (ac: J) => JSON.stringify((ac.params ?? []).map((p: J) => [p.id, p.name, p.bitwidth]));
    if (params(mine) !== params(a)) diffs.push(`P4Info action '${name}' params ${params(mine)}, real ${params(a)}`);
  }
  for (const kind of ["counters", "direct_counters", "meters", "direct_meters", "registers", "digests", "action_profiles"]) {
    const mineNames = [...byName(ours[kind]).keys()].sort().join(",");
    const realNames = [...byName(real[kind]).keys()].sort().join(",");
    if (mineNames !== realNames) diffs.push(`P4Info ${kind}: ours [${mineNames}], real [${realNames}]`);
  }
  return diffs;
}
