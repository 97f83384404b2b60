/**
 * Packet I/O through the CPU port. A PacketOut's metadata becomes the
 * @controller_header("packet_out") header, serialized in front of the payload
 * and injected at the CPU port (as simple_switch_grpc does); a frame the
 * pipeline sends to the CPU port has its @controller_header("packet_in")
 * header parsed off into PacketIn metadata.
 */
import { bytesToBigint, canonicalBytes, fitsWidth, packBits, readBits } from "./bytes.ts";
import type { P4InfoIndex } from "./p4info_index.ts";

export interface PacketMetadata {
  readonly metadata_id: number;
  readonly value: Uint8Array;
}

export interface PacketOutMessage {
  readonly payload?: Uint8Array;
  readonly metadata?: readonly PacketMetadata[];
}

export interface PacketInMessage {
  readonly payload: Buffer;
  readonly metadata: { metadata_id: number; value: Buffer }[];
}

export type PacketOutResult = { readonly ok: true; readonly frame: Buffer } | { readonly ok: false; readonly message: string };

/** The frame to inject for a PacketOut. Missing metadata fields are zero, as in simple_switch_grpc. */
export function packetOutFrame(index: P4InfoIndex, packet: PacketOutMessage): PacketOutResult {
  const fields = index.packetMetadata("packet_out");
  const payload = Buffer.from(packet.payload ?? new Uint8Array());
  const given = new Map<number, bigint>();
  for (const m of packet.metadata ?? []) {
    const field = fields.find((f) => f.id === m.metadata_id);
    if (!field) return { ok: false, message: `Unknown packet_out metadata id ${m.metadata_id}` };
    const value = bytesToBigint(m.value);
    if (!fitsWidth(value, field.bitwidth)) return { ok: false, message: `Packet_out metadata ${m.metadata_id} does not fit within ${field.bitwidth} bits` };
    given.set(field.id, value);
  }
  if (fields.length === 0) return { ok: true, frame: payload };
  const header = packBits(fields.map((f) => ({ value: given.get(f.id) ?? 0n, width: f.bitwidth })));
  return { ok: true, frame: Buffer.concat([header, payload]) };
}

/** The PacketIn for a frame that left through the CPU port. */
export function packetInMessage(index: P4InfoIndex, frame: Uint8Array): PacketInMessage {
  const fields = index.packetMetadata("packet_in");
  const headerBits = fields.reduce((s, f) => s + f.bitwidth, 0);
  const headerBytes = Math.ceil(headerBits / 8);
  if (fields.length === 0 || frame.length < headerBytes) return { payload: Buffer.from(frame), metadata: [] };
  let offset = 0;
  const metadata = fields.map((f) => {
    const value = readBits(frame, offset, f.bitwidth);
    offset += f.bitwidth;
    return { metadata_id: f.id, value: canonicalBytes(value) };
  });
  return { payload: Buffer.from(frame.subarray(headerBytes)), metadata };
}
