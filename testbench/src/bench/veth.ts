/** Packets per second of our switch model on real interfaces: namespaces, veth pairs, socat bridges. */
import { benchVethPps } from "../realnet/bench.ts";
import { namespaceScenarioUnavailable } from "../realnet/scenario.ts";
import { type BenchOutcome, measured, na } from "./report.ts";

export async function switchOnVeth(durationMs = 3000): Promise<BenchOutcome> {
  const unavailable = namespaceScenarioUnavailable("model");
  if (unavailable) return na(unavailable);
  const result = await benchVethPps({ durationMs, payloadBytes: 64 });
  return measured(
    { metric: "LB packets/s through veth + socat (64-byte UDP)", value: result.pps, unit: "packets/s" },
    { metric: "offered by the sender", value: (result.sent * 1000) / result.durationMs, unit: "packets/s" },
  );
}
