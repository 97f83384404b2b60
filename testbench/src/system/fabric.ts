/**
 * What the embedded system needs of its switches, whichever switch runs them: our model in this
 * process (SwitchFabric) or the real simple_switch_grpc (Bmv2Fabric). Hosts hold their cables
 * (FrameLinks) for the system's whole life; the switches behind them may die and come back.
 */
import type { FrameLink } from "../../../runtime/src/hoststack/link.ts";

export interface DigestSeen {
  readonly name: string;
}

export interface Fabric {
  /** Which switch runs the pipeline, for logs and test titles. */
  readonly description: string;
  readonly size: number;
  start(): Promise<void>;
  startSwitch(i: number): Promise<void>;
  killSwitch(i: number): Promise<void>;
  restartSwitch(i: number): Promise<void>;
  setControlPartition(i: number, cut: boolean): void;
  /** Where the controller reaches switch i. */
  controlAddress(i: number): string;
  hostLink(port: number, preferredSwitch?: number): FrameLink;
  /** Packets counted in cell `index` of counter array `name` (P4Info name) of switch i. */
  counter(i: number, name: string, index: number): Promise<bigint>;
  /** Digests switch i raises from now on; returns the unsubscribe. */
  onDigest(i: number, listener: (d: DigestSeen) => void): Promise<() => void>;
  stats(): Record<string, number>;
  close(): Promise<void>;
}
