/**
 * AST of the P4_16 subset our front end accepts (v1model programs).
 *
 * Conventions the back end relies on:
 * - Every node is a plain object with a string `kind` (PascalCase, e.g. "BinaryExpr") and a
 *   `loc` naming the ORIGINAL source position (file, 1-based line, 1-based column) after
 *   preprocessing has been undone through the location map.
 * - The parser builds the tree; the checker (compiler/src/check) then ANNOTATES it in place,
 *   filling the optional fields marked "checker:" below. After a run with no errors:
 *     - every `Expr` has `type` (a semantic `Type`, lowercase `kind`, e.g. { kind: "bit", width: 8 });
 *       an integer literal (or constant expression of type `int`) used where a fixed-width type
 *       is expected has `type` set to that width type (the implicit cast P4 allows);
 *     - every `PathExpr` has `ref` (the declaration it names), every `NamedTypeRef` has `ref`,
 *       and every `TypeRef` has `resolved` (its semantic type, typedefs followed);
 *     - every `CallExpr` has `target` (what is called) and `boundArgs` (arguments matched to
 *       parameters in declaration order, named arguments reordered; an omitted optional
 *       parameter has no `value`, read `param.defaultValue`); builtin methods (isValid, ...)
 *       and table apply have empty `boundArgs` (push_front/pop_front keep their count in `args`);
 *     - every scalar `Expr` whose value is known at compile time has `constValue`;
 *     - a `MemberExpr` naming an enum/error member has `ref` to the member declaration;
 *     - implicit conversions that change representation (serializable enum -> its underlying
 *       bit type) appear as an inserted `CastExpr` with `implicit: true`;
 *     - `{...}` / `{f = ...}` initialisers get the struct/header/tuple type of their context
 *       (their elements converted to the field types); a list passed to a generic parameter
 *       (e.g. the data of hash/digest/checksums) keeps a `list` type naming its element types;
 *     - the callee `MemberExpr` of a method call has type `dontcare` (the call has the type);
 *       in `Enum.Member` the target `PathExpr` has `ref` = the EnumDecl and the enum's type;
 *     - extern type arguments a declaration leaves out (e.g. the index type I of
 *       `register<bit<32>>(n)`) are `dontcare`, and unsized literal arguments to parameters of
 *       such a type stay `infint` (use their `constValue`);
 *     - `Instantiation.type.resolved` carries the instance's type with inferred type arguments
 *       (for `main`: the package with H and M bound); `Instantiation.boundArgs` binds
 *       constructor/package arguments (for `main`: each arg is a CallExpr whose target is
 *       `{ kind: "constructor", decl: <the ParserDecl/ControlDecl> }`);
 *     - a subexpression of type `infint` is a compile-time constant: read its `constValue`;
 *     - `PathExpr.ref` kinds: Param, VarDecl, ConstDecl, Instantiation, ValueSetDecl, ActionDecl,
 *       TableDecl, FunctionDecl, ExternFunctionDecl (the overload chosen), DeclaredId (match_kind
 *       members), ParserState / BuiltinDecl accept|reject (transition targets), EnumDecl (target of
 *       `Enum.Member`), ExternObjectDecl / ParserDecl / ControlDecl (callee of a constructor call);
 *     - serializable enums have semantic type `serenum` (with `underlying`), plain ones `enum`;
 *       typedefs are followed away (no typedef appears in a `Type`), `type` declarations are
 *       `newtype`.
 * - Semantic types (`Type`) are distinct from syntactic types (`TypeRef`): `TypeRef` is what was
 *   written, `Type` is what it means. Aggregate semantic types point at their declaration node.
 * - Widths and sizes in `Type` are plain numbers (already evaluated); values are `bigint`.
 * - Annotations are kept on declarations as written: `name`, raw `tokens` of the body, and
 *   `args` when the body parses as an expression list (e.g. @name("x"), @id(3), @priority(2)).
 * - Nodes are only ever added to this file, never renamed or removed.
 */

