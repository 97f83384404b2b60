#!/usr/bin/env node
// The published entry point: registers tsx so the TypeScript sources run as they are, without a build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../runtime/src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
