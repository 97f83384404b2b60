/**
 * Preprocessor: includes and their search order, macros, conditionals, #error, #line, and the
 * location map back to original files.
 */
import test from "ava";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DiagnosticSink } from "../../src/diagnostics/diagnostic.ts";
import { formatDiagnosticHeadline } from "../../src/diagnostics/format.ts";
import { preprocess, preprocessText, type PreprocessOptions } from "../../src/preprocess/preprocess.ts";

function pp(text: string, opts: PreprocessOptions = {}) {
  const sink = new DiagnosticSink();
  const result = preprocessText("main.p4", text, opts, sink);
  const lines = result.text.split("\n");
  // Text ending in a newline leaves an empty last line.
  if (lines[lines.length - 1] === "") lines.pop();
  return { ...result, lines, errors: sink.items.filter((d) => d.severity === "error").map(formatDiagnosticHeadline) };
}

/** A temporary directory tree, removed after the test. */
function tree(t: { teardown(fn: () => void): void }, files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "slb-pp-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  for (const [path, text] of Object.entries(files)) {
    const full = join(root, path);
    mkdirSync(join(full, ".."), { recursive: true });
    writeFileSync(full, text);
  }
  return root;
}

test("object-like macros expand, also inside other macros", (t) => {
  const r = pp("#define W 8\n#define T bit<W>\nT x;\n");
  t.deepEqual(r.lines, ["T x;".replace("T", "bit<8>")]);
  t.deepEqual(r.errors, []);
});

test("function-like macros substitute arguments and nest parentheses", (t) => {
  const r = pp("#define IS(m, v) (m.instance_type == (v))\nif (IS(std, f(1, 2))) {}\n");
  t.deepEqual(r.lines, ["if ((std.instance_type == (f(1, 2)))) {}"]);
});

test("a function-like macro name without arguments is left alone", (t) => {
  t.deepEqual(pp("#define F(x) x\nF;\n").lines, ["F;"]);
});

test("stringizing and token pasting", (t) => {
  const r = pp('#define S(x) #x\n#define CAT(a, b) a ## b\nS(hello world) CAT(foo, 1)\n');
  t.deepEqual(r.lines, ['"hello world" foo1']);
});

test("#undef removes a macro", (t) => {
  t.deepEqual(pp("#define A 1\n#undef A\nA\n").lines, ["A"]);
});

test("a macro does not expand inside its own expansion", (t) => {
  t.deepEqual(pp("#define X X + 1\nX\n").lines, ["X + 1"]);
});

test("#if with arithmetic, defined() and #elif/#else chains", (t) => {
  const src = [
    "#define V 20200408",
    "#if V >= 20200408 && defined(V)",
    "new",
    "#elif 1",
    "mid",
    "#else",
    "old",
    "#endif",
    "#if !defined UNDEFINED_THING",
    "yes",
    "#endif",
    "#if (2 + 3) * 2 == 10 ? 0 : 1",
    "no",
    "#elif UNKNOWN_IS_ZERO",
    "no",
    "#else",
    "else",
    "#endif",
  ].join("\n");
  t.deepEqual(pp(src).lines, ["new", "yes", "else"]);
});

test("#ifdef and #ifndef, nested inside inactive branches", (t) => {
  const src = "#ifdef NOPE\n#ifndef NOPE\na\n#else\nb\n#endif\n#else\nc\n#endif\n";
  t.deepEqual(pp(src).lines, ["c"]);
});

test("command-line defines act like #define", (t) => {
  t.deepEqual(pp("#ifdef DEBUG\nSIZE\n#endif\n", { defines: { DEBUG: "", SIZE: "1024" } }).lines, ["1024"]);
});

test("#error reports its message at the directive", (t) => {
  t.deepEqual(pp("\n  #error stop here\n").errors, ["main.p4:2:3: error: #error stop here"]);
});

test("#error in an inactive branch is ignored", (t) => {
  t.deepEqual(pp("#if 0\n#error no\n#endif\nok\n").errors, []);
});

test("unterminated #if and stray #endif are errors", (t) => {
  t.deepEqual(pp("#if 1\nx\n").errors, ["main.p4:1:1: error: unterminated conditional directive"]);
  t.deepEqual(pp("#endif\n").errors, ["main.p4:1:1: error: #endif without #if"]);
});

test("unknown directives are errors", (t) => {
  t.deepEqual(pp("#frobnicate\n").errors, ["main.p4:1:1: error: unknown preprocessor directive '#frobnicate'"]);
});

test("comments are removed without moving columns, even across lines", (t) => {
  const r = pp("a /* one\ntwo */ b // three\n\"// not a comment\"\n");
  t.deepEqual(r.lines, ["a       ", "       b         ", "\"// not a comment\""]);
});

