/** The compiled session port follows -DSLB_SESSION_PORT; without it, 7700. */
import test from "ava";
import { compileV1model } from "./programs.ts";

interface ParseState {
  readonly name: string;
  readonly transitions: readonly { readonly type: string; readonly value: string | null; readonly next_state: string | null }[];
}

/** The hex values the UDP states jump to parse_session on (requests by destination, responses by source). */
function sessionPortTransitions(bmv2Json: object): string[] {
  const parsers = (bmv2Json as { parsers: { parse_states: ParseState[] }[] }).parsers;
  return parsers
    .flatMap((p) => p.parse_states)
    .filter((s) => s.name === "parse_udp" || s.name === "check_response_port")
    .flatMap((s) => s.transitions.filter((tr) => tr.type === "hexstr" && tr.next_state === "parse_session").map((tr) => `${s.name}:${Number(tr.value)}`))
    .sort();
}

const [byDefault, overridden] = await Promise.all([compileV1model(), compileV1model({ SLB_SESSION_PORT: "9000" })]);

if (!byDefault.ok || !overridden.ok) {
  const reason = !byDefault.ok ? byDefault.reason : !overridden.ok ? overridden.reason : "";
  test.skip(`the session port is 7700 unless -DSLB_SESSION_PORT says otherwise [needs our compiler: ${reason.slice(0, 300)}]`, () => {});
} else {
  test("the session port is 7700 unless -DSLB_SESSION_PORT says otherwise", (t) => {
    t.deepEqual(sessionPortTransitions(byDefault.value.bmv2Json), ["check_response_port:7700", "parse_udp:7700"]);
    t.deepEqual(sessionPortTransitions(overridden.value.bmv2Json), ["check_response_port:9000", "parse_udp:9000"]);
  });
}
