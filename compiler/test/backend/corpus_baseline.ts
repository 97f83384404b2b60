/**
 * p4c-corpus v1model programs that real p4c accepts and our compiler still rejects, with the
 * cause. Everything else in the corpus must compile. A program that starts compiling is
 * reported in the log so that it can leave the list.
 */
export const knownBackEndRejects: ReadonlyMap<string, string> = new Map([
  ["parser-unroll-test1", "header stack index computed at run time in a parser"],
  ["parser-unroll-test8", "stack of header unions"],
  ["wrong-warning", "stack of header unions"],
  ["issue1607-bmv2", "stack member 'last' read in a parser"],
]);

/** Rejected by the front end (parser, type checker, call resolution): helper fe's side. */
export const knownFrontEndRejects: ReadonlyMap<string, string> = new Map([
  ["action-two-params", "a key set given as a one-element list"],
  ["init-entries-bmv2", "table entries with `const` priorities syntax"],
  ["issue1291-bmv2", "syntax the parser does not accept"],
  ["issue1470-bmv2", "call not resolved by the front end"],
  ["issue1538", "return statement in a parser"],
  ["issue1937-1-bmv2", "action argument given by default"],
  ["issue1937-2-bmv2", "call not resolved by the front end"],
  ["issue1937-3-bmv2", "call not resolved by the front end"],
  ["issue2735-bmv2", "register with a don't-care type argument"],
  ["issue3650", "call not resolved by the front end"],
  ["issue496", "call not resolved by the front end"],
  ["pvs-struct-1-bmv2", "value_set of a struct matched against one field"],
  ["pvs-struct-3-bmv2", "value_set of a struct in a select with several keys"],
  ["use-priority-as-name", "call not resolved by the front end"],
]);

/** Where our output for a corpus program differs in structure from p4c's, with the reason. */
export const knownStructureGaps: ReadonlyMap<string, string> = new Map([
  ["issue3374", "p4c lowers a switch on a value to a hidden table (switch_0_table); ours to conditionals"],
]);
