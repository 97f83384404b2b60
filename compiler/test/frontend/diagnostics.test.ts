/**
 * Diagnostic rendering (`file:line:col: severity: message`, source line, caret) and the
 * front end's options (-I directories, -D defines) end to end.
 */
import test from "ava";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.ts";
import { formatDiagnostic, formatDiagnostics } from "../../src/diagnostics/format.ts";
import { formatFrontendDiagnostics, runFrontend } from "../../src/frontend.ts";

const at = (line: number, col: number, message: string, severity: Diagnostic["severity"] = "error"): Diagnostic => ({
  severity, message, loc: { file: "x.p4", line, col },
});

test("the caret sits under the reported column", (t) => {
  const src = "a = 1;\n    b = c;\n";
  t.is(formatDiagnostic(at(2, 9, "undeclared name 'c'"), () => src), "x.p4:2:9: error: undeclared name 'c'\n    b = c;\n        ^");
});

test("tabs in the source line are kept in the caret line so it still lines up", (t) => {
  const src = "\tb = c;";
  t.is(formatDiagnostic(at(1, 6, "m"), () => src), "x.p4:1:6: error: m\n\tb = c;\n\t    ^");
});

test("warnings say so, and a diagnostic without source text is just its headline", (t) => {
  t.is(formatDiagnostic(at(3, 1, "careful", "warning"), () => undefined), "x.p4:3:1: warning: careful");
  t.is(formatDiagnostics([at(1, 1, "a"), at(9, 1, "b")], () => "only one line"), "x.p4:1:1: error: a\nonly one line\n^\nx.p4:9:1: error: b");
});

test("runFrontend searches -I directories and applies -D defines", (t) => {
  const root = mkdtempSync(join(tmpdir(), "slb-fe-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, "inc"));
  writeFileSync(join(root, "inc", "widths.p4"), "const bit<8> WIDTH_CHECK = WIDTH;\n");
  writeFileSync(join(root, "main.p4"), [
    "#include <core.p4>",
    "#include <v1model.p4>",
    "#include <widths.p4>",
    "#ifndef WIDTH",
    "#error WIDTH must be defined",
    "#endif",
    "header h_t { bit<WIDTH> a; }",
    "struct H { h_t h; }",
    "struct M { }",
    "parser P(packet_in pk, out H hdr, inout M m, inout standard_metadata_t sm) { state start { pk.extract(hdr.h); transition accept; } }",
    "control VC(inout H hdr, inout M m) { apply { } }",
    "control I(inout H hdr, inout M m, inout standard_metadata_t sm) { apply { } }",
    "control E(inout H hdr, inout M m, inout standard_metadata_t sm) { apply { } }",
    "control CC(inout H hdr, inout M m) { apply { } }",
    "control D(packet_out pk, in H hdr) { apply { pk.emit(hdr.h); } }",
    "V1Switch(P(), VC(), I(), E(), CC(), D()) main;",
  ].join("\n"));
  const good = runFrontend(join(root, "main.p4"), { includeDirs: [join(root, "inc")], defines: { WIDTH: "16" } });
  t.deepEqual(good.diagnostics.filter((d) => d.severity === "error"), [], formatFrontendDiagnostics(good));
  const h = good.program!.program.decls.find((d) => d.kind === "HeaderDecl" && d.name === "h_t");
  t.deepEqual(h?.kind === "HeaderDecl" ? h.fields[0]!.type.resolved : undefined, { kind: "bit", width: 16 });
  const noDefine = runFrontend(join(root, "main.p4"), { includeDirs: [join(root, "inc")] });
  t.true(noDefine.diagnostics.some((d) => d.message === "#error WIDTH must be defined"));
  const noInclude = runFrontend(join(root, "main.p4"), { defines: { WIDTH: "16" } });
  t.deepEqual(noInclude.diagnostics.map((d) => d.message), ["cannot find include file 'widths.p4'"]);
});
