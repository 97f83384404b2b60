import type { IrExpr } from "../ir/program.ts";
import { mask } from "./types.ts";

/** Small constructors for IR expressions, so lowering code reads like the expression it builds. */
export const konst = (value: bigint, width: number | null): IrExpr => ({ kind: "const", value, width });
export const op = (name: string, left: IrExpr | null, right: IrExpr): IrExpr => ({ kind: "op", op: name, left, right });
export const field = (header: string, name: string): IrExpr => ({ kind: "field", header, field: name });
export const bool = (value: boolean): IrExpr => ({ kind: "bool", value });

/** bmv2 computes in arbitrary precision; a `bit<w>` result is truncated explicitly. */
export const truncate = (e: IrExpr, width: number): IrExpr => op("&", e, konst(mask(width), width));
/** Wraps a value into `int<w>` two's complement range. */
export const twoComp = (e: IrExpr, width: number): IrExpr => op("two_comp_mod", e, konst(BigInt(width), null));
export const boolToData = (e: IrExpr): IrExpr => (e.kind === "bool" ? konst(e.value ? 1n : 0n, 1) : op("b2d", null, e));
export const dataToBool = (e: IrExpr): IrExpr => (e.kind === "const" ? bool(e.value !== 0n) : op("d2b", null, e));
export const validOf = (header: string): IrExpr => dataToBool(field(header, "$valid$"));
