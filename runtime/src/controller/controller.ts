/**
 * The session load balancer's controller: owns the LB state of every switch of the topology
 * (as primary by election id, switch by switch), keeps one live-server set from health probes
 * and every switch's failure digests, and on every change reprograms each switch it is primary
 * of by a minimal diff and pushes the new membership (with a higher epoch) to every server.
 *
 * Several switches: each is a SwitchAgent, promoted and demoted on its own. The first switch
 * this controller becomes primary of seeds its view of the servers (as a single switch always
 * did); a switch promoted later (a restart, a healed partition, a switch that came up late)
 * is synced to that view: pipeline if needed, its down marks read, a reconcile. A switch that
 * is down is skipped by every change and catches up when it returns; the others never wait
 * for it beyond a failing call.
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
import { counterEntry, registerEntry, tableEntry, type Entity } from "../p4rt/entities.ts";
import type { SwitchEvent } from "../p4rt/events.ts";
import type { Switch } from "../p4rt/switch.ts";
import type { MemberServer } from "../wire/control.ts";
import { ConfigError, type ServerConfig, type ServerId, type TopologyConfig } from "./config.ts";
import { EventLog } from "./event_log.ts";
import { HealthMonitor, type Health, type HealthChange, type ProbeOutcome, type Prober } from "./health.ts";
import { desiredLbState, DROP_REASONS, LB_NAMES, timeUnitsPerUs, type ServerMode, type ServerView } from "./lb_program.ts";
import { probeOverUdp, pushOverUdp, type Membership, type MembershipPusher } from "./membership.ts";
import { ControllerMetrics } from "./controller_metrics.ts";
import { ensurePipeline, type Pipeline } from "./pipeline.ts";
import { readMemory, writeMemory } from "./state_file.ts";
import type { ReconcilePlan } from "./reconcile.ts";
import { SwitchAgent, type SwitchStatus } from "./switch_agent.ts";

export interface ControllerOptions {
  readonly topology: TopologyConfig;
  readonly pipeline: Pipeline;
  /** Overrides every switch's electionId (the CLI's --election-id). */
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
  /** The first switch's address and device id (the only ones of a single-switch topology). */
  readonly switchAddress: string;
  readonly deviceId: number;
  readonly electionId: string;
  /** Primary when primary of any switch; backup when backup of any and primary of none. */
  readonly role: "primary" | "backup" | "disconnected";
  readonly active: boolean;
  readonly switches: readonly SwitchStatus[];
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
  /** One per switch of the topology, in its order. */
  readonly agents: readonly SwitchAgent[];
  private readonly topology: TopologyConfig;
  private readonly pipeline: Pipeline;
  private readonly servers = new Map<ServerId, ServerRecord>();
  /** Removed servers that sessions may still name as secondary (their failover groups stay). */
  private readonly retired = new Set<number>();
  /** Switches whose last write failed, retried shortly. */
  private readonly retryTimers = new Map<SwitchAgent, NodeJS.Timeout>();
  private readonly monitor: HealthMonitor;
  private readonly prober: Prober;
  private readonly pusher: MembershipPusher;
  private queue: Promise<unknown> = Promise.resolve();
  /** The server view is seeded (from the first switch promoted) and probes run; false while primary of no switch. */
  private synced = false;
  private stopped = false;
  private epoch = 0;
  /** The membership last pushed, to push only when it changes. */
  private pushedMembershipKey = "";

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
    this.agents = options.topology.switches.map(
      (config) =>
        new SwitchAgent({
          config,
          electionId: options.electionId ?? config.electionId,
          p4info: options.pipeline.p4info,
          reconnect: options.reconnect ?? { initialMs: 100, maxMs: 5_000 },
          onEvent: (agent, e) => this.onSwitchEvent(agent, e),
        }),
    );
  }

  /** The first switch's P4Runtime client (the only one of a single-switch topology). */
  get sw(): Switch {
    return this.agents[0]!.sw;
  }

  /**
   * Connects to every switch and, where primary, syncs it. Resolves once every switch has
   * answered or failed to; throws only when no switch could be reached (a switch that is down
   * is connected to when it comes back). A backup resolves at once and waits to be promoted.
   */
  async start(connectTimeoutMs = 10_000): Promise<void> {
    this.events.record("started", { switches: this.agents.map((a) => a.sw.address), electionId: this.agents[0]!.sw.electionId.toString() });
    const outcomes = await Promise.allSettled(this.agents.map((a) => a.sw.connect(connectTimeoutMs)));
    const failed = outcomes.flatMap((o, i) => (o.status === "rejected" ? [`${this.agents[i]!.name}: ${(o.reason as Error).message}`] : []));
    if (failed.length === outcomes.length) throw new Error(`no switch reachable: ${failed.join("; ")}`);
    for (const f of failed) this.events.record("error", { message: `switch not reachable yet, will sync it when it is: ${f}` });
    await this.queue;
  }

  /** Resolves once all queued switch work is done (tests and CLI use it to wait for a change to land). */
  idle(): Promise<void> {
    return this.queue.then(() => undefined);
  }

  /** Primary of at least one switch, with the server view seeded. */
  get isActive(): boolean {
    return this.synced && this.agents.some((a) => a.active);
  }

  private get activeAgents(): SwitchAgent[] {
    return this.agents.filter((a) => a.active);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.synced = false;
    for (const a of this.agents) a.active = false;
    for (const t of this.retryTimers.values()) clearTimeout(t);
    this.retryTimers.clear();
    this.monitor.stop();
    for (const a of this.agents) a.sw.close();
    this.events.record("stopped");
  }

  /* ---------- the work queue ---------- */

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch((err: unknown) => {
      // A refused admin request changed nothing; a failed switch write was recorded and is retried by its agent.
      if (err instanceof NotFoundError || err instanceof ConflictError || err instanceof ConfigError) return;
      this.events.record("error", { message: (err as Error).message });
    });
    return run;
  }

  /** After a failed sync or write on one switch, try that switch again shortly (it may have been busy or restarting). */
  private scheduleRetry(agent: SwitchAgent): void {
    if (this.retryTimers.has(agent) || this.stopped) return;
    const timer = setTimeout(() => {
      this.retryTimers.delete(agent);
      if (this.stopped) return;
      if (agent.active) void this.enqueue(async () => {
        await this.reconcileSwitch(agent, "retry after an error");
        await this.pushMembershipIfChanged();
      });
      else if (agent.sw.role === "primary") void this.enqueue(() => this.promote(agent));
    }, RETRY_AFTER_ERROR_MS);
    timer.unref();
    this.retryTimers.set(agent, timer);
  }

  /* ---------- switch events ---------- */

  private onSwitchEvent(agent: SwitchAgent, e: SwitchEvent): void {
    if (this.stopped) return;
    switch (e.kind) {
      case "arbitration":
        this.events.record("arbitration", { switch: agent.name, role: e.role, primaryElectionId: e.primaryElectionId.toString() });
        this.metrics.primary.set({ switch: agent.name }, e.role === "primary" ? 1 : 0);
        if (e.role === "primary" && !agent.active) void this.enqueue(() => this.promote(agent));
        if (e.role === "backup" && agent.active) this.demote(agent);
        return;
      case "disconnected":
        this.events.record("switch_disconnected", { switch: agent.name, reason: e.reason, retryInMs: e.retryInMs });
        if (agent.active) this.demote(agent);
        return;
      case "digest":
        if (e.digest.endsWith(LB_NAMES.downDigest)) for (const d of e.data) this.onDownDigest(agent, d);
        return;
      default:
        return;
    }
  }

  /** This switch is no longer ours to write; when no switch is, stop probing until one promotes us again. */
  private demote(agent: SwitchAgent): void {
    agent.active = false;
    if (this.activeAgents.length > 0) return;
    this.synced = false;
    this.monitor.stop();
  }

  /**
   * Start-up sync of one switch: pipeline (only if different), then, for the first switch of
   * this term, adopt its view of the servers and start probing; for a later one, read its
   * down marks against our generations. Then reconcile it and push the membership.
   */
  private async promote(agent: SwitchAgent): Promise<void> {
    if (this.stopped || agent.active || agent.sw.role !== "primary") return;
    try {
      const outcome = await ensurePipeline(agent.sw, this.pipeline);
      // stop() may come while a switch call is in flight; nothing may start (probes, writes) after it.
      if (this.stopped) return;
      this.events.record(outcome === "loaded" ? "pipeline_loaded" : "pipeline_kept", { switch: agent.name, cookie: this.pipeline.cookie.toString() });
      if (!this.synced) await this.seedFrom(agent, outcome === "kept");
      else if (outcome === "kept") this.noteDownMarks(await this.readDownMarks(agent));
      if (this.stopped) return;
      agent.active = true;
      await this.reconcileSwitch(agent, this.agents.length > 1 ? `start-up of ${agent.name}` : "start-up", true);
    } catch (err) {
      this.events.record("error", { switch: agent.name, message: `sync failed: ${(err as Error).message}` });
      this.scheduleRetry(agent);
      return;
    }
    if (this.stopped) return;
    await this.pushMembershipIfChanged(this.initialProbes);
    this.initialProbes = undefined;
  }

  /** Probe answers of the start-up round, so the first push also reaches servers holding a stale epoch. */
  private initialProbes: Map<ServerId, ProbeOutcome> | undefined;

  /** The first switch of a term: the servers' modes and generations come from it (pipeline kept) or a probe round. */
  private async seedFrom(agent: SwitchAgent, pipelineKept: boolean): Promise<void> {
    const initialProbes = await this.probeAllOnce();
    const adopted = pipelineKept ? await this.adoptFromSwitch(agent) : undefined;
    const marks = adopted ? await this.readDownMarks(agent) : new Map<ServerId, number>();
    if (this.stopped) return;
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
    this.initialProbes = initialProbes;
    this.synced = true;
    // Probing starts before the first write so that a failed write (retried later) cannot leave the pool unwatched.
    this.monitor.start();
  }

  /** A switch that held marks while no controller listened (down, partitioned): the first good probe lifts them. */
  private noteDownMarks(marks: ReadonlyMap<ServerId, number>): void {
    for (const [id, generation] of marks) {
      const record = this.servers.get(id);
      if (record && record.generation === generation) record.switchMarked = true;
    }
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
  private async adoptFromSwitch(agent: SwitchAgent): Promise<Map<ServerId, number>> {
    for (const e of await agent.sw.readAll(tableEntry(LB_NAMES.failoverSelect))) {
      const id = e.type === "table_entry" ? Number(e.match?.["meta.secondary_id"] as bigint) : 0;
      if (id > 0 && !this.servers.has(id as ServerId)) this.retired.add(id);
    }
    const adopted = new Map<ServerId, number>();
    for (const e of await agent.sw.readAll(tableEntry(LB_NAMES.serverMap))) {
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
  private async readDownMarks(agent: SwitchAgent): Promise<Map<ServerId, number>> {
    const marks = new Map<ServerId, number>();
    try {
      const wanted = [...this.servers.keys()].map((id) => registerEntry(LB_NAMES.downGeneration, id));
      for (const e of await agent.readMany(wanted)) {
        if (e.type !== "register_entry" || e.index === undefined || typeof e.value !== "bigint" || e.value === 0n) continue;
        marks.set(e.index as ServerId, Number(e.value));
      }
    } catch (err) {
      this.events.record("error", { switch: agent.name, message: `down marks unreadable, relying on digests: ${(err as Error).message}` });
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
    // Up in our view but marked down in a switch's: a good probe is enough to lift the mark.
    // (A server we have down gets its bump from the health change that brings it up.)
    if (this.isActive && outcome.ok && record?.switchMarked && this.monitor.health(server.id) === "up" && !record.drained) {
      this.bumpGeneration(record);
      this.events.record("server_up", { server: server.id, reason: "probe answered after a data-plane down mark", generation: record.generation });
      void this.enqueue(() => this.applyChange(`server ${server.id} cleared after a data-plane down mark`));
    }
    // A server that restarted (or missed a push) holds an older epoch: bring it up to date.
    if (this.isActive && outcome.ok && outcome.epoch !== undefined && outcome.epoch < this.epoch) void this.pushTo(server, this.membershipFor(server));
  }

  private onHealthChange(change: HealthChange): void {
    const record = this.servers.get(change.id);
    if (!record || !this.isActive) return;
    // A server coming back gets a new generation, which clears any down mark the data plane holds for the old one.
    if (change.to === "up") this.bumpGeneration(record);
    this.events.record(change.to === "up" ? "server_up" : "server_down", { server: change.id, reason: change.reason, generation: record.generation });
    this.metrics.transitions.inc({ server: change.id, to: change.to });
    void this.enqueue(() => this.applyChange(`server ${change.id} ${change.to}`));
  }

  /** Any switch's digest: the one server view hears every switch's data plane. */
  private onDownDigest(agent: SwitchAgent, data: Readonly<Record<string, bigint>>): void {
    const id = Number(data["server_id"] ?? 0n) as ServerId;
    this.events.record("digest", {
      switch: agent.name,
      digest: LB_NAMES.downDigest,
      server: id,
      detectedAtUs: String(data["detected_at"] ?? 0n),
      oldestRequestAtUs: String(data["oldest_request_at"] ?? 0n),
    });
    const record = this.servers.get(id);
    if (!record) return;
    record.switchMarked = true;
    if (!this.isActive) return;
    // That switch already fails the server's sessions over; a probe now decides whether it stays
    // out. A good one (slow, not dead) lifts the mark through onProbe; a failed one takes the
    // server down everywhere, and the mark stays set until a later good probe.
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
    if (!this.isActive) return;
    await Promise.all(this.activeAgents.map((a) => this.reconcileSwitch(a, reason).catch(() => undefined)));
    await this.pushMembershipIfChanged();
  }

  /** Reads one switch's owned state back and writes the difference; a failure is recorded and retried for that switch alone. */
  private async reconcileSwitch(agent: SwitchAgent, reason: string, startUp = false): Promise<ReconcilePlan> {
    const desired = desiredLbState(this.topology, this.views(), {
      retiredSecondaries: [...this.retired],
      timeUnitsPerUs: timeUnitsPerUs(this.pipeline.p4info.pkg_info?.arch),
      switch: agent.config,
    });
    let plan: ReconcilePlan;
    try {
      plan = await agent.reconcile(desired, startUp);
    } catch (err) {
      this.events.record("error", { switch: agent.name, message: `reconcile (${reason}) failed: ${(err as Error).message}` });
      this.scheduleRetry(agent);
      throw err;
    }
    this.metrics.updates.inc({ type: "insert" }, plan.inserts);
    this.metrics.updates.inc({ type: "modify" }, plan.modifies);
    this.metrics.updates.inc({ type: "delete" }, plan.deletes);
    this.metrics.reconciles.inc();
    this.refreshServerGauges();
    const where = this.agents.length > 1 ? { switch: agent.name } : {};
    this.events.record("reconciled", { reason, ...where, inserts: plan.inserts, modifies: plan.modifies, deletes: plan.deletes, batches: plan.batches.length });
    return plan;
  }

  /** Reconciles every switch this controller programs now (an admin "resync"); resolves with what was written, summed. */
  reconcileNow(): Promise<ReconcilePlan> {
    return this.enqueue(async () => {
      if (!this.isActive) throw new Error("not the primary controller");
      const plans = await Promise.all(this.activeAgents.map((a) => this.reconcileSwitch(a, "requested")));
      return {
        batches: plans.flatMap((p) => p.batches),
        inserts: plans.reduce((n, p) => n + p.inserts, 0),
        modifies: plans.reduce((n, p) => n + p.modifies, 0),
        deletes: plans.reduce((n, p) => n + p.deletes, 0),
      };
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

  /** Every server, or only one VIP's pool: a server picks its secondaries among the members it is told of. */
  private memberList(vip?: string): MemberServer[] {
    return [...this.servers.values()]
      .filter((r) => vip === undefined || r.config.vip === vip)
      .sort((a, b) => a.config.id - b.config.id)
      .map((r) => ({ id: r.config.id, address: r.config.ip, dataPort: r.config.dataPort, peerPort: r.config.peerPort, state: this.modeOf(r) }));
  }

  /** What one server is told: its own pool, at the one epoch all pools share. */
  private membershipFor(server: ServerConfig): Membership {
    return { epoch: this.epoch, servers: this.memberList(server.vip) };
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
    const epoch = this.epoch;
    this.metrics.epoch.set({}, epoch);
    const results = await Promise.all([...this.servers.values()].filter((r) => this.modeOf(r) !== "down").map((r) => this.pushTo(r.config, this.membershipFor(r.config))));
    this.events.record("membership_pushed", {
      epoch,
      servers: this.memberList().map((s) => `${s.id}:${s.state}`),
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
      if (!this.topology.vips.some((v) => v.name === config.vip)) throw new ConfigError(`server ${config.id} names VIP '${config.vip}', which this topology does not have`);
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

  /** The VIP a server added without one joins (the topology's first). */
  get defaultVip(): string {
    return this.topology.vips[0].name;
  }

  status(): ControllerStatus {
    const modes = [...this.servers.values()].map((r) => this.modeOf(r));
    const switches = this.agents.map((a) => a.status());
    const roles = switches.map((s) => s.role);
    const sum = (key: "inserts" | "modifies" | "deletes"): number => switches.reduce((n, s) => n + s.updatesWritten[key], 0);
    return {
      switchAddress: this.sw.address,
      deviceId: Number(this.sw.deviceId),
      electionId: this.sw.electionId.toString(),
      role: roles.includes("primary") ? "primary" : roles.includes("backup") ? "backup" : "disconnected",
      active: this.isActive,
      switches,
      pipelineCookie: this.pipeline.cookie.toString(),
      epoch: this.epoch,
      servers: {
        total: modes.length,
        up: modes.filter((m) => m === "up").length,
        down: modes.filter((m) => m === "down").length,
        draining: modes.filter((m) => m === "draining").length,
      },
      reconciles: switches.reduce((n, s) => n + s.reconciles, 0),
      updatesWritten: { inserts: sum("inserts"), modifies: sum("modifies"), deletes: sum("deletes") },
    };
  }

  /**
   * Reads the LB counters of every known server and the drop reasons, summed over every switch
   * that answers (each switch counts the requests that crossed it). Throws when none answers.
   */
  async counters(): Promise<CountersSnapshot> {
    const ids = [...this.servers.keys()].sort((a, b) => a - b);
    const names = [LB_NAMES.serverRequests, LB_NAMES.serverResponses, LB_NAMES.serverFailovers, LB_NAMES.serverMarkedDown] as const;
    const readable = this.agents.filter((a) => a.sw.connected && a.sw.hasSchema);
    const reads = await Promise.allSettled(
      (readable.length > 0 ? readable : [this.agents[0]!]).map(async (a) => {
        const wanted: Entity[] = names.flatMap((n) => ids.map((id) => counterEntry(n, id)));
        return { agent: a, read: await a.readMany(wanted), drops: await a.sw.readAll(counterEntry(LB_NAMES.dropReasons)) };
      }),
    );
    const answered = reads.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    if (answered.length === 0) throw (reads[0] as PromiseRejectedResult).reason;
    const totals = new Map<string, { packets: bigint; bytes: bigint }>();
    const add = (key: string, packets: bigint | undefined, bytes: bigint | undefined): void => {
      const t = totals.get(key) ?? { packets: 0n, bytes: 0n };
      totals.set(key, { packets: t.packets + (packets ?? 0n), bytes: t.bytes + (bytes ?? 0n) });
    };
    for (const { agent, read, drops } of answered) {
      const shortName = new Map(names.map((n) => [agent.sw.schema.counters.get(n).preamble.name, n]));
      for (const e of read) {
        if (e.type !== "counter_entry" || e.index === undefined) continue;
        const name = shortName.get(e.counter);
        if (name) add(`${name}#${e.index}`, e.data?.packets, e.data?.bytes);
      }
      for (const e of drops) {
        if (e.type !== "counter_entry" || e.index === undefined) continue;
        const reason = DROP_REASONS[e.index];
        if (reason) add(`drop#${reason}`, e.data?.packets, e.data?.bytes);
      }
    }
    const pair = (key: string): CounterPair => {
      const t = totals.get(key);
      return { packets: String(t?.packets ?? 0n), bytes: String(t?.bytes ?? 0n) };
    };
    const dropMap: Record<string, CounterPair> = {};
    for (const key of totals.keys()) if (key.startsWith("drop#")) dropMap[key.slice(5)] = pair(key);
    const snapshot: CountersSnapshot = {
      servers: ids.map((id) => ({
        id,
        requests: pair(`${LB_NAMES.serverRequests}#${id}`),
        responses: pair(`${LB_NAMES.serverResponses}#${id}`),
        failovers: pair(`${LB_NAMES.serverFailovers}#${id}`),
        markedDown: pair(`${LB_NAMES.serverMarkedDown}#${id}`),
      })),
      drops: dropMap,
    };
    this.metrics.updateFromCounters(snapshot);
    return snapshot;
  }

  /** Renders /metrics, refreshing the switch counters first when this controller can read any switch. */
  async renderMetrics(): Promise<string> {
    if (this.agents.some((a) => a.sw.connected && a.sw.hasSchema)) {
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
