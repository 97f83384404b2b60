/**
 * Priorities of a table's initial entries, as p4c assigns them: an entry without `priority =`
 * takes its predecessor's priority moved by `priority_delta` (down when `largest_priority_wins`,
 * the default, up otherwise). That needs the first entry to have one once any entry does, and
 * every computed priority to stay a non-negative number.
 */
import type { SrcLoc, TableDecl } from "../ast/nodes.ts";

const MAX_PRIORITY = (1n << 32n) - 1n;

function propertyValue(t: TableDecl, name: string): bigint | boolean | undefined {
  for (const p of t.properties) {
    if (p.kind !== "OtherProperty" || p.name !== name) continue;
    const v = p.value.constValue;
    if (typeof v === "bigint" || typeof v === "boolean") return v;
  }
  return undefined;
}

export function entryPriorityProblems(t: TableDecl): { loc: SrcLoc; message: string }[] {
  const entries = t.properties.flatMap((p) => (p.kind === "EntriesProperty" ? p.entries : []));
  if (!entries.some((e) => e.priority !== undefined)) return [];
  const first = entries[0]!;
  if (first.priority === undefined) return [{ loc: first.loc, message: `the first entry of table '${t.name}' must have a priority, since other entries have one` }];
  const largestWins = propertyValue(t, "largest_priority_wins") !== false;
  const delta = propertyValue(t, "priority_delta");
  const step = typeof delta === "bigint" ? delta : 1n;
  let current: bigint | null = null;
  for (const e of entries) {
    const explicit = e.priority?.constValue;
    if (typeof explicit === "bigint") current = explicit;
    else if (e.priority !== undefined || current === null) return []; // a non-constant priority is reported where it is checked
    else current = largestWins ? current - step : current + step;
    if (current < 0n || current > MAX_PRIORITY) return [{ loc: t.loc, message: `table '${t.name}': overflow in entry priority computation (an entry would get priority ${current})` }];
  }
  return [];
}
