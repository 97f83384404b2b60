import type { IrExpr, IrPrimitive } from "../ir/program.ts";
import { boolToData, konst } from "./ir_build.ts";
import type { NStmt } from "./nstmt.ts";

/**
 * Flattens an action body into bmv2 primitives. Branches become `_jump_if_zero` / `_jump`
 * with absolute primitive indices (bmv2 actions support them), `return` jumps to the end of
 * its scope, and `exit` marks the packet and jumps past the rest of the action.
 */
export function actionBodyPrimitives(body: readonly NStmt[]): IrPrimitive[] {
  const out: Slot[] = [];
  const actionEnd = new Label();
  emit(body, out, actionEnd, actionEnd);
  actionEnd.at = out.length;
  return out.map((slot) => (slot instanceof PendingJump ? slot.resolve() : slot));
}

class Label {
  at: number | null = null;
}

class PendingJump {
  constructor(
    readonly cond: IrExpr | null,
    readonly target: Label,
  ) {}

  resolve(): IrPrimitive {
    if (this.target.at === null) throw new Error("internal: jump to an unplaced label");
    const target = konst(BigInt(this.target.at), null);
    return this.cond === null
      ? { op: "_jump", args: [target], source: null }
      : { op: "_jump_if_zero", args: [boolToData(this.cond), target], source: null };
  }
}

type Slot = IrPrimitive | PendingJump;

function emit(stmts: readonly NStmt[], out: Slot[], returnTo: Label, actionEnd: Label): void {
  for (const s of stmts) {
    switch (s.k) {
      case "prim":
        out.push(s.prim);
        break;
      case "if": {
        if (s.cond.kind === "bool") {
          emit(s.cond.value ? s.then : s.else, out, returnTo, actionEnd);
          break;
        }
        const elseLabel = new Label();
        const endLabel = new Label();
        out.push(new PendingJump(s.cond, elseLabel));
        emit(s.then, out, returnTo, actionEnd);
        if (s.else.length > 0) out.push(new PendingJump(null, endLabel));
        elseLabel.at = out.length;
        emit(s.else, out, returnTo, actionEnd);
        endLabel.at = out.length;
        break;
      }
      case "scope": {
        const end = new Label();
        emit(s.body, out, end, actionEnd);
        end.at = out.length;
        break;
      }
      case "return":
        out.push(new PendingJump(null, returnTo));
        break;
      case "exit":
        out.push({ op: "exit", args: [], source: s.source });
        out.push(new PendingJump(null, actionEnd));
        break;
      case "applySwitch":
      case "applyHit":
      case "callAction":
      case "callParser":
        throw new Error(`internal: a ${s.k} cannot appear inside an action`);
    }
  }
}
