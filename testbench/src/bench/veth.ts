/**
 * "switch on veth": our switch model (packet rings) and the real simple_switch_grpc on the same
 * veths, LB program and entries in one run; each one's highest rate with at most 1% loss.
 */
import { type RateTrial, type SwitchRate, compareOnVeth, vethRateUnavailable } from "../realnet/veth_rate.ts";
import { type BenchOutcome, type Measurement, measured, na } from "./report.ts";

function detail(r: SwitchRate): Record<string, unknown> {
  const t = r.best;
  return {
    attach: r.attach,
    senderLimited: r.senderLimited,
    ...(t ? { offeredPps: Math.round(t.offeredPps), deliveredFraction: t.deliveredFraction, p50Us: t.p50Us, p99Us: t.p99Us } : {}),
    trials: r.trials.map((x: RateTrial) => ({ offeredPps: Math.round(x.offeredPps), deliveredFraction: Number(x.deliveredFraction.toFixed(4)), p99Us: x.p99Us })),
  };
}

function rows(label: string, r: SwitchRate): Measurement[] {
  const t = r.best;
  if (!t) return [{ metric: `${label} packets/s`, value: 0, unit: "packets/s", detail: detail(r) }];
  return [
    { metric: `${label} packets/s`, value: t.deliveredPps, unit: "packets/s", detail: detail(r) },
    { metric: `${label}: offered at that rate`, value: t.offeredPps, unit: "packets/s" },
    { metric: `${label}: delivered`, value: t.deliveredFraction * 100, unit: "%" },
    { metric: `${label}: p99 latency`, value: t.p99Us, unit: "µs" },
  ];
}

export async function switchOnVeth(trialSeconds = 1): Promise<BenchOutcome> {
  const unavailable = vethRateUnavailable();
  if (unavailable) return na(unavailable);
  const result = await compareOnVeth({ trialSeconds, log: (line) => process.stderr.write(`    ${line}\n`) });
  const model = rows(`our model (${result.model.attach})`, result.model);
  model[0] = { ...model[0]!, metric: "our model packets/s" };
  if (typeof result.bmv2 === "string") return measured(...model);
  const bmv2 = rows("real bmv2", result.bmv2);
  const modelPps = result.model.best?.deliveredPps ?? 0;
  const bmv2Pps = result.bmv2.best?.deliveredPps ?? 0;
  return measured(
    ...model,
    ...bmv2,
    { metric: "model / bmv2", value: bmv2Pps > 0 ? modelPps / bmv2Pps : 0, unit: "x", detail: { program: result.program, maxLoss: "1%", trialSeconds } },
  );
}
