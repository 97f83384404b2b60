import test from "ava";
import { SwitchError, type SwitchErrorCode, type MemberHandle, type EntryHandle } from "../../src/dataplane/api.ts";
import { createSwitch } from "../../src/dataplane/index.ts";
import { fixtureSwitch } from "./harness.ts";

function code(t: import("ava").ExecutionContext, expected: SwitchErrorCode, fn: () => unknown, message?: RegExp): void {
  const err = t.throws(fn, { instanceOf: SwitchError });
  t.is(err?.code, expected, err?.message);
  if (message) t.regex(err!.message, message);
}

const fwd = (p: bigint) => ({ kind: "action" as const, call: { action: "ingress.fwd", args: [p] } });

test("every control-plane call needs a loaded pipeline", (t) => {
  const sw = createSwitch();
  t.false(sw.loaded);
  code(t, "FAILED_PRECONDITION", () => sw.control.tableInfo("ingress.t_exact"));
  code(t, "FAILED_PRECONDITION", () => sw.control.registerRead("ingress.reg", 0));
});

test("table info describes keys, actions, size and attachments", (t) => {
  const { sw } = fixtureSwitch();
  const info = sw.control.tableInfo("ingress.t_exact");
  t.deepEqual(info.keys, [{ name: "hdr.h.dst", matchType: "exact", bitwidth: 8 }]);
  t.deepEqual(info.actions, ["ingress.fwd", "ingress.drop", "ingress.fwd_color"]);
  t.true(info.withMeters);
  t.is(info.size, 4);
  t.true(info.withCounters);
  t.false(info.constDefaultAction);
  t.is(sw.control.tableInfo("ingress.t_sel").actionProfile, "ingress.ap");
  t.true(sw.control.tableInfo("tbl_reg").constDefaultAction);
});

test("unknown names are NOT_FOUND", (t) => {
  const { sw } = fixtureSwitch();
  code(t, "NOT_FOUND", () => sw.control.tableAdd("nope", [], fwd(1n)), /unknown table "nope"/);
  code(t, "NOT_FOUND", () => sw.control.tableAdd("ingress.t_exact", [{ kind: "exact", value: 1n }], { kind: "action", call: { action: "nope", args: [] } }));
  code(t, "NOT_FOUND", () => sw.control.registerRead("nope", 0));
  code(t, "NOT_FOUND", () => sw.control.counterRead("nope", 0));
  code(t, "NOT_FOUND", () => sw.control.memberAdd("nope", { action: "ingress.fwd", args: [1n] }));
  code(t, "NOT_FOUND", () => sw.control.tableDelete("ingress.t_exact", 99 as EntryHandle));
  code(t, "NOT_FOUND", () => sw.control.tableModify("ingress.t_exact", 99 as EntryHandle, fwd(1n)));
});

