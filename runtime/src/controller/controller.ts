/**
 * The session load balancer's controller: owns the switch's LB state (as primary by election
 * id), keeps the live-server set from health probes and the data plane's failure digests, and
 * on every change reprograms the switch by a minimal diff and pushes the new membership (with
 * a higher epoch) to every server.
 *
 * Start-up never wipes: the pipeline is loaded only when the switch runs another one (cookie),
 * the server modes and generations are adopted from what the switch holds, and the first
 * reconcile writes only what differs. A backup controller (lower election id) stays passive
 * until the switch promotes it, then does the same start-up sync.
 *
 * All switch work is serialized on one queue, so a digest, a probe verdict and an admin call
 * arriving together produce consistent writes.
 *
 * The switch's down mark and the controller's view converge: a server the data plane may have
 * marked down at its current generation (a digest named it, or the start-up read of
 * `down_generation` found the mark) stays "switch-marked" until a generation bump is written
 * for it, and the first successful probe while the controller has it up makes that bump. So a
 * mark lifts even when the digest's own probe failed, the digest reached no controller (a
 * takeover in progress), or the health monitor never reached `fall` before the server recovered.
 */
import { counterEntry, registerEntry, tableEntry, type CounterEntry, type Entity } from "../p4rt/entities.ts";
import { P4RuntimeError } from "../p4rt/errors.ts";
import type { SwitchEvent } from "../p4rt/events.ts";
import { Switch } from "../p4rt/switch.ts";
import type { MemberServer } from "../wire/control.ts";
import { type ServerConfig, type ServerId, type TopologyConfig } from "./config.ts";
import { EventLog } from "./event_log.ts";
import { HealthMonitor, type Health, type HealthChange, type ProbeOutcome, type Prober } from "./health.ts";
import { desiredLbState, DROP_REASONS, LB_NAMES, LB_SCOPE, timeUnitsPerUs, type ServerMode, type ServerView } from "./lb_program.ts";
import { probeOverUdp, pushOverUdp, type Membership, type MembershipPusher } from "./membership.ts";
import { ControllerMetrics } from "./controller_metrics.ts";
import { ensurePipeline, type Pipeline } from "./pipeline.ts";
import { readMemory, writeMemory } from "./state_file.ts";
import { applyPlan, configureUnreadableDigests, planReconcile, readOwnedState, type ReconcilePlan } from "./reconcile.ts";

export interface ControllerOptions {
  readonly topology: TopologyConfig;
  readonly pipeline: Pipeline;
  /** Overrides topology.switch.electionId (the CLI's --election-id). */
  readonly electionId?: bigint;
  readonly prober?: Prober;
  readonly pusher?: MembershipPusher;
  readonly events?: EventLog;
  /** Back-off of the switch stream reconnects. */
  readonly reconnect?: { readonly initialMs: number; readonly maxMs: number };
}

export interface ServerStatus {
  readonly id: ServerId;
  readonly ip: string;
  readonly mac: string;
  readonly switchPort: number;
  readonly dataPort: number;
  readonly peerPort: number;
  readonly mgmt: string;
  readonly mode: ServerMode;
  readonly health: Health;
  readonly drained: boolean;
  readonly generation: number;
  readonly lastRttMs?: number;
  readonly lastError?: string;
}

export interface ControllerStatus {
  readonly switchAddress: string;
  readonly deviceId: number;
  readonly electionId: string;
  readonly role: "primary" | "backup" | "disconnected";
  readonly active: boolean;
  readonly pipelineCookie: string;
  readonly epoch: number;
  readonly servers: { readonly total: number; readonly up: number; readonly down: number; readonly draining: number };
  readonly reconciles: number;
  readonly updatesWritten: { readonly inserts: number; readonly modifies: number; readonly deletes: number };
}

export interface CounterPair {
  readonly packets: string;
  readonly bytes: string;
}

export interface CountersSnapshot {
  readonly servers: readonly {
    readonly id: number;
    readonly requests: CounterPair;
    readonly responses: CounterPair;
    readonly failovers: CounterPair;
    readonly markedDown: CounterPair;
  }[];
  readonly drops: Readonly<Record<string, CounterPair>>;
}

interface ServerRecord {
  config: ServerConfig;
  drained: boolean;
  generation: number;
  /** The data plane may hold a down mark at the current generation; only a generation bump lifts it. */
  switchMarked: boolean;
}

const MAX_GENERATION = 65535;
const RETRY_AFTER_ERROR_MS = 1000;

