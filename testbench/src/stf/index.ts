/** STF (p4c's simple test format) parsing and running against a switch model. */
export { runStf, comparePacket, type StfResult } from "./run.ts";
export { parseStf, StfSyntaxError, type StfCommand, type ExpectPattern } from "./parse.ts";
