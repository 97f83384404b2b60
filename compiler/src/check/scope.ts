/**
 * Lexical scopes for name resolution. A name may carry several declarations (overloaded
 * extern functions and methods); inner scopes shadow outer ones.
 */
import type { Declaration } from "../ast/nodes.ts";

export class Scope {
  private readonly names = new Map<string, Declaration[]>();

  constructor(readonly parent?: Scope) {}

  declare(name: string, decl: Declaration): void {
    const list = this.names.get(name);
    if (list === undefined) this.names.set(name, [decl]);
    else list.push(decl);
  }

  /** Declarations of `name` in this scope only. */
  own(name: string): Declaration[] | undefined {
    return this.names.get(name);
  }

  /** Hides declarations of this scope that are not visible yet (top-level ones declared later). */
  private visible: ((d: Declaration) => boolean) | undefined;

  setVisibility(visible: (d: Declaration) => boolean): void {
    this.visible = visible;
  }

  /** Declarations of `name` in the nearest scope that has any visible. */
  lookup(name: string): Declaration[] | undefined {
    const own = this.names.get(name);
    const shown = own === undefined || this.visible === undefined ? own : own.filter(this.visible);
    return shown !== undefined && shown.length > 0 ? shown : this.parent?.lookup(name);
  }

  root(): Scope {
    return this.parent === undefined ? this : this.parent.root();
  }

  child(): Scope {
    return new Scope(this);
  }
}
