import test from "ava";
import { Prng } from "../../../testbench/src/scenario/prng.ts";
import { parseFlatStringMap } from "../../src/session/flat_json.ts";

/** What the fast path must agree with wherever it answers: JSON.parse, down to key order and prototype. */
function agrees(text: string): { fast: boolean; ok: boolean } {
  const fast = parseFlatStringMap(text);
  if (fast === undefined) return { fast: false, ok: true };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { fast: true, ok: false };
  }
  const same =
    typeof parsed === "object" &&
    parsed !== null &&
    Object.getPrototypeOf(fast) === Object.getPrototypeOf(parsed) &&
    JSON.stringify(Object.entries(fast)) === JSON.stringify(Object.entries(parsed));
  return { fast: true, ok: same };
}

test("the flat state parser reads what JSON.stringify writes for string maps, as JSON.parse does", (t) => {
  const states: Record<string, string>[] = [{}, { c: "1" }, { c: "41", name: "x y:z,{}" }, { "2": "b", "1": "a", k: "" }, { "": "empty key", "é": "ünï", "日": "本" }];
  for (const state of states) {
    const text = JSON.stringify(state);
    t.deepEqual(parseFlatStringMap(text), state, text);
    t.true(agrees(text).ok, text);
  }
});

test("the flat state parser leaves to JSON.parse what it does not read exactly (escapes, other types, __proto__, junk)", (t) => {
  for (const text of ['{"__proto__":"x"}', '{"a":"b\\"c"}', '{"a":1}', '{ "a":"b"}', '{"a":"b",}', '{"a":"b"}}', '{"a":"\u0001"}', "[]", '"{}"', `{"a":"${"x".repeat(300)}"}`, '{"a":"b"', '{"a""b"}']) {
    t.is(parseFlatStringMap(text), undefined, text);
  }
  // Duplicate keys: the last value wins and the first position stays, as with JSON.parse.
  t.true(agrees('{"a":"1","b":"2","a":"3"}').ok);
});

test("the flat state parser agrees with JSON.parse on 20,000 random near-JSON texts (seed 7)", (t) => {
  const rand = new Prng(7);
  const alphabet = ['"', ":", ",", "{", "}", "a", "b", "1", " ", "\\", "_", "\u0000", "é", "proto"];
  let answered = 0;
  for (let n = 0; n < 20_000; n++) {
    // Start from a valid state and mutate a few characters, so many texts stay close to the shape.
    const state: Record<string, string> = {};
    for (let k = rand.int(0, 3); k > 0; k--) state[rand.pick(["a", "b", "1", "__proto__", "k:", ""])] = rand.pick(["", "1", "x,y", "}{"]);
    let text = JSON.stringify(state);
    for (let m = rand.int(0, 2); m > 0; m--) {
      const at = rand.int(0, text.length);
      text = text.slice(0, at) + rand.pick(alphabet) + text.slice(at + rand.int(0, 1));
    }
    const { fast, ok } = agrees(text);
    if (!ok) t.fail(`disagrees with JSON.parse on ${JSON.stringify(text)}`);
    if (fast) answered++;
  }
  t.true(answered > 1000, `the fast path answered only ${answered} texts`);
});