test("key and action data are checked against the program's widths and kinds", (t) => {
  const { sw } = fixtureSwitch();
  const c = sw.control;
  code(t, "INVALID_ARGUMENT", () => c.tableAdd("ingress.t_exact", [{ kind: "exact", value: 256n }], fwd(1n)), /does not fit in 8 bits/);
  code(t, "INVALID_ARGUMENT", () => c.tableAdd("ingress.t_exact", [{ kind: "exact", value: -1n }], fwd(1n)));
  code(t, "INVALID_ARGUMENT", () => c.tableAdd("ingress.t_exact", [], fwd(1n)), /expected 1 key fields, got 0/);
  code(t, "INVALID_ARGUMENT", () => c.tableAdd("ingress.t_exact", [{ kind: "lpm", value: 1n, prefixLength: 8 }], fwd(1n)), /is exact, got a lpm/);
  code(t, "INVALID_ARGUMENT", () => c.tableAdd("ingress.t_exact", [{ kind: "exact", value: 1n }], fwd(512n)), /parameter "port".*9 bits/);
  code(t, "INVALID_ARGUMENT", () => c.tableAdd("ingress.t_exact", [{ kind: "exact", value: 1n }], { kind: "action", call: { action: "ingress.fwd", args: [] } }), /takes 1 parameters, got 0/);
  code(t, "INVALID_ARGUMENT", () => c.tableAdd("ingress.t_exact", [{ kind: "exact", value: 1n }], { kind: "action", call: { action: "ingress.reg_act", args: [] } }), /not an action of this table/);
  code(t, "INVALID_ARGUMENT", () => c.tableAdd("ingress.t_lpm", [{ kind: "lpm", value: 0x1234n, prefixLength: 8 }], fwd(1n)), /beyond the \/8 prefix/);
  code(t, "INVALID_ARGUMENT", () => c.tableAdd("ingress.t_lpm", [{ kind: "lpm", value: 0n, prefixLength: 17 }], fwd(1n)), /prefix length 17/);
  const rangeKey = (low: bigint, high: bigint) => [{ kind: "ternary" as const, value: 0n, mask: 0n }, { kind: "range" as const, low, high }];
  code(t, "INVALID_ARGUMENT", () => c.tableAdd("ingress.t_range", rangeKey(5n, 4n), fwd(1n), 1), /low > high/);
  code(t, "INVALID_ARGUMENT", () => c.tableAdd("ingress.t_range", rangeKey(1n, 4n), fwd(1n)), /priority/);
  code(t, "INVALID_ARGUMENT", () => c.tableAdd("ingress.t_range", [{ kind: "ternary", value: 3n, mask: 1n }, { kind: "range", low: 0n, high: 1n }], fwd(1n), 1), /outside the mask/);
  code(t, "INVALID_ARGUMENT", () => c.tableAdd("tbl_reg", [], { kind: "action", call: { action: "ingress.reg_act", args: [] } }), /no key/);
});

test("duplicates, capacity and const defaults", (t) => {
  const { sw } = fixtureSwitch();
  const c = sw.control;
  const h = c.tableAdd("ingress.t_exact", [{ kind: "exact", value: 1n }], fwd(1n));
  code(t, "ALREADY_EXISTS", () => c.tableAdd("ingress.t_exact", [{ kind: "exact", value: 1n }], fwd(2n)));
  t.is(c.tableFind("ingress.t_exact", [{ kind: "exact", value: 1n }]), h);
  t.is(c.tableFind("ingress.t_exact", [{ kind: "exact", value: 2n }]), undefined);
  for (const v of [2n, 3n, 4n]) c.tableAdd("ingress.t_exact", [{ kind: "exact", value: v }], fwd(1n));
  code(t, "RESOURCE_EXHAUSTED", () => c.tableAdd("ingress.t_exact", [{ kind: "exact", value: 5n }], fwd(1n)));
  c.tableDelete("ingress.t_exact", h);
  t.notThrows(() => c.tableAdd("ingress.t_exact", [{ kind: "exact", value: 5n }], fwd(1n)));
  t.is(c.tableEntries("ingress.t_exact").length, 4);
  c.tableClear("ingress.t_exact");
  t.is(c.tableEntries("ingress.t_exact").length, 0);

  // Same ternary/range key at another priority is a different entry; at the same priority a duplicate.
  const key = [{ kind: "ternary" as const, value: 0n, mask: 0n }, { kind: "range" as const, low: 1n, high: 2n }];
  c.tableAdd("ingress.t_range", key, fwd(1n), 10);
  t.notThrows(() => c.tableAdd("ingress.t_range", key, fwd(1n), 11));
  code(t, "ALREADY_EXISTS", () => c.tableAdd("ingress.t_range", key, fwd(1n), 10));

  code(t, "INVALID_ARGUMENT", () => c.tableSetDefault("tbl_reg", { action: "ingress.reg_act", args: [] }), /const/);
  c.tableSetDefault("ingress.t_exact", { action: "ingress.fwd", args: [3n] });
  t.deepEqual(c.tableGetDefault("ingress.t_exact"), { action: "ingress.fwd", args: [3n] });
  c.tableResetDefault("ingress.t_exact");
  t.deepEqual(c.tableGetDefault("ingress.t_exact"), { action: "ingress.drop", args: [] });
});