function nextGeneration(g: number): number {
  return g >= MAX_GENERATION ? 1 : g + 1;
}

export class Controller {
  readonly events: EventLog;
  readonly metrics = new ControllerMetrics();
  readonly sw: Switch;
  private readonly topology: TopologyConfig;
  private readonly pipeline: Pipeline;
  private readonly servers = new Map<ServerId, ServerRecord>();
  /** Removed servers that sessions may still name as secondary (their failover groups stay). */
  private readonly retired = new Set<number>();
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly monitor: HealthMonitor;
  private readonly prober: Prober;
  private readonly pusher: MembershipPusher;
  private queue: Promise<unknown> = Promise.resolve();
  private active = false;
  private stopped = false;
  private epoch = 0;
  /** The membership last pushed, to push only when it changes. */
  private pushedMembershipKey = "";
  private reconciles = 0;
  private readonly written = { inserts: 0, modifies: 0, deletes: 0 };

  constructor(options: ControllerOptions) {
    this.topology = options.topology;
    this.pipeline = options.pipeline;
    this.events = options.events ?? new EventLog(options.topology.eventLog);
    this.prober = options.prober ?? probeOverUdp;
    this.pusher = options.pusher ?? pushOverUdp;
    const memory = readMemory(options.topology.stateFile);
    for (const s of options.topology.servers) this.servers.set(s.id, { config: s, drained: memory.drained.includes(s.id), generation: 1, switchMarked: false });
    for (const id of memory.retired) if (!this.servers.has(id as ServerId)) this.retired.add(id);
    this.monitor = new HealthMonitor(options.topology.health, this.prober, {
      change: (c) => this.onHealthChange(c),
      probe: (s, o) => this.onProbe(s, o),
    });
    this.sw = new Switch({
      address: options.topology.switch.address,
      deviceId: options.topology.switch.deviceId,
      electionId: options.electionId ?? options.topology.switch.electionId,
      p4info: options.pipeline.p4info,
      reconnect: options.reconnect ?? { initialMs: 100, maxMs: 5_000 },
    });
    this.sw.on("event", (e: SwitchEvent) => this.onSwitchEvent(e));
  }

  /** Connects and, when primary, syncs the switch; a backup resolves at once and waits to be promoted. */
  async start(connectTimeoutMs = 10_000): Promise<void> {
    this.events.record("started", { switch: this.sw.address, electionId: this.sw.electionId.toString() });
    await this.sw.connect(connectTimeoutMs);
    await this.queue;
  }

  /** Resolves once all queued switch work is done (tests and CLI use it to wait for a change to land). */
  idle(): Promise<void> {
    return this.queue.then(() => undefined);
  }

  get isActive(): boolean {
    return this.active;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.active = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.monitor.stop();
    this.sw.close();
    this.events.record("stopped");
  }

