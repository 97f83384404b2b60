/**
 * P4Runtime ids the way p4c assigns them: the top byte names the kind of entity (P4Runtime
 * spec, "ID allocation"), the low 24 bits are a Jenkins one-at-a-time hash of the entity's
 * fully qualified name, probed linearly past collisions. Matching p4c here means a controller
 * written against real p4c output works unchanged with ours.
 */
export const P4IdPrefix = {
  action: 0x01,
  table: 0x02,
  valueSet: 0x03,
  controllerHeader: 0x04,
  actionProfile: 0x11,
  counter: 0x12,
  directCounter: 0x13,
  meter: 0x14,
  directMeter: 0x15,
  register: 0x16,
  digest: 0x17,
} as const;

export type P4IdKind = keyof typeof P4IdPrefix;

export function jenkinsOneAtATime(text: string): number {
  let hash = 0;
  for (const byte of Buffer.from(text, "utf8")) {
    hash = (hash + byte) >>> 0;
    hash = (hash + (hash << 10)) >>> 0;
    hash = (hash ^ (hash >>> 6)) >>> 0;
  }
  hash = (hash + (hash << 3)) >>> 0;
  hash = (hash ^ (hash >>> 11)) >>> 0;
  hash = (hash + (hash << 15)) >>> 0;
  return hash;
}

/**
 * Hands out ids for one program. Ids fixed by @id are reserved first (the caller registers
 * them before asking for hashed ones) so a hashed id never takes an annotated one's place.
 */
export class P4IdAllocator {
  private readonly used = new Set<number>();

  reserve(kind: P4IdKind, annotated: number): number {
    // An @id with no prefix byte gets the kind's prefix, as p4c does.
    const id = annotated >>> 24 === 0 ? ((P4IdPrefix[kind] << 24) | annotated) >>> 0 : annotated >>> 0;
    if (this.used.has(id)) throw new Error(`@id ${annotated} is used twice`);
    this.used.add(id);
    return id;
  }

  allocate(kind: P4IdKind, name: string): number {
    const prefix = (P4IdPrefix[kind] << 24) >>> 0;
    let low = jenkinsOneAtATime(name) & 0xffffff;
    for (let tries = 0; tries < 0x1000000; tries++) {
      const id = (prefix | low) >>> 0;
      // Low bits 0 are reserved by P4Runtime (id 0 means "unset").
      if (low !== 0 && !this.used.has(id)) {
        this.used.add(id);
        return id;
      }
      low = (low + 1) & 0xffffff;
    }
    throw new Error(`no free P4Runtime id left for ${kind} '${name}'`);
  }
}
