/** Ethernet II framing and MAC addresses for the host stack. */
declare const brand: unique symbol;
/** A 48-bit MAC as a number (fits exactly in a double). */
export type MacAddress = number & { readonly [brand]: "MacAddress" };

export const ETHERNET_HEADER_BYTES = 14;
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const BROADCAST_MAC = 0xffffffffffff as MacAddress;

export function parseMac(text: string): MacAddress | undefined {
  const m = /^([0-9a-f]{2})([:-][0-9a-f]{2}){5}$/i.exec(text.trim());
  if (!m) return undefined;
  return parseInt(text.trim().replace(/[:-]/g, ""), 16) as MacAddress;
}

export function formatMac(mac: MacAddress): string {
  return mac.toString(16).padStart(12, "0").replace(/(..)(?!$)/g, "$1:");
}

export function writeMac(out: Uint8Array, offset: number, mac: MacAddress): void {
  const hi = Math.floor(mac / 2 ** 32);
  const lo = mac % 2 ** 32;
  out[offset] = (hi >>> 8) & 0xff;
  out[offset + 1] = hi & 0xff;
  new DataView(out.buffer, out.byteOffset).setUint32(offset + 2, lo);
}

export function readMac(bytes: Uint8Array, offset: number): MacAddress {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  return (view.getUint16(offset) * 2 ** 32 + view.getUint32(offset + 2)) as MacAddress;
}

export interface EthernetFrame {
  readonly dst: MacAddress;
  readonly src: MacAddress;
  readonly etherType: number;
  readonly payload: Uint8Array;
}

export function encodeEthernet(frame: EthernetFrame): Uint8Array {
  const out = new Uint8Array(ETHERNET_HEADER_BYTES + frame.payload.length);
  writeMac(out, 0, frame.dst);
  writeMac(out, 6, frame.src);
  new DataView(out.buffer).setUint16(12, frame.etherType);
  out.set(frame.payload, ETHERNET_HEADER_BYTES);
  return out;
}

/** Undefined for a runt; VLAN tags are not used on the switch's wires, so none are parsed. */
export function decodeEthernet(bytes: Uint8Array): EthernetFrame | undefined {
  if (bytes.length < ETHERNET_HEADER_BYTES) return undefined;
  return {
    dst: readMac(bytes, 0),
    src: readMac(bytes, 6),
    etherType: new DataView(bytes.buffer, bytes.byteOffset).getUint16(12),
    payload: bytes.subarray(ETHERNET_HEADER_BYTES),
  };
}