test("#line renumbers following lines and renames the file", (t) => {
  const r = pp('a\n#line 100 "other.p4"\nb\nc\n');
  t.deepEqual(r.map.locate(2, 1), { file: "other.p4", line: 100, col: 1 });
  t.deepEqual(r.map.locate(3, 1), { file: "other.p4", line: 101, col: 1 });
});

test("locations of expanded text point at the macro use; plain text maps column for column", (t) => {
  const r = pp("#define SEVEN 7\nx = SEVEN + y;\n");
  t.is(r.lines[0], "x = 7 + y;");
  t.deepEqual(r.map.locate(1, 5), { file: "main.p4", line: 2, col: 5 });
  // `y` moved from column 13 to column 9 in the output.
  t.deepEqual(r.map.locate(1, 9), { file: "main.p4", line: 2, col: 13 });
});

test("include search: the including file's directory first, then -I, then the bundled p4include", (t) => {
  const root = tree(t, {
    "src/main.p4": '#include "a.p4"\n#include <b.p4>\n#include <core.p4>\nmain\n',
    "src/a.p4": "a_local\n",
    "inc/a.p4": "a_from_I\n",
    "inc/b.p4": "b_from_I\n",
  });
  const sink = new DiagnosticSink();
  const r = preprocess(join(root, "src/main.p4"), { includeDirs: [join(root, "inc")] }, sink);
  t.deepEqual(sink.items, []);
  const lines = r.text.split("\n").filter((l) => l.trim() !== "");
  t.is(lines[0], "a_local");
  t.is(lines[1], "b_from_I");
  t.true(lines.some((l) => l.startsWith("extern packet_in")), "bundled core.p4 was included");
  t.is(lines[lines.length - 1], "main");
  t.true([...r.sources.keys()].some((f) => f.endsWith("p4include/core.p4")));
});

test("included text maps back to the included file", (t) => {
  const root = tree(t, { "main.p4": "first\n#include \"sub.p4\"\nlast\n", "sub.p4": "\n  inner\n" });
  const sink = new DiagnosticSink();
  const r = preprocess(join(root, "main.p4"), {}, sink);
  const lines = r.text.split("\n");
  const inner = lines.findIndex((l) => l.includes("inner")) + 1;
  t.deepEqual(r.map.locate(inner, 3), { file: join(root, "sub.p4"), line: 2, col: 3 });
  const last = lines.findIndex((l) => l === "last") + 1;
  t.deepEqual(r.map.locate(last, 1), { file: join(root, "main.p4"), line: 3, col: 1 });
});

test("a missing include is reported at the file name", (t) => {
  const root = tree(t, { "main.p4": "\n#include   <missing.p4>\n" });
  const sink = new DiagnosticSink();
  preprocess(join(root, "main.p4"), {}, sink);
  t.deepEqual(sink.items.map(formatDiagnosticHeadline), [`${join(root, "main.p4")}:2:12: error: cannot find include file 'missing.p4'`]);
});

test("include guards make a second include empty", (t) => {
  const root = tree(t, { "main.p4": '#include "g.p4"\n#include "g.p4"\n', "g.p4": "#ifndef G\n#define G\nonce\n#endif\n" });
  const sink = new DiagnosticSink();
  const r = preprocess(join(root, "main.p4"), {}, sink);
  t.is(r.text.split("\n").filter((l) => l === "once").length, 1);
});

test("line continuations join lines", (t) => {
  t.deepEqual(pp("#define LONG 1 + \\\n 2\nLONG\n").lines, ["1 +  2"]);
});

test("redefining a macro with another body warns (as cpp does); the same body does not", (t) => {
  const sink = new DiagnosticSink();
  const result = preprocessText("main.p4", "#define P 1\n#define P 1\n#define P 2\nP\n", {}, sink);
  t.deepEqual(sink.items.map(formatDiagnosticHeadline), ["main.p4:3:1: warning: 'P' redefined"]);
  t.is(result.text.trim(), "2");
});

test("an unterminated block comment is reported where it opens", (t) => {
  const r = pp("bit<8> x; // fine\n/* closed */ bit<8> y;\nbit<8> z; /* never\nclosed\n");
  t.deepEqual(r.errors, ["main.p4:3:11: error: unterminated comment"]);
});

test("a header that includes itself without a guard is reported once, at its first #include", (t) => {
  const root = tree(t, { "main.p4": '#include "loop.p4"\n', "loop.p4": 'bit<8> x;\n#include "loop.p4"\n' });
  const sink = new DiagnosticSink();
  preprocess(join(root, "main.p4"), {}, sink);
  t.deepEqual(sink.items.map(formatDiagnosticHeadline), [`${join(root, "loop.p4")}:2:10: error: #include nested too deeply: 'loop.p4' includes itself without an include guard`]);
});
