import type { CounterValue, MeterConfig } from "./api.ts";

/**
 * Stateful objects: counter cells, register arrays and two-rate three-color
 * meters (RFC 2698 semantics, as bmv2 implements them: rates in units per
 * microsecond, bursts in units).
 */
export class CounterCells {
  readonly packets: Float64Array;
  readonly bytes: Float64Array;
  constructor(readonly size: number) {
    this.packets = new Float64Array(size);
    this.bytes = new Float64Array(size);
  }
  count(i: number, bytes: number): void {
    if (i < 0 || i >= this.size) return;
    this.packets[i]! += 1;
    this.bytes[i]! += bytes;
  }
  read(i: number): CounterValue {
    return { packets: BigInt(this.packets[i]!), bytes: BigInt(this.bytes[i]!) };
  }
  write(i: number, v: CounterValue): void {
    this.packets[i] = Number(v.packets);
    this.bytes[i] = Number(v.bytes);
  }
}

export const enum MeterColor {
  Green = 0,
  Yellow = 1,
  Red = 2,
}

export class MeterCell {
  private config: MeterConfig | undefined;
  private committedTokens = 0;
  private peakTokens = 0;
  private last = 0n;

  configure(config: MeterConfig | undefined, now: bigint): void {
    this.config = config;
    if (config) {
      this.committedTokens = config[0].burstSize;
      this.peakTokens = config[1].burstSize;
    }
    this.last = now;
  }

  get configuration(): MeterConfig | undefined {
    return this.config;
  }

  execute(units: number, now: bigint): MeterColor {
    const c = this.config;
    if (!c) return MeterColor.Green;
    const elapsed = Number(now - this.last);
    this.last = now;
    if (elapsed > 0) {
      this.committedTokens = Math.min(c[0].burstSize, this.committedTokens + elapsed * c[0].infoRate);
      this.peakTokens = Math.min(c[1].burstSize, this.peakTokens + elapsed * c[1].infoRate);
    }
    if (this.peakTokens < units) return MeterColor.Red;
    if (this.committedTokens < units) {
      this.peakTokens -= units;
      return MeterColor.Yellow;
    }
    this.peakTokens -= units;
    this.committedTokens -= units;
    return MeterColor.Green;
  }
}

export interface MeterArray {
  readonly name: string;
  readonly countsBytes: boolean;
  readonly cells: MeterCell[];
}

export interface RegisterArray {
  readonly name: string;
  readonly width: number;
  readonly cells: bigint[];
}
