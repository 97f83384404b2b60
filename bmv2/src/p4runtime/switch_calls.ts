/**
 * Calls into the data plane's ControlPlane with its errors turned into
 * P4Runtime statuses, and the unit conversions between P4Runtime counter /
 * meter messages and the data plane's.
 */
import * as grpc from "@grpc/grpc-js";
import { type CounterValue, type MeterConfig as SwitchMeterConfig, SwitchError } from "../dataplane/api.ts";
import type { CounterData, MeterConfig } from "./messages.ts";
import { grpcCodeOfSwitchError, P4RuntimeError } from "./status.ts";

export function toP4RuntimeError(err: unknown): P4RuntimeError {
  if (err instanceof P4RuntimeError) return err;
  if (err instanceof SwitchError) return new P4RuntimeError(grpcCodeOfSwitchError(err.code), err.message);
  return new P4RuntimeError(grpc.status.INTERNAL, err instanceof Error ? err.message : String(err));
}

export function callSwitch<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw toP4RuntimeError(err);
  }
}

export function counterFromData(data: CounterData): CounterValue {
  return { bytes: BigInt(data.byte_count ?? 0), packets: BigInt(data.packet_count ?? 0) };
}

export function counterToData(value: CounterValue): CounterData {
  return { byte_count: value.bytes.toString(), packet_count: value.packets.toString() };
}

const MICROS_PER_SECOND = 1_000_000;

/** P4Runtime rates are units per second; the data plane (like bmv2) takes units per microsecond. */
export function meterFromConfig(config: MeterConfig): SwitchMeterConfig {
  return [
    { infoRate: Number(config.cir ?? 0) / MICROS_PER_SECOND, burstSize: Number(config.cburst ?? 0) },
    { infoRate: Number(config.pir ?? 0) / MICROS_PER_SECOND, burstSize: Number(config.pburst ?? 0) },
  ];
}

export function meterToConfig(config: SwitchMeterConfig): MeterConfig {
  const [committed, peak] = config;
  return {
    cir: String(Math.round(committed.infoRate * MICROS_PER_SECOND)),
    cburst: String(committed.burstSize),
    pir: String(Math.round(peak.infoRate * MICROS_PER_SECOND)),
    pburst: String(peak.burstSize),
  };
}
