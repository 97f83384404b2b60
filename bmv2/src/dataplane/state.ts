import type { Layout } from "./layout.ts";

export const NO_ARGS: readonly bigint[] = Object.freeze([]);
/** Marker value of resubmitFieldList / recirculateFieldList: not requested. */
export const NOT_REQUESTED = -2;

/**
 * Everything one packet carries through the pipelines: the PHV (flat field
 * storage + validity), the unparsed payload, and the v1model side-band
 * requests (clone, resubmit, recirculate, digest) the primitives record for
 * the switch to act on between pipelines.
 */
export class PacketState {
  // Plain arrays rather than typed arrays: a packet allocates several of these,
  // and small typed arrays cost far more to create and copy in V8.
  /** Fields by slot: the wide, signed and varbit ones here (see Layout.narrow)... */
  f: bigint[];
  /** ...and the unsigned ones of at most 32 bits here. */
  n: number[];
  valid: number[];
  /** Current bit length of each header's varbit field. */
  vlen: number[];
  /** `next` index of each header stack / union stack. */
  stackNext: number[];
  unionStackNext: number[];
  /** Action data of the action being executed. */
  args: readonly bigint[] = NO_ARGS;
  exit = false;
  /** The frame as received; bytes from payloadOffset on are the unparsed payload. */
  frame: Uint8Array;
  payloadOffset = 0;
  /** Clone request: session id + 1 (0 = none), and the field list to preserve (-1 = none). */
  cloneSession = 0;
  cloneFieldList = -1;
  resubmitFieldList = NOT_REQUESTED;
  recirculateFieldList = NOT_REQUESTED;
  /** Learn list of a digest requested in this ingress pass (-1 = none). */
  digestList = -1;
  /** Bytes to keep on egress (0 = all), set by truncate(). */
  truncateTo = 0;
  /** Packet length at the start of the current pass (what counters count). */
  ingressLength = 0;
  /** simple_switch's packet-length register: set on receive, moved by add/remove_header, read into packet_length at egress. */
  lengthRegister = 0;

  constructor(layout: Layout, frame: Uint8Array, from?: PacketState) {
    this.frame = frame;
    if (from) {
      this.f = from.f.slice();
      this.n = from.n.slice();
      this.valid = from.valid.slice();
      this.vlen = from.vlen.slice();
      this.stackNext = from.stackNext.slice();
      this.unionStackNext = from.unionStackNext.slice();
      return;
    }
    this.f = layout.initialFields.slice();
    this.n = layout.initialNumbers.slice();
    this.valid = layout.initialValid.slice();
    this.vlen = layout.initialZeros.headers.slice();
    this.stackNext = layout.initialZeros.stacks.slice();
    this.unionStackNext = layout.initialZeros.unionStacks.slice();
  }

  /** A copy of the PHV and payload (used for multicast replicas and egress clones). */
  copy(layout: Layout): PacketState {
    const c = new PacketState(layout, this.frame, this);
    c.payloadOffset = this.payloadOffset;
    c.ingressLength = this.ingressLength;
    c.lengthRegister = this.lengthRegister;
    c.truncateTo = this.truncateTo;
    return c;
  }
}

