import type { Layout } from "./layout.ts";

/**
 * Everything one packet carries through the pipelines: the PHV (flat field
 * storage + validity), the unparsed payload, and the v1model side-band
 * requests (clone, resubmit, recirculate, digest) the primitives record for
 * the switch to act on between pipelines.
 */
export class PacketState {
  f: bigint[];
  valid: Uint8Array;
  /** Current bit length of each header's varbit field. */
  vlen: Int32Array;
  /** `next` index of each header stack / union stack. */
  stackNext: Int32Array;
  unionStackNext: Int32Array;
  /** Action data of the action being executed. */
  args: readonly bigint[] = NO_ARGS;
  exit = false;
  /** The frame as received; bytes from payloadOffset on are the unparsed payload. */
  frame: Uint8Array;
  payloadOffset = 0;
  /** Clone request: session id + 1 (0 = none), and the field list to preserve (-1 = none). */
  cloneSession = 0;
  cloneFieldList = -1;
  resubmitFieldList = -2;
  recirculateFieldList = -2;
  /** Learn list of a digest requested in this ingress pass (-1 = none). */
  digestList = -1;
  /** Bytes to keep on egress (0 = all), set by truncate(). */
  truncateTo = 0;
  /** Packet length at the start of the current pass (what counters count). */
  ingressLength = 0;
  /** simple_switch's packet-length register: set on receive, moved by add/remove_header, read into packet_length at egress. */
  lengthRegister = 0;

  constructor(layout: Layout, frame: Uint8Array) {
    this.f = layout.initialFields.slice();
    this.valid = layout.initialValid.slice();
    this.vlen = new Int32Array(layout.headers.length);
    this.stackNext = new Int32Array(layout.stacks.length);
    this.unionStackNext = new Int32Array(layout.unionStacks.length);
    this.frame = frame;
  }

  /** A copy of the PHV and payload (used for multicast replicas and egress clones). */
  copy(layout: Layout): PacketState {
    const c = new PacketState(layout, this.frame);
    c.f = this.f.slice();
    c.valid = this.valid.slice();
    c.vlen = this.vlen.slice();
    c.stackNext = this.stackNext.slice();
    c.unionStackNext = this.unionStackNext.slice();
    c.payloadOffset = this.payloadOffset;
    c.ingressLength = this.ingressLength;
    c.lengthRegister = this.lengthRegister;
    c.truncateTo = this.truncateTo;
    return c;
  }
}

export const NO_ARGS: readonly bigint[] = Object.freeze([]);
/** Marker value of resubmitFieldList / recirculateFieldList: not requested. */
export const NOT_REQUESTED = -2;
