/**
 * The controller's Prometheus metrics: switch counters per server (requests, responses,
 * failovers, data-plane mark-downs) and per drop reason, servers up, health-probe latency,
 * and what the controller itself did (reconciles, P4Runtime updates, state transitions).
 */
import { Registry } from "./metrics.ts";

/** Probe round trips are sub-millisecond on a LAN and a timeout at worst. */
const PROBE_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

export interface CountersView {
  readonly servers: readonly {
    readonly id: number;
    readonly requests: { readonly packets: string; readonly bytes: string };
    readonly responses: { readonly packets: string; readonly bytes: string };
    readonly failovers: { readonly packets: string; readonly bytes: string };
    readonly markedDown: { readonly packets: string; readonly bytes: string };
  }[];
  readonly drops: Readonly<Record<string, { readonly packets: string; readonly bytes: string }>>;
}

export class ControllerMetrics {
  private readonly registry = new Registry();
  readonly requests = this.registry.counter("slb_requests_total", "Requests the switch forwarded to each server (switch counter server_requests).");
  readonly responses = this.registry.counter("slb_responses_total", "Responses from each server the switch forwarded (switch counter server_responses).");
  readonly failovers = this.registry.counter("slb_failovers_total", "Requests that named the server as primary but were failed over (switch counter server_failovers).");
  readonly markedDown = this.registry.counter("slb_switch_marked_down_total", "Times the switch's data plane marked the server down.");
  readonly drops = this.registry.counter("slb_drops_total", "Packets the switch dropped, by reason.");
  readonly serversUp = this.registry.gauge("slb_servers_up", "Servers taking new sessions.");
  readonly serverUp = this.registry.gauge("slb_server_up", "1 when the server takes new sessions, else 0.");
  readonly primary = this.registry.gauge("slb_controller_primary", "1 while this controller is the switch's primary.");
  readonly epoch = this.registry.gauge("slb_membership_epoch", "Membership epoch last pushed to the servers.");
  readonly probeLatency = this.registry.histogram("slb_probe_latency_seconds", "Health probe round-trip time (failures at their timeout).", PROBE_BUCKETS_SECONDS);
  readonly probeFailures = this.registry.counter("slb_probe_failures_total", "Health probes that got no good answer.");
  readonly transitions = this.registry.counter("slb_server_transitions_total", "Server health transitions decided by the controller.");
  readonly reconciles = this.registry.counter("slb_controller_reconciles_total", "Reconciliations of the switch state.");
  readonly updates = this.registry.counter("slb_controller_p4runtime_updates_total", "P4Runtime updates written, by type.");

  /** Switch counters are absolute values: set, not incremented. */
  updateFromCounters(view: CountersView): void {
    for (const s of view.servers) {
      this.requests.set({ server: s.id }, Number(s.requests.packets));
      this.responses.set({ server: s.id }, Number(s.responses.packets));
      this.failovers.set({ server: s.id }, Number(s.failovers.packets));
      this.markedDown.set({ server: s.id }, Number(s.markedDown.packets));
    }
    for (const [reason, pair] of Object.entries(view.drops)) this.drops.set({ reason }, Number(pair.packets));
  }

  render(): string {
    return this.registry.render();
  }
}