export interface SrcLoc {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

interface NodeBase {
  loc: SrcLoc;
}

// ---------------------------------------------------------------------------------------------
// Annotations

export interface AnnotationToken {
  text: string;
  loc: SrcLoc;
}

export interface Annotation extends NodeBase {
  kind: "Annotation";
  name: string;
  /** Raw tokens between the parentheses (or brackets), without them; empty for `@hidden`. */
  tokens: AnnotationToken[];
  /** The body parsed as a comma-separated expression list, when it is one. */
  args?: Expr[];
}

// ---------------------------------------------------------------------------------------------
// Syntactic types

export type TypeRef =
  | BitTypeRef
  | SignedTypeRef
  | VarbitTypeRef
  | BoolTypeRef
  | InfIntTypeRef
  | ErrorTypeRef
  | MatchKindTypeRef
  | StringTypeRef
  | VoidTypeRef
  | DontCareTypeRef
  | NamedTypeRef
  | StackTypeRef
  | TupleTypeRef;

interface TypeRefBase extends NodeBase {
  /** checker: the semantic type this reference denotes. */
  resolved?: Type;
}

/** `bit<W>` or `bit` (width 1). `width` is an expression because `bit<(W+1)>` is allowed. */
export interface BitTypeRef extends TypeRefBase {
  kind: "BitTypeRef";
  width?: Expr;
}
/** `int<W>` (signed, fixed width). */
export interface SignedTypeRef extends TypeRefBase {
  kind: "SignedTypeRef";
  width: Expr;
}
export interface VarbitTypeRef extends TypeRefBase {
  kind: "VarbitTypeRef";
  maxWidth: Expr;
}
export interface BoolTypeRef extends TypeRefBase {
  kind: "BoolTypeRef";
}
/** `int` with no width: arbitrary precision, compile-time only. */
export interface InfIntTypeRef extends TypeRefBase {
  kind: "InfIntTypeRef";
}
export interface ErrorTypeRef extends TypeRefBase {
  kind: "ErrorTypeRef";
}
export interface MatchKindTypeRef extends TypeRefBase {
  kind: "MatchKindTypeRef";
}
export interface StringTypeRef extends TypeRefBase {
  kind: "StringTypeRef";
}
export interface VoidTypeRef extends TypeRefBase {
  kind: "VoidTypeRef";
}
/** `_` as a type argument: to be inferred. */
export interface DontCareTypeRef extends TypeRefBase {
  kind: "DontCareTypeRef";
}
export interface NamedTypeRef extends TypeRefBase {
  kind: "NamedTypeRef";
  name: string;
  /** Leading `.`: look the name up at top level only. */
  global: boolean;
  typeArgs: TypeRef[];
  /** checker: the declaration (or type parameter) the name resolves to. */
  ref?: TypeDeclaration | TypeParam;
}
/** `T[N]`: header stack (or stack of unions). */
export interface StackTypeRef extends TypeRefBase {
  kind: "StackTypeRef";
  element: TypeRef;
  size: Expr;
}
export interface TupleTypeRef extends TypeRefBase {
  kind: "TupleTypeRef";
  elements: TypeRef[];
}

// ---------------------------------------------------------------------------------------------
// Semantic types (filled by the checker)

export type Type =
  | { kind: "bit"; width: number }
  | { kind: "int"; width: number }
  | { kind: "varbit"; maxWidth: number }
  | { kind: "bool" }
  /** Arbitrary-precision integer (`int`, unsized literals). */
  | { kind: "infint" }
  | { kind: "string" }
  | { kind: "void" }
  | { kind: "error" }
  | { kind: "match_kind" }
  | { kind: "enum"; decl: EnumDecl }
  | { kind: "serenum"; decl: EnumDecl; underlying: Type }
  | { kind: "header"; decl: HeaderDecl }
  | { kind: "struct"; decl: StructDecl }
  | { kind: "union"; decl: HeaderUnionDecl }
  | { kind: "stack"; element: Type; size: number }
  | { kind: "tuple"; elements: Type[] }
  /** `{a, b}` before a context gives it a struct/header/tuple type. */
  | { kind: "list"; elements: Type[] }
  /** `{x = a, y = b}` before a context gives it a struct/header type. */
  | { kind: "structInit"; fields: { name: string; type: Type }[] }
  /** `type T underlying;` — a distinct type with the representation of `underlying`. */
  | { kind: "newtype"; decl: NewTypeDecl; underlying: Type }
  | { kind: "typeVar"; param: TypeParam }
  | { kind: "extern"; decl: ExternObjectDecl; typeArgs: Type[] }
  | { kind: "parser"; decl: ParserDecl | ParserTypeDecl; typeArgs: Type[] }
  | { kind: "control"; decl: ControlDecl | ControlTypeDecl; typeArgs: Type[] }
  | { kind: "package"; decl: PackageTypeDecl; typeArgs: Type[] }
  | { kind: "table"; decl: TableDecl }
  /** The struct returned by `t.apply()`: fields hit, miss, action_run. */
  | { kind: "applyResult"; table: TableDecl }
  /** The enum of a table's actions (type of `t.apply().action_run`). */
  | { kind: "actionEnum"; table: TableDecl }
  | { kind: "action"; decl: ActionDecl }
  | { kind: "function"; decl: FunctionDecl | ExternFunctionDecl | MethodDecl }
  | { kind: "state" }
  | { kind: "valueSet"; element: Type }
  /** Type of a keyset expression (mask, range, default) matching values of `element`. */
  | { kind: "set"; element: Type }
  | { kind: "dontcare" };

// ---------------------------------------------------------------------------------------------
// Expressions

export type Expr =
  | IntLiteral
  | BoolLiteral
  | StringLiteral
  | PathExpr
  | MemberExpr
  | IndexExpr
  | SliceExpr
  | CallExpr
  | UnaryExpr
  | BinaryExpr
  | TernaryExpr
  | CastExpr
  | ListExpr
  | StructInitExpr
  | DontCareExpr
  | TypeExpr;

interface ExprBase extends NodeBase {
  /** checker: the expression's type (after implicit literal conversion). */
  type?: Type;
  /** checker: value when known at compile time (integers as bigint, booleans as boolean). */
  constValue?: bigint | boolean;
}

export interface IntLiteral extends ExprBase {
  kind: "IntLiteral";
  value: bigint;
  /** Width from a `8w` / `16s` prefix, absent for unsized literals. */
  width?: number;
  signed?: boolean;
  text: string;
}
export interface BoolLiteral extends ExprBase {
  kind: "BoolLiteral";
  value: boolean;
}
export interface StringLiteral extends ExprBase {
  kind: "StringLiteral";
  /** Unescaped contents, without the quotes. */
  value: string;
}
/** A bare name (`x`, `.x` when `global`). `error` and `this` are not PathExprs; see TypeExpr. */
export interface PathExpr extends ExprBase {
  kind: "PathExpr";
  name: string;
  global: boolean;
  /** checker: the declaration this name refers to. */
  ref?: Declaration;
}
/** `target.member`: field, enum/error member, method (as callee), stack `next`/`last`/..., `hit`. */
export interface MemberExpr extends ExprBase {
  kind: "MemberExpr";
  target: Expr;
  member: string;
  memberLoc: SrcLoc;
  /** checker: for enum/error/match_kind members, the member declaration. */
  ref?: EnumMember | DeclaredId;
}
export interface IndexExpr extends ExprBase {
  kind: "IndexExpr";
  target: Expr;
  index: Expr;
}
/** `target[hi:lo]`. */
export interface SliceExpr extends ExprBase {
  kind: "SliceExpr";
  target: Expr;
  hi: Expr;
  lo: Expr;
}
export interface Argument extends NodeBase {
  kind: "Argument";
  /** Named argument `name = value`. */
  name?: string;
  value: Expr;
}
export interface CallExpr extends ExprBase {
  kind: "CallExpr";
  callee: Expr;
  typeArgs: TypeRef[];
  args: Argument[];
  /** checker: what is being called. */
  target?: CallTarget;
  /** checker: one entry per parameter, in parameter order; `value` absent = optional param omitted. */
  boundArgs?: BoundArg[];
  /** checker: type arguments after inference, one per type parameter of the callee. */
  inferredTypeArgs?: Type[];
}
export interface BoundArg {
  param: Param;
  value?: Expr;
}

/** What a CallExpr calls (checker output). */
export type CallTarget =
  | { kind: "action"; decl: ActionDecl }
  | { kind: "function"; decl: FunctionDecl }
  | { kind: "externFunction"; decl: ExternFunctionDecl }
  /** `instance.method(...)`; `instance` is the callee's target expression. */
  | { kind: "externMethod"; extern: ExternObjectDecl; method: MethodDecl; instance: Expr }
  | { kind: "tableApply"; table: TableDecl }
  /** `decl` is a type declaration when the instance is a constructor parameter of that type. */
  | { kind: "parserApply"; decl: ParserDecl | ParserTypeDecl; instance: Expr }
  | { kind: "controlApply"; decl: ControlDecl | ControlTypeDecl; instance: Expr }
  | { kind: "builtin"; name: BuiltinMethod; receiver: Expr }
  /** `T(args)` as an expression: constructs an extern/parser/control instance in place
   * (package arguments like `MyParser()`, table properties like `action_profile(4)`). */
  | { kind: "constructor"; decl: ExternObjectDecl | ParserDecl | ControlDecl; method?: MethodDecl };

export type BuiltinMethod =
  | "isValid"
  | "setValid"
  | "setInvalid"
  | "push_front"
  | "pop_front"
  | "minSizeInBits"
  | "minSizeInBytes"
  | "maxSizeInBits"
  | "maxSizeInBytes";

export type UnaryOp = "!" | "~" | "-" | "+";
export interface UnaryExpr extends ExprBase {
  kind: "UnaryExpr";
  op: UnaryOp;
  operand: Expr;
}
export type BinaryOp =
  | "*" | "/" | "%"
  | "+" | "-" | "|+|" | "|-|"
  | "<<" | ">>"
  | "<" | "<=" | ">" | ">="
  | "==" | "!="
  | "&" | "^" | "|"
  | "&&" | "||"
  | "++";
export interface BinaryExpr extends ExprBase {
  kind: "BinaryExpr";
  op: BinaryOp;
  left: Expr;
  right: Expr;
}
export interface TernaryExpr extends ExprBase {
  kind: "TernaryExpr";
  cond: Expr;
  ifTrue: Expr;
  ifFalse: Expr;
}
export interface CastExpr extends ExprBase {
  kind: "CastExpr";
  targetType: TypeRef;
  expr: Expr;
  /** Inserted by the checker for an implicit conversion (not written in the source). */
  implicit?: boolean;
}
/** `{ a, b, c }`. */
export interface ListExpr extends ExprBase {
  kind: "ListExpr";
  elements: Expr[];
}
/** `{ f1 = a, f2 = b }`. */
export interface StructInitExpr extends ExprBase {
  kind: "StructInitExpr";
  fields: { name: string; nameLoc: SrcLoc; value: Expr }[];
}
/** `_` as an argument (out argument ignored) or in a key set. */
export interface DontCareExpr extends ExprBase {
  kind: "DontCareExpr";
}
/** A type used in expression position: `error` in `error.NoError`, `bit<8>` receiver, ... */
export interface TypeExpr extends ExprBase {
  kind: "TypeExpr";
  typeRef: TypeRef;
}

// ---------------------------------------------------------------------------------------------
// Key sets (select cases and table entries)

export type Keyset =
  | ExprKeyset
  | MaskKeyset
  | RangeKeyset
  | DefaultKeyset
  | DontCareKeyset
  | TupleKeyset;

interface KeysetBase extends NodeBase {
  /** checker: the type of values this keyset matches. */
  type?: Type;
}
export interface ExprKeyset extends KeysetBase {
  kind: "ExprKeyset";
  expr: Expr;
}
/** `value &&& mask`. */
export interface MaskKeyset extends KeysetBase {
  kind: "MaskKeyset";
  value: Expr;
  mask: Expr;
}
/** `lo .. hi`. */
export interface RangeKeyset extends KeysetBase {
  kind: "RangeKeyset";
  lo: Expr;
  hi: Expr;
}
export interface DefaultKeyset extends KeysetBase {
  kind: "DefaultKeyset";
}
export interface DontCareKeyset extends KeysetBase {
  kind: "DontCareKeyset";
}
/** `(k1, k2, ...)`. */
export interface TupleKeyset extends KeysetBase {
  kind: "TupleKeyset";
  elements: Keyset[];
}

// ---------------------------------------------------------------------------------------------
// Statements

export type Stmt =
  | AssignStmt
  | CallStmt
  | IfStmt
  | BlockStmt
  | SwitchStmt
  | ReturnStmt
  | ExitStmt
  | EmptyStmt
  | VarDecl
  | ConstDecl
  | Instantiation;

export interface AssignStmt extends NodeBase {
  kind: "AssignStmt";
  target: Expr;
  /** For `a op= b` (P4_16 v1.2.5 compound assignment) this is the BinaryExpr `a op b`. */
  value: Expr;
  /** Set when written as a compound assignment `target op= value`; `value` already combines them. */
  compoundOp?: BinaryOp;
}
export interface CallStmt extends NodeBase {
  kind: "CallStmt";
  call: CallExpr;
}
export interface IfStmt extends NodeBase {
  kind: "IfStmt";
  cond: Expr;
  then: Stmt;
  else?: Stmt;
}
export interface BlockStmt extends NodeBase {
  kind: "BlockStmt";
  annotations: Annotation[];
  stmts: Stmt[];
}
export interface SwitchStmt extends NodeBase {
  kind: "SwitchStmt";
  subject: Expr;
  cases: SwitchCase[];
}
/** One label; `body` absent means fall through to the next case's body. */
export interface SwitchCase extends NodeBase {
  kind: "SwitchCase";
  label: SwitchLabel;
  body?: BlockStmt;
}
export type SwitchLabel =
  | { kind: "DefaultLabel"; loc: SrcLoc }
  /** For `switch (t.apply().action_run)`: a PathExpr naming an action (checker: ref). */
  | { kind: "ExprLabel"; loc: SrcLoc; expr: Expr };
export interface ReturnStmt extends NodeBase {
  kind: "ReturnStmt";
  value?: Expr;
}
export interface ExitStmt extends NodeBase {
  kind: "ExitStmt";
}
export interface EmptyStmt extends NodeBase {
  kind: "EmptyStmt";
}

// ---------------------------------------------------------------------------------------------
// Declarations

export type Direction = "in" | "out" | "inout" | "none";

export interface Param extends NodeBase {
  kind: "Param";
  annotations: Annotation[];
  direction: Direction;
  type: TypeRef;
  name: string;
  defaultValue?: Expr;
}
export interface TypeParam extends NodeBase {
  kind: "TypeParam";
  name: string;
}
/** A plain declared identifier: an `error` or `match_kind` member. */
export interface DeclaredId extends NodeBase {
  kind: "DeclaredId";
  name: string;
  /** "error" or "match_kind": which declaration it belongs to. */
  owner: "error" | "match_kind";
}
export interface Field extends NodeBase {
  kind: "Field";
  annotations: Annotation[];
  type: TypeRef;
  name: string;
}

export interface ConstDecl extends NodeBase {
  kind: "ConstDecl";
  annotations: Annotation[];
  type: TypeRef;
  name: string;
  value: Expr;
}
export interface VarDecl extends NodeBase {
  kind: "VarDecl";
  annotations: Annotation[];
  type: TypeRef;
  name: string;
  init?: Expr;
}
export interface TypedefDecl extends NodeBase {
  kind: "TypedefDecl";
  annotations: Annotation[];
  name: string;
  type: TypeRef;
}
/** `type bit<32> T;` */
export interface NewTypeDecl extends NodeBase {
  kind: "NewTypeDecl";
  annotations: Annotation[];
  name: string;
  type: TypeRef;
}
export interface EnumMember extends NodeBase {
  kind: "EnumMember";
  name: string;
  /** Serializable enums only. */
  value?: Expr;
  /** checker: the member's value for serializable enums. */
  constValue?: bigint;
}
export interface EnumDecl extends NodeBase {
  kind: "EnumDecl";
  annotations: Annotation[];
  name: string;
  /** Serializable enum: `enum bit<8> E { A = 1 }`. */
  underlying?: TypeRef;
  members: EnumMember[];
}
/** `error { ... }` — several declarations merge into one error type. */
export interface ErrorDecl extends NodeBase {
  kind: "ErrorDecl";
  members: DeclaredId[];
}
export interface MatchKindDecl extends NodeBase {
  kind: "MatchKindDecl";
  members: DeclaredId[];
}
export interface HeaderDecl extends NodeBase {
  kind: "HeaderDecl";
  annotations: Annotation[];
  name: string;
  typeParams: TypeParam[];
  fields: Field[];
}
export interface StructDecl extends NodeBase {
  kind: "StructDecl";
  annotations: Annotation[];
  name: string;
  typeParams: TypeParam[];
  fields: Field[];
}
export interface HeaderUnionDecl extends NodeBase {
  kind: "HeaderUnionDecl";
  annotations: Annotation[];
  name: string;
  typeParams: TypeParam[];
  fields: Field[];
}

export interface ExternFunctionDecl extends NodeBase {
  kind: "ExternFunctionDecl";
  annotations: Annotation[];
  name: string;
  returnType: TypeRef;
  typeParams: TypeParam[];
  params: Param[];
}
/** A method of an extern object; a constructor has `isConstructor` and no return type. */
export interface MethodDecl extends NodeBase {
  kind: "MethodDecl";
  annotations: Annotation[];
  name: string;
  isConstructor: boolean;
  isAbstract: boolean;
  returnType?: TypeRef;
  typeParams: TypeParam[];
  params: Param[];
}
export interface ExternObjectDecl extends NodeBase {
  kind: "ExternObjectDecl";
  annotations: Annotation[];
  name: string;
  typeParams: TypeParam[];
  /** Methods and constructors, overloads included, in source order. */
  methods: MethodDecl[];
}
export interface FunctionDecl extends NodeBase {
  kind: "FunctionDecl";
  annotations: Annotation[];
  name: string;
  returnType: TypeRef;
  typeParams: TypeParam[];
  params: Param[];
  body: BlockStmt;
}
export interface ActionDecl extends NodeBase {
  kind: "ActionDecl";
  annotations: Annotation[];
  name: string;
  params: Param[];
  body: BlockStmt;
}

/** `parser P<H>(packet_in b, out H h);` — a parser type (architecture declaration). */
export interface ParserTypeDecl extends NodeBase {
  kind: "ParserTypeDecl";
  annotations: Annotation[];
  name: string;
  typeParams: TypeParam[];
  params: Param[];
}
export interface ControlTypeDecl extends NodeBase {
  kind: "ControlTypeDecl";
  annotations: Annotation[];
  name: string;
  typeParams: TypeParam[];
  params: Param[];
}
export interface PackageTypeDecl extends NodeBase {
  kind: "PackageTypeDecl";
  annotations: Annotation[];
  name: string;
  typeParams: TypeParam[];
  params: Param[];
}

export interface ValueSetDecl extends NodeBase {
  kind: "ValueSetDecl";
  annotations: Annotation[];
  elementType: TypeRef;
  size: Expr;
  name: string;
}

/** `Type(args) name;` or `Type(args) name = { abstract method implementations };` */
export interface Instantiation extends NodeBase {
  kind: "Instantiation";
  annotations: Annotation[];
  type: TypeRef;
  args: Argument[];
  name: string;
  /** Implementations of the extern's abstract methods. */
  initializer?: (FunctionDecl | Instantiation)[];
  /** checker: constructor arguments bound to the constructor's parameters. */
  boundArgs?: BoundArg[];
  /** checker: the constructor chosen among the overloads (extern objects only). */
  constructorDecl?: MethodDecl;
}

export type ParserLocal = ConstDecl | VarDecl | Instantiation | ValueSetDecl;

export interface ParserDecl extends NodeBase {
  kind: "ParserDecl";
  annotations: Annotation[];
  name: string;
  typeParams: TypeParam[];
  params: Param[];
  ctorParams: Param[];
  locals: ParserLocal[];
  states: ParserState[];
}
export interface ParserState extends NodeBase {
  kind: "ParserState";
  annotations: Annotation[];
  name: string;
  stmts: Stmt[];
  /** Absent for a state written without a transition (implicitly `transition reject`). */
  transition?: Transition;
}
export type Transition = DirectTransition | SelectTransition;
export interface DirectTransition extends NodeBase {
  kind: "DirectTransition";
  /** A PathExpr naming a state (checker: ref = ParserState, or the builtin accept/reject). */
  next: PathExpr;
}
export interface SelectTransition extends NodeBase {
  kind: "SelectTransition";
  exprs: Expr[];
  cases: SelectCase[];
}
export interface SelectCase extends NodeBase {
  kind: "SelectCase";
  keyset: Keyset;
  next: PathExpr;
}

export type ControlLocal = ConstDecl | VarDecl | Instantiation | ActionDecl | TableDecl;

export interface ControlDecl extends NodeBase {
  kind: "ControlDecl";
  annotations: Annotation[];
  name: string;
  typeParams: TypeParam[];
  params: Param[];
  ctorParams: Param[];
  locals: ControlLocal[];
  apply: BlockStmt;
}

export interface TableDecl extends NodeBase {
  kind: "TableDecl";
  annotations: Annotation[];
  name: string;
  properties: TableProperty[];
}
export type TableProperty =
  | KeyProperty
  | ActionsProperty
  | DefaultActionProperty
  | EntriesProperty
  | OtherProperty;
export interface KeyElement extends NodeBase {
  kind: "KeyElement";
  annotations: Annotation[];
  expr: Expr;
  /** PathExpr naming a match_kind member (checker: ref = DeclaredId). */
  matchKind: PathExpr;
}
export interface KeyProperty extends NodeBase {
  kind: "KeyProperty";
  elements: KeyElement[];
}
/** An action named in `actions = {...}`, `default_action` or an entry: `a` or `a(args)`. */
export interface ActionRef extends NodeBase {
  kind: "ActionRef";
  annotations: Annotation[];
  /** PathExpr naming the action (checker: ref = ActionDecl). */
  name: PathExpr;
  /** Written arguments; absent when written without parentheses. */
  args?: Argument[];
  /** checker: arguments bound to the action's parameters (those given here). */
  boundArgs?: BoundArg[];
}
export interface ActionsProperty extends NodeBase {
  kind: "ActionsProperty";
  actions: ActionRef[];
}
export interface DefaultActionProperty extends NodeBase {
  kind: "DefaultActionProperty";
  isConst: boolean;
  action: ActionRef;
}
export interface TableEntry extends NodeBase {
  kind: "TableEntry";
  annotations: Annotation[];
  isConst: boolean;
  /** Always a TupleKeyset when the key has several fields, else a single keyset. */
  keyset: Keyset;
  action: ActionRef;
  /** `priority = N :` prefix, or `@priority(N)`. */
  priority?: Expr;
}
export interface EntriesProperty extends NodeBase {
  kind: "EntriesProperty";
  isConst: boolean;
  entries: TableEntry[];
}
/** Any other property: `size = 1024`, `implementation = action_profile(4)`, `counters = c`, ... */
export interface OtherProperty extends NodeBase {
  kind: "OtherProperty";
  annotations: Annotation[];
  isConst: boolean;
  name: string;
  value: Expr;
}

// ---------------------------------------------------------------------------------------------
// Grouping

/** Declarations that introduce a type name. */
export type TypeDeclaration =
  | TypedefDecl
  | NewTypeDecl
  | EnumDecl
  | HeaderDecl
  | StructDecl
  | HeaderUnionDecl
  | ExternObjectDecl
  | ParserTypeDecl
  | ControlTypeDecl
  | PackageTypeDecl
  | ParserDecl
  | ControlDecl;

/** Anything a PathExpr can refer to. */
export type Declaration =
  | TopLevelDecl
  | Param
  | VarDecl
  | ConstDecl
  | Instantiation
  | ValueSetDecl
  | ActionDecl
  | TableDecl
  | FunctionDecl
  | ParserState
  | EnumMember
  | DeclaredId
  | MethodDecl
  | BuiltinDecl
  | TypeParam;

/** Names the language itself declares: parser states `accept`/`reject`. */
export interface BuiltinDecl extends NodeBase {
  kind: "BuiltinDecl";
  name: "accept" | "reject";
}

export type TopLevelDecl =
  | ConstDecl
  | TypedefDecl
  | NewTypeDecl
  | EnumDecl
  | ErrorDecl
  | MatchKindDecl
  | HeaderDecl
  | StructDecl
  | HeaderUnionDecl
  | ExternFunctionDecl
  | ExternObjectDecl
  | FunctionDecl
  | ActionDecl
  | ParserTypeDecl
  | ControlTypeDecl
  | PackageTypeDecl
  | ParserDecl
  | ControlDecl
  | Instantiation
  | ValueSetDecl;

export interface Program extends NodeBase {
  kind: "Program";
  /** Top-level declarations in source order, included files (core.p4, v1model.p4) first. */
  decls: TopLevelDecl[];
}

/** Output of the checker: the annotated program plus indexes the back end needs. */
export interface CheckedProgram {
  program: Program;
  /** All `error` members in declaration order (merged over every `error {}` block). */
  errors: DeclaredId[];
  /** All `match_kind` members in declaration order. */
  matchKinds: DeclaredId[];
  /** The `main` package instantiation. */
  main: Instantiation;
  /** Top-level declarations by name (last wins for overloaded externs; see `overloads`). */
  globals: Map<string, TopLevelDecl>;
  /** Every top-level extern function / function / action with its overloads, by name. */
  overloads: Map<string, (ExternFunctionDecl | FunctionDecl | ActionDecl)[]>;
}
