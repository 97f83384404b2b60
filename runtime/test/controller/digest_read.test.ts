/**
 * Reading the digest configuration back, as the real simple_switch_grpc answers it: NOT_FOUND
 * while the digest is not configured (the controller must then insert it), UNIMPLEMENTED where
 * a switch cannot read digests at all (written blindly instead).
 */
import test from "ava";
import { readOwnedState } from "../../src/controller/reconcile.ts";
import { P4RuntimeError } from "../../src/p4rt/errors.ts";
import type { Entity } from "../../src/p4rt/entities.ts";
import type { Switch } from "../../src/p4rt/switch.ts";

function switchAnsweringDigestReads(code: "NOT_FOUND" | "UNIMPLEMENTED" | "PERMISSION_DENIED"): Switch {
  const readAll = async (entity: Entity): Promise<Entity[]> => {
    if (entity.type === "digest_entry") throw new P4RuntimeError(code, "Read", `Digest ${entity.digest} not configured`);
    return [];
  };
  return { readAll } as unknown as Switch;
}

const scope = { tables: [], profiles: [], defaultTables: [], digests: ["down_digest"] };

test("a digest the switch answers NOT_FOUND for is unconfigured: nothing read, and not written blindly", async (t) => {
  const state = await readOwnedState(switchAnsweringDigestReads("NOT_FOUND"), scope);
  t.deepEqual(state.entities, []);
  t.is(state.unreadableDigests.size, 0);
});

test("a switch that cannot read digests has them written blindly", async (t) => {
  const state = await readOwnedState(switchAnsweringDigestReads("UNIMPLEMENTED"), scope);
  t.deepEqual([...state.unreadableDigests], ["down_digest"]);
});

test("any other refusal of the read is an error", async (t) => {
  await t.throwsAsync(readOwnedState(switchAnsweringDigestReads("PERMISSION_DENIED"), scope), { instanceOf: P4RuntimeError });
});
