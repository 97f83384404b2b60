/**
 * The controller's hold on one switch: the P4Runtime client, whether this controller is the
 * switch's primary and has synced it, and what it wrote there. The controller keeps one agent
 * per switch of the topology; the agents share the controller's server view, so every switch
 * gets the same LB state, but each one is promoted, demoted, reconciled and retried on its
 * own, so a switch that is down or restarting never holds up the others.
 */
import { P4RuntimeError } from "../p4rt/errors.ts";
import type { Entity } from "../p4rt/entities.ts";
import type { SwitchEvent } from "../p4rt/events.ts";
import { Switch } from "../p4rt/switch.ts";
import type { P4Info } from "../p4rt/p4info.ts";
import type { SwitchConfig } from "./config.ts";
import { LB_SCOPE } from "./lb_program.ts";
import { applyPlan, configureUnreadableDigests, planReconcile, readOwnedState, type DesiredState, type ReconcilePlan } from "./reconcile.ts";

export interface SwitchStatus {
  readonly name: string;
  readonly address: string;
  readonly deviceId: number;
  readonly role: "primary" | "backup" | "disconnected";
  /** Primary and synced: this controller programs the switch. */
  readonly active: boolean;
  readonly reconciles: number;
  readonly updatesWritten: { readonly inserts: number; readonly modifies: number; readonly deletes: number };
}

export interface AgentOptions {
  readonly config: SwitchConfig;
  readonly electionId: bigint;
  readonly p4info: P4Info;
  readonly reconnect: { readonly initialMs: number; readonly maxMs: number };
  readonly onEvent: (agent: SwitchAgent, event: SwitchEvent) => void;
}

export class SwitchAgent {
  readonly config: SwitchConfig;
  readonly sw: Switch;
  /** Primary and synced (pipeline checked, state reconciled): changes are written here. */
  active = false;
  reconciles = 0;
  readonly written = { inserts: 0, modifies: 0, deletes: 0 };

  constructor(options: AgentOptions) {
    this.config = options.config;
    this.sw = new Switch({
      address: options.config.address,
      deviceId: options.config.deviceId,
      electionId: options.electionId,
      p4info: options.p4info,
      reconnect: options.reconnect,
    });
    this.sw.on("event", (e: SwitchEvent) => options.onEvent(this, e));
  }

  get name(): string {
    return this.config.name;
  }

  /** Reads the owned state back and writes the difference to `desired`. */
  async reconcile(desired: DesiredState, startUp: boolean): Promise<ReconcilePlan> {
    const current = await readOwnedState(this.sw, LB_SCOPE);
    const plan = planReconcile(this.sw.schema, desired, current);
    await applyPlan(this.sw, plan);
    if (startUp) await configureUnreadableDigests(this.sw, desired, current);
    this.reconciles++;
    this.written.inserts += plan.inserts;
    this.written.modifies += plan.modifies;
    this.written.deletes += plan.deletes;
    return plan;
  }

  /** One Read for many entities; entity by entity where the switch refuses mixed batches (real simple_switch_grpc may). */
  async readMany(entities: readonly Entity[]): Promise<Entity[]> {
    if (entities.length === 0) return [];
    try {
      return await this.sw.readAll(entities);
    } catch (err) {
      if (!(err instanceof P4RuntimeError && err.code === "UNIMPLEMENTED")) throw err;
      const out: Entity[] = [];
      for (const e of entities) out.push(...(await this.sw.readAll(e)));
      return out;
    }
  }

  status(): SwitchStatus {
    return {
      name: this.config.name,
      address: this.sw.address,
      deviceId: Number(this.sw.deviceId),
      role: this.sw.role ?? "disconnected",
      active: this.active,
      reconciles: this.reconciles,
      updatesWritten: { ...this.written },
    };
  }
}
