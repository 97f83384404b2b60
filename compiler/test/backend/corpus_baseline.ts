/**
 * p4c-corpus v1model programs that real p4c accepts and our compiler still rejects, with the
 * cause. Everything else in the corpus must compile. A program that starts compiling is
 * reported in the log so that it can leave the list.
 */
export const knownBackEndRejects: ReadonlyMap<string, string> = new Map([
  ["parser-unroll-test1", "header stack index computed at run time in a parser"],
  ["issue1607-bmv2", "stack member 'last' read in a parser"],
]);

/** Rejected by the front end (parser, type checker, call resolution): helper fe's side. */
export const knownFrontEndRejects: ReadonlyMap<string, string> = new Map([
  ["issue1538", "return statement in a parser"],
  ["issue1937-1-bmv2", "action argument given by default"],
  ["pvs-struct-3-bmv2", "value_set of a struct in a select with several keys"],
]);

/** Where our output for a corpus program differs in structure from p4c's, with the reason. */
export const knownStructureGaps: ReadonlyMap<string, string> = new Map([
  ["issue3374", "p4c lowers a switch on a value to a hidden table (switch_0_table); ours to conditionals"],
]);