  /* ---------- the work queue ---------- */

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch((err: unknown) => {
      // A refused admin request changed nothing; anything else may have left the switch behind.
      if (err instanceof NotFoundError || err instanceof ConflictError) return;
      this.events.record("error", { message: (err as Error).message });
      this.scheduleRetry();
    });
    return run;
  }

  /** After a failed sync or write, try again shortly (the switch may have been busy or restarting). */
  private scheduleRetry(): void {
    if (this.retryTimer || this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.stopped) return;
      if (this.active) void this.enqueue(() => this.applyChange("retry after an error"));
      else if (this.sw.role === "primary") void this.enqueue(() => this.becomePrimary());
    }, RETRY_AFTER_ERROR_MS);
    this.retryTimer.unref();
  }

  /* ---------- switch events ---------- */

  private onSwitchEvent(e: SwitchEvent): void {
    if (this.stopped) return;
    switch (e.kind) {
      case "arbitration":
        this.events.record("arbitration", { role: e.role, primaryElectionId: e.primaryElectionId.toString() });
        this.metrics.primary.set({}, e.role === "primary" ? 1 : 0);
        if (e.role === "primary" && !this.active) void this.enqueue(() => this.becomePrimary());
        if (e.role === "backup" && this.active) this.becomeBackup();
        return;
      case "disconnected":
        this.events.record("switch_disconnected", { reason: e.reason, retryInMs: e.retryInMs });
        if (this.active) this.becomeBackup();
        return;
      case "digest":
        if (e.digest.endsWith(LB_NAMES.downDigest)) for (const d of e.data) this.onDownDigest(d);
        return;
      default:
        return;
    }
  }

  private becomeBackup(): void {
    this.active = false;
    this.monitor.stop();
  }

  /** Start-up sync: pipeline (only if different), adopt the switch's view, reconcile, start probing, push membership. */
  private async becomePrimary(): Promise<void> {
    if (this.stopped || this.active || this.sw.role !== "primary") return;
    const outcome = await ensurePipeline(this.sw, this.pipeline);
    this.events.record(outcome === "loaded" ? "pipeline_loaded" : "pipeline_kept", { cookie: this.pipeline.cookie.toString() });
    const initialProbes = await this.probeAllOnce();
    const adopted = outcome === "kept" ? await this.adoptFromSwitch() : undefined;
    const marks = adopted ? await this.readDownMarks() : new Map<ServerId, number>();
    for (const [id, record] of this.servers) {
      const health: Health = adopted ? (adopted.get(id) !== undefined ? "up" : "down") : initialProbes.get(id)?.ok ? "up" : "down";
      const generation = adopted?.get(id);
      if (generation !== undefined) record.generation = generation;
      // Marked while no controller was listening (its digest went nowhere): the first good probe lifts it.
      record.switchMarked = generation !== undefined && marks.get(id) === generation;
      this.monitor.add(record.config, health);
    }
    this.epoch = Math.max(this.epoch, ...[...initialProbes.values()].map((o) => o.epoch ?? 0));
    this.pushedMembershipKey = "";
    this.active = true;
    // Probing starts before the first write so that a failed write (retried later) cannot leave the pool unwatched.
    this.monitor.start();
    await this.reconcile("start-up", true);
    await this.pushMembershipIfChanged(initialProbes);
  }

  private async probeAllOnce(): Promise<Map<ServerId, ProbeOutcome>> {
    const out = new Map<ServerId, ProbeOutcome>();
    await Promise.all(
      [...this.servers.values()].map(async (r) => {
        out.set(r.config.id, await this.prober(r.config, this.topology.health.timeoutMs));
      }),
    );
    return out;
  }

  /** server id -> generation, for every server the switch has in server_map; failover keys of unknown ids become retired secondaries. */
  private async adoptFromSwitch(): Promise<Map<ServerId, number>> {
    for (const e of await this.sw.readAll(tableEntry(LB_NAMES.failoverSelect))) {
      const id = e.type === "table_entry" ? Number(e.match?.["meta.secondary_id"] as bigint) : 0;
      if (id > 0 && !this.servers.has(id as ServerId)) this.retired.add(id);
    }
    const adopted = new Map<ServerId, number>();
    for (const e of await this.sw.readAll(tableEntry(LB_NAMES.serverMap))) {
      if (e.type !== "table_entry" || e.action?.kind !== "action") continue;
      const id = Number(e.match?.["meta.primary_id"] as bigint);
      const generation = Number(e.action.action.params?.["generation"] ?? 1n);
      if (this.servers.has(id as ServerId)) adopted.set(id as ServerId, generation);
    }
    return adopted;
  }

  /**
   * server id -> the generation its data-plane down mark was set at, for servers with a mark.
   * Empty where the switch cannot read registers (real simple_switch_grpc may refuse): such a
   * mark is then lifted only by the next digest or health change.
   */
  private async readDownMarks(): Promise<Map<ServerId, number>> {
    const marks = new Map<ServerId, number>();
    try {
      const wanted = [...this.servers.keys()].map((id) => registerEntry(LB_NAMES.downGeneration, id));
      for (const e of wanted.length > 0 ? await this.readMany(wanted) : []) {
        if (e.type !== "register_entry" || e.index === undefined || typeof e.value !== "bigint" || e.value === 0n) continue;
        marks.set(e.index as ServerId, Number(e.value));
      }
    } catch (err) {
      this.events.record("error", { message: `down marks unreadable, relying on digests: ${(err as Error).message}` });
    }
    return marks;
  }

  /** A new generation for the server, which lifts any down mark the data plane holds for the old one. */
  private bumpGeneration(record: ServerRecord): void {
    record.generation = nextGeneration(record.generation);
    record.switchMarked = false;
  }

  /* ---------- health ---------- */

  private onProbe(server: ServerConfig, outcome: ProbeOutcome): void {
    this.metrics.probeLatency.observe(outcome.rttMs / 1000, { server: server.id });
    if (!outcome.ok) this.metrics.probeFailures.inc({ server: server.id });
    const record = this.servers.get(server.id);
    // Up in our view but marked down in the switch's: a good probe is enough to lift the mark.
    // (A server we have down gets its bump from the health change that brings it up.)
    if (this.active && outcome.ok && record?.switchMarked && this.monitor.health(server.id) === "up" && !record.drained) {
      this.bumpGeneration(record);
      this.events.record("server_up", { server: server.id, reason: "probe answered after a data-plane down mark", generation: record.generation });
      void this.enqueue(() => this.applyChange(`server ${server.id} cleared after a data-plane down mark`));
    }
    // A server that restarted (or missed a push) holds an older epoch: bring it up to date.
    if (this.active && outcome.ok && outcome.epoch !== undefined && outcome.epoch < this.epoch) void this.pushTo(server, this.membership());
  }

  private onHealthChange(change: HealthChange): void {
    const record = this.servers.get(change.id);
    if (!record || !this.active) return;
    // A server coming back gets a new generation, which clears any down mark the data plane holds for the old one.
    if (change.to === "up") this.bumpGeneration(record);
    this.events.record(change.to === "up" ? "server_up" : "server_down", { server: change.id, reason: change.reason, generation: record.generation });
    this.metrics.transitions.inc({ server: change.id, to: change.to });
    void this.enqueue(() => this.applyChange(`server ${change.id} ${change.to}`));
  }

  private onDownDigest(data: Readonly<Record<string, bigint>>): void {
    const id = Number(data["server_id"] ?? 0n) as ServerId;
    this.events.record("digest", {
      digest: LB_NAMES.downDigest,
      server: id,
      detectedAtUs: String(data["detected_at"] ?? 0n),
      oldestRequestAtUs: String(data["oldest_request_at"] ?? 0n),
    });
    const record = this.servers.get(id);
    if (!record) return;
    record.switchMarked = true;
    if (!this.active) return;
    // The switch already fails the server's sessions over; a probe now decides whether it stays
    // out. A good one (slow, not dead) lifts the mark through onProbe; a failed one takes the
    // server down, and the mark stays set until a later good probe.
    void this.monitor.probe(id, true);
  }

  /* ---------- reprogramming ---------- */

  private modeOf(r: ServerRecord): ServerMode {
    if (r.drained) return "draining";
    return this.monitor.health(r.config.id) === "up" ? "up" : "down";
  }

  private views(): ServerView[] {
    return [...this.servers.values()].map((r) => ({ config: r.config, mode: this.modeOf(r), generation: r.generation }));
  }

  private async applyChange(reason: string): Promise<void> {
    if (!this.active) return;
    await this.reconcile(reason);
    await this.pushMembershipIfChanged();
  }

  /** Reads the owned state back and writes the difference; returns the plan that was applied. */
  private async reconcile(reason: string, startUp = false): Promise<ReconcilePlan> {
    const desired = desiredLbState(this.topology, this.views(), {
      retiredSecondaries: [...this.retired],
      timeUnitsPerUs: timeUnitsPerUs(this.pipeline.p4info.pkg_info?.arch),
    });
    const current = await readOwnedState(this.sw, LB_SCOPE);
    const plan = planReconcile(this.sw.schema, desired, current);
    await applyPlan(this.sw, plan);
    if (startUp) await configureUnreadableDigests(this.sw, desired, current);
    this.reconciles++;
    this.written.inserts += plan.inserts;
    this.written.modifies += plan.modifies;
    this.written.deletes += plan.deletes;
    this.metrics.updates.inc({ type: "insert" }, plan.inserts);
    this.metrics.updates.inc({ type: "modify" }, plan.modifies);
    this.metrics.updates.inc({ type: "delete" }, plan.deletes);
    this.metrics.reconciles.inc();
    this.refreshServerGauges();
    this.events.record("reconciled", { reason, inserts: plan.inserts, modifies: plan.modifies, deletes: plan.deletes, batches: plan.batches.length });
    return plan;
  }

  /** Reconciles now (an admin "resync"); resolves with what was written. */
  reconcileNow(): Promise<ReconcilePlan> {
    return this.enqueue(() => {
      if (!this.active) throw new Error("not the primary controller");
      return this.reconcile("requested");
    });
  }

  private refreshServerGauges(): void {
    let up = 0;
    for (const r of this.servers.values()) {
      const mode = this.modeOf(r);
      if (mode === "up") up++;
      this.metrics.serverUp.set({ server: r.config.id }, mode === "up" ? 1 : 0);
    }
    this.metrics.serversUp.set({}, up);
    this.metrics.epoch.set({}, this.epoch);
  }

  /* ---------- membership ---------- */

  private memberList(): MemberServer[] {
    return [...this.servers.values()]
      .sort((a, b) => a.config.id - b.config.id)
      .map((r) => ({ id: r.config.id, address: r.config.ip, dataPort: r.config.dataPort, peerPort: r.config.peerPort, state: this.modeOf(r) }));
  }

  private membership(): Membership {
    return { epoch: this.epoch, servers: this.memberList() };
  }

  private async pushMembershipIfChanged(probes?: Map<ServerId, ProbeOutcome>): Promise<void> {
    const key = JSON.stringify(this.memberList());
    const stale = probes ? [...probes.values()].some((o) => o.ok && (o.epoch ?? 0) < this.epoch) : false;
    if (key === this.pushedMembershipKey && !stale) return;
    if (key !== this.pushedMembershipKey) this.epoch++;
    this.pushedMembershipKey = key;
    await this.pushAll();
  }

  private async pushAll(): Promise<void> {
    const membership = this.membership();
    this.metrics.epoch.set({}, this.epoch);
    const results = await Promise.all([...this.servers.values()].filter((r) => this.modeOf(r) !== "down").map((r) => this.pushTo(r.config, membership)));
    this.events.record("membership_pushed", {
      epoch: membership.epoch,
      servers: membership.servers.map((s) => `${s.id}:${s.state}`),
      acked: results.filter((r) => r).length,
      sent: results.length,
    });
    // A server held a newer epoch than ours (pushed by another controller): go above it, push again.
    const newest = Math.max(0, ...results.map((r) => r ?? 0));
    if (newest > this.epoch) {
      this.epoch = newest + 1;
      await this.pushAll();
    }
  }

  /** Resolves with the epoch the server acknowledged, or undefined when it did not. */
  private async pushTo(server: ServerConfig, membership: Membership): Promise<number | undefined> {
    const reply = await this.pusher(server, membership);
    return "epoch" in reply ? reply.epoch : undefined;
  }

  /* ---------- admin operations ---------- */

  private requireServer(id: number): ServerRecord {
    const r = this.servers.get(id as ServerId);
    if (!r) throw new NotFoundError(`no server ${id}`);
    return r;
  }

  /** Drain: no new sessions; its sessions move to live servers on their next request. */
  drain(id: number, drained = true): Promise<ServerStatus> {
    return this.enqueue(async () => {
      const r = this.requireServer(id);
      if (r.drained !== drained) {
        r.drained = drained;
        if (!drained) this.bumpGeneration(r);
        this.remember();
        this.events.record(drained ? "server_drained" : "server_undrained", { server: id });
        await this.applyChange(`server ${id} ${drained ? "drained" : "undrained"}`);
      }
      return this.serverStatus(r);
    });
  }

  /** Adds a server at run time; it takes traffic once its probes pass `rise` times. */
  addServer(config: ServerConfig): Promise<ServerStatus> {
    return this.enqueue(async () => {
      if (this.servers.has(config.id)) throw new ConflictError(`server ${config.id} already exists`);
      const record: ServerRecord = { config, drained: false, generation: 1, switchMarked: false };
      this.retired.delete(config.id);
      this.remember();
      this.servers.set(config.id, record);
      this.monitor.add(config, "down");
      this.events.record("server_added", { server: config.id, ip: config.ip });
      await this.applyChange(`server ${config.id} added`);
      void this.monitor.probe(config.id);
      return this.serverStatus(record);
    });
  }

  /** Removes a server: out of every table and group, and out of the membership. */
  removeServer(id: number): Promise<void> {
    return this.enqueue(async () => {
      this.requireServer(id);
      this.servers.delete(id as ServerId);
      this.retired.add(id);
      this.remember();
      this.monitor.remove(id as ServerId);
      this.metrics.serverUp.set({ server: id }, 0);
      this.events.record("server_removed", { server: id });
      await this.applyChange(`server ${id} removed`);
    });
  }

  private remember(): void {
    writeMemory(this.topology.stateFile, {
      drained: [...this.servers.values()].filter((r) => r.drained).map((r) => r.config.id),
      retired: [...this.retired],
    });
  }

  /* ---------- views ---------- */

  private serverStatus(r: ServerRecord): ServerStatus {
    const snap = this.monitor.snapshot(r.config.id);
    return {
      id: r.config.id,
      ip: r.config.ip,
      mac: r.config.mac,
      switchPort: r.config.switchPort,
      dataPort: r.config.dataPort,
      peerPort: r.config.peerPort,
      mgmt: `${r.config.mgmt.ip}:${r.config.mgmt.port}`,
      mode: this.modeOf(r),
      health: snap?.health ?? "down",
      drained: r.drained,
      generation: r.generation,
      ...(snap?.lastRttMs !== undefined ? { lastRttMs: snap.lastRttMs } : {}),
      ...(snap?.lastError ? { lastError: snap.lastError } : {}),
    };
  }

  serverList(): ServerStatus[] {
    return [...this.servers.values()].sort((a, b) => a.config.id - b.config.id).map((r) => this.serverStatus(r));
  }

  status(): ControllerStatus {
    const modes = [...this.servers.values()].map((r) => this.modeOf(r));
    return {
      switchAddress: this.sw.address,
      deviceId: Number(this.sw.deviceId),
      electionId: this.sw.electionId.toString(),
      role: this.sw.role ?? "disconnected",
      active: this.active,
      pipelineCookie: this.pipeline.cookie.toString(),
      epoch: this.epoch,
      servers: {
        total: modes.length,
        up: modes.filter((m) => m === "up").length,
        down: modes.filter((m) => m === "down").length,
        draining: modes.filter((m) => m === "draining").length,
      },
      reconciles: this.reconciles,
      updatesWritten: { ...this.written },
    };
  }

  /** Reads the LB counters of every known server and the drop reasons from the switch. */
  async counters(): Promise<CountersSnapshot> {
    const ids = [...this.servers.keys()].sort((a, b) => a - b);
    const names = [LB_NAMES.serverRequests, LB_NAMES.serverResponses, LB_NAMES.serverFailovers, LB_NAMES.serverMarkedDown] as const;
    const wanted: Entity[] = names.flatMap((n) => ids.map((id) => counterEntry(n, id)));
    const read = ids.length > 0 ? await this.readMany(wanted) : [];
    const drops = await this.sw.readAll(counterEntry(LB_NAMES.dropReasons));
    const value = (name: string, index: number): CounterPair => {
      const full = this.sw.schema.counters.get(name).preamble.name;
      const hit = read.find((e): e is CounterEntry => e.type === "counter_entry" && e.counter === full && e.index === index);
      return { packets: String(hit?.data?.packets ?? 0n), bytes: String(hit?.data?.bytes ?? 0n) };
    };
    const dropMap: Record<string, CounterPair> = {};
    for (const e of drops) {
      if (e.type !== "counter_entry" || e.index === undefined) continue;
      const reason = DROP_REASONS[e.index];
      if (reason) dropMap[reason] = { packets: String(e.data?.packets ?? 0n), bytes: String(e.data?.bytes ?? 0n) };
    }
    const snapshot: CountersSnapshot = {
      servers: ids.map((id) => ({
        id,
        requests: value(LB_NAMES.serverRequests, id),
        responses: value(LB_NAMES.serverResponses, id),
        failovers: value(LB_NAMES.serverFailovers, id),
        markedDown: value(LB_NAMES.serverMarkedDown, id),
      })),
      drops: dropMap,
    };
    this.metrics.updateFromCounters(snapshot);
    return snapshot;
  }

  /** One Read for many entities; entity by entity where the switch refuses mixed batches (real simple_switch_grpc may). */
  private async readMany(entities: readonly Entity[]): Promise<Entity[]> {
    try {
      return await this.sw.readAll(entities);
    } catch (err) {
      if (!(err instanceof P4RuntimeError && err.code === "UNIMPLEMENTED")) throw err;
      const out: Entity[] = [];
      for (const e of entities) out.push(...(await this.sw.readAll(e)));
      return out;
    }
  }

  /** Renders /metrics, refreshing the switch counters first when this controller can read them. */
  async renderMetrics(): Promise<string> {
    if (this.sw.connected && this.sw.hasSchema) {
      try {
        await this.counters();
      } catch (err) {
        this.events.record("error", { message: `counter read failed: ${(err as Error).message}` });
      }
    }
    this.refreshServerGauges();
    return this.metrics.render();
  }
}

export class NotFoundError extends Error {
  override readonly name = "NotFoundError";
}

export class ConflictError extends Error {
  override readonly name = "ConflictError";
}
