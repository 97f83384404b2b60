/** Both top-level programs get through our front end (parse + type check) without errors. */
import test from "ava";
import { runFrontend } from "../../compiler/src/frontend.ts";
import { TNA_PROGRAM, V1MODEL_PROGRAM } from "./programs.ts";

for (const { label, file } of [
  { label: "v1model", file: V1MODEL_PROGRAM },
  { label: "TNA", file: TNA_PROGRAM },
]) {
  test(`the ${label} program passes our front end`, (t) => {
    const result = runFrontend(file, {});
    t.deepEqual(
      result.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.loc.file}:${d.loc.line}:${d.loc.col}: ${d.message}`),
      [],
    );
    t.truthy(result.program);
  });
}
