/** STF (p4c's simple test format) parsing and running against our switch model or the real bmv2. */
export { runStf } from "./run.ts";
export { comparePacket, type StfResult } from "./judge.ts";
export { parseStf, StfSyntaxError, type StfCommand, type ExpectPattern } from "./parse.ts";
