import type { MacAddress } from "./address.ts";

export const ETHERNET_HEADER_BYTES = 14;
export const EtherType = { Ipv4: 0x0800, Arp: 0x0806, Ipv6: 0x86dd } as const;

export interface EthernetHeader {
  readonly dst: MacAddress;
  readonly src: MacAddress;
  readonly etherType: number;
}

export function encodeEthernet(header: EthernetHeader): Uint8Array {
  const out = new Uint8Array(ETHERNET_HEADER_BYTES);
  const view = new DataView(out.buffer);
  writeUint48(view, 0, header.dst);
  writeUint48(view, 6, header.src);
  view.setUint16(12, header.etherType);
  return out;
}

/** undefined when the frame is too short for an Ethernet header. */
export function decodeEthernet(frame: Uint8Array): EthernetHeader | undefined {
  if (frame.length < ETHERNET_HEADER_BYTES) return undefined;
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  return {
    dst: readUint48(view, 0) as MacAddress,
    src: readUint48(view, 6) as MacAddress,
    etherType: view.getUint16(12),
  };
}

function writeUint48(view: DataView, offset: number, value: bigint): void {
  view.setUint16(offset, Number(value >> 32n) & 0xffff);
  view.setUint32(offset + 2, Number(value & 0xffffffffn));
}

function readUint48(view: DataView, offset: number): bigint {
  return (BigInt(view.getUint16(offset)) << 32n) | BigInt(view.getUint32(offset + 2));
}