test("one entry is viewed by handle exactly as the whole-table view shows it", (t) => {
  const { sw } = fixtureSwitch();
  const c = sw.control;
  const h1 = c.tableAdd("ingress.t_exact", [{ kind: "exact", value: 1n }], fwd(1n));
  const h2 = c.tableAdd("ingress.t_exact", [{ kind: "exact", value: 2n }], fwd(2n));
  c.directCounterWrite("ingress.t_exact", h2, { packets: 3n, bytes: 64n });
  for (const h of [h1, h2]) t.deepEqual(c.tableEntry("ingress.t_exact", h), c.tableEntries("ingress.t_exact").find((e) => e.handle === h));
  c.tableDelete("ingress.t_exact", h1);
  t.is(c.tableEntry("ingress.t_exact", h1), undefined);
  code(t, "NOT_FOUND", () => c.tableEntry("nope", h2));
});

test("registers and counters: ranges, widths, read back", (t) => {
  const { sw } = fixtureSwitch();
  const c = sw.control;
  t.is(c.registerSize("ingress.reg"), 8);
  c.registerWrite("ingress.reg", 7, 0xffffn);
  t.is(c.registerRead("ingress.reg", 7), 0xffffn);
  code(t, "INVALID_ARGUMENT", () => c.registerWrite("ingress.reg", 0, 0x10000n));
  code(t, "NOT_FOUND", () => c.registerRead("ingress.reg", 8), /out of range/);
  code(t, "NOT_FOUND", () => c.registerWrite("ingress.reg", -1, 0n));
  t.is(c.counterSize("ingress.cnt"), 4);
  c.counterWrite("ingress.cnt", 3, { packets: 5n, bytes: 100n });
  t.deepEqual(c.counterRead("ingress.cnt", 3), { packets: 5n, bytes: 100n });
  code(t, "NOT_FOUND", () => c.counterRead("ingress.cnt", 4));
});

test("action profiles: member and group life cycle and reference checks", (t) => {
  const { sw } = fixtureSwitch();
  const c = sw.control;
  code(t, "INVALID_ARGUMENT", () => c.tableAdd("ingress.t_sel", [{ kind: "exact", value: 1n }], fwd(1n)), /member or group/);
  code(t, "INVALID_ARGUMENT", () => c.tableSetDefault("ingress.t_sel", { action: "ingress.fwd", args: [1n] }));
  code(t, "INVALID_ARGUMENT", () => c.memberAdd("ingress.ap", { action: "ingress.fwd", args: [1024n] }));
  const m1 = c.memberAdd("ingress.ap", { action: "ingress.fwd", args: [1n] });
  const g = c.groupCreate("ingress.ap");
  code(t, "NOT_FOUND", () => c.groupAddMember("ingress.ap", g, 42 as MemberHandle));
  c.groupAddMember("ingress.ap", g, m1);
  code(t, "ALREADY_EXISTS", () => c.groupAddMember("ingress.ap", g, m1));
  t.deepEqual(c.groupMembers("ingress.ap", g), [m1]);
  const e = c.tableAdd("ingress.t_sel", [{ kind: "exact", value: 1n }], { kind: "group", group: g });
  code(t, "FAILED_PRECONDITION", () => c.groupDelete("ingress.ap", g));
  code(t, "FAILED_PRECONDITION", () => c.memberDelete("ingress.ap", m1));
  c.tableDelete("ingress.t_sel", e);
  c.groupRemoveMember("ingress.ap", g, m1);
  c.groupDelete("ingress.ap", g);
  t.notThrows(() => c.memberDelete("ingress.ap", m1));
  code(t, "NOT_FOUND", () => c.memberDelete("ingress.ap", m1));
});

test("multicast groups and clone sessions validate ids", (t) => {
  const { sw } = fixtureSwitch();
  code(t, "INVALID_ARGUMENT", () => sw.control.multicastGroupSet(0, []));
  code(t, "NOT_FOUND", () => sw.control.multicastGroupDelete(3));
  code(t, "INVALID_ARGUMENT", () => sw.control.cloneSessionSet(-1, { replicas: [] }));
  code(t, "NOT_FOUND", () => sw.control.cloneSessionDelete(3));
});

test("action parameters and table names are listed", (t) => {
  const { sw } = fixtureSwitch();
  t.deepEqual(sw.control.actionParams?.("ingress.fwd"), [{ name: "port", bitwidth: 9 }]);
  t.true(sw.control.tableNames?.().includes("ingress.t_lpm"));
  code(t, "NOT_FOUND", () => sw.control.actionParams?.("nope"));
});
