/**
 * ARP, just enough to answer "who has <our IP>": the host's own neighbours are static (everything
 * goes to the gateway MAC), but a switch or tool that ARPs for the host still gets an answer.
 */
import { type MacAddress, readMac, writeMac } from "./ethernet.ts";

export const ARP_BYTES = 28;
const OP_REQUEST = 1;
const OP_REPLY = 2;

export interface ArpRequest {
  readonly senderMac: MacAddress;
  readonly senderIp: number;
  readonly targetIp: number;
}

/** Undefined unless this is an Ethernet/IPv4 ARP request. */
export function decodeArpRequest(bytes: Uint8Array): ArpRequest | undefined {
  if (bytes.length < ARP_BYTES) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0) !== 1 || view.getUint16(2) !== 0x0800 || view.getUint8(4) !== 6 || view.getUint8(5) !== 4) return undefined;
  if (view.getUint16(6) !== OP_REQUEST) return undefined;
  return { senderMac: readMac(bytes, 8), senderIp: view.getUint32(14), targetIp: view.getUint32(24) };
}

/**
 * A gratuitous ARP request (sender and target are this host): tells the switch this host is on
 * the wire, so a switch that learns the host's wire address from incoming frames can reach a
 * host that has not sent anything else yet.
 */
export function encodeGratuitousArp(ownMac: MacAddress, ownIp: number): Uint8Array {
  const out = new Uint8Array(ARP_BYTES);
  const view = new DataView(out.buffer);
  view.setUint16(0, 1);
  view.setUint16(2, 0x0800);
  view.setUint8(4, 6);
  view.setUint8(5, 4);
  view.setUint16(6, OP_REQUEST);
  writeMac(out, 8, ownMac);
  view.setUint32(14, ownIp >>> 0);
  view.setUint32(24, ownIp >>> 0);
  return out;
}

export function encodeArpReply(ownMac: MacAddress, ownIp: number, request: ArpRequest): Uint8Array {
  const out = new Uint8Array(ARP_BYTES);
  const view = new DataView(out.buffer);
  view.setUint16(0, 1);
  view.setUint16(2, 0x0800);
  view.setUint8(4, 6);
  view.setUint8(5, 4);
  view.setUint16(6, OP_REPLY);
  writeMac(out, 8, ownMac);
  view.setUint32(14, ownIp >>> 0);
  writeMac(out, 18, request.senderMac);
  view.setUint32(24, request.senderIp >>> 0);
  return out;
}
