/**
 * `typedef` and `type` as p4c reads them: a typedef may declare the header, struct or union it
 * names; `type` applies only to fixed-width bit and int, bool, and other new types (typedefs of those too).
 */
import test from "ava";
import { formatDiagnosticHeadline } from "../../src/diagnostics/format.ts";
import { runFrontendOnText } from "../../src/frontend.ts";

const TAIL = `control c();
package top(c _c);
control C() { apply { } }
top(C()) main;
`;

function errors(source: string): string[] {
  const r = runFrontendOnText("t.p4", source + TAIL);
  return r.diagnostics.filter((d) => d.severity === "error").map((d) => formatDiagnosticHeadline(d).replace(/^t\.p4:(\d+):\d+: error: /, "$1: "));
}

test("a typedef may declare the header, struct or header union it names; both names are types", (t) => {
  t.deepEqual(errors(`typedef header h_t { bit<16> f; } hd_t;
typedef struct s_t { int<32> x; } sd_t;
typedef header_union u_t { h_t a; } ud_t;
struct all_t { h_t h; hd_t hd; s_t s; sd_t sd; u_t u; ud_t ud; }
`), []);
});

test("'type' over varbit, string, error, an enum, a header or a struct is an error at that declaration", (t) => {
  t.deepEqual(errors(`enum e_t { A }
header h_t { bit<8> f; }
typedef bit<8> b8_t;
type bit<8> nb_t;
type int<8> ni_t;
type bool nbool_t;
type b8_t nb8_t;
type nb_t nnb_t;
type varbit<8> v_t;
type string s_t;
type error err_t;
type e_t ne_t;
type h_t nh_t;
`).map((l) => l.replace(/ can only be applied to base types.*/, "")), [
    "9: 'v_t': 'type'",
    "10: 's_t': 'type'",
    "11: 'err_t': 'type'",
    "12: 'ne_t': 'type'",
    "13: 'nh_t': 'type'",
  ]);
});
