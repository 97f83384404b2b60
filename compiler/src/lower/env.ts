import type { ControlDecl, Declaration, Instantiation, ParserDecl, TableDecl, Type } from "../ast/nodes.ts";
import type { IrExpr } from "../ir/program.ts";
import type { Loc } from "./storage.ts";

/** What a declaration means at one point of the lowered program. */
export type Binding =
  | { readonly b: "loc"; readonly loc: Loc }
  /** A directionless action parameter: runtime data of the action being built. */
  | { readonly b: "param"; readonly index: number; readonly type: Type }
  | { readonly b: "value"; readonly value: IrExpr; readonly type: Type }
  /** An extern object instance: its bmv2 name and the declaration that created it. */
  | { readonly b: "extern"; readonly name: string; readonly decl: Instantiation; readonly externName: string }
  | { readonly b: "control"; readonly decl: ControlDecl; readonly path: string; readonly inst: Instantiation | null }
  | { readonly b: "parser"; readonly decl: ParserDecl; readonly path: string; readonly inst: Instantiation | null }
  | { readonly b: "table"; readonly decl: TableDecl; readonly path: string };

/**
 * Bindings of one scope, chained to the enclosing one. Keys are declaration nodes (the checker
 * resolved every name to its declaration), so one declaration inlined twice gets two bindings.
 */
export class Env {
  private readonly bindings = new Map<Declaration, Binding>();

  constructor(
    readonly parent: Env | null,
    /** Dotted prefix of control-plane names made in this scope (e.g. "MyIngress.c"). */
    readonly path: string,
  ) {}

  child(path: string = this.path): Env {
    return new Env(this, path);
  }

  bind(decl: Declaration, binding: Binding): void {
    this.bindings.set(decl, binding);
  }

  lookup(decl: Declaration): Binding | undefined {
    for (let env: Env | null = this; env; env = env.parent) {
      const b = env.bindings.get(decl);
      if (b) return b;
    }
    return undefined;
  }

  qualify(name: string): string {
    return this.path === "" ? name : `${this.path}.${name}`;
  }
}
