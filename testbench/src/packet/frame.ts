/**
 * Whole frames as packet tests write and read them: Ethernet / IPv4 / UDP / session header.
 * Building computes every length and checksum unless a test overrides it to make a broken
 * frame; parsing never throws and says how far it got, so a test can assert on any layer.
 */
import type { MacAddress } from "./address.ts";
import { decodeEthernet, encodeEthernet, EtherType, ETHERNET_HEADER_BYTES, type EthernetHeader } from "./ethernet.ts";
import { decodeIpv4, encodeIpv4, IpProtocol, type Ipv4Fields, type Ipv4Header } from "./ipv4.ts";
import { decodeUdp, encodeUdp, type UdpFields, type UdpHeader } from "./udp.ts";
import {
  decodeSessionMessage,
  encodeSessionMessage,
  type DecodeResult,
  type SessionHeader,
} from "../../../runtime/src/wire/session_header.ts";

export interface UdpFrameSpec {
  readonly ethernet: { readonly dst: MacAddress; readonly src: MacAddress };
  readonly ipv4: Omit<Ipv4Fields, "protocol"> & { readonly protocol?: number };
  readonly udp: UdpFields;
  /** The UDP payload: raw bytes, or a session header (+ application payload) encoded by the shared codec. */
  readonly payload: UdpPayload;
}

export type UdpPayload =
  | { readonly kind: "raw"; readonly bytes: Uint8Array }
  | { readonly kind: "session"; readonly header: SessionHeader; readonly body?: Uint8Array };

export function udpPayloadBytes(payload: UdpPayload): Uint8Array {
  return payload.kind === "raw" ? payload.bytes : encodeSessionMessage(payload.header, payload.body ?? new Uint8Array());
}

export function buildUdpFrame(spec: UdpFrameSpec): Uint8Array {
  const ipFields: Ipv4Fields = { ...spec.ipv4, protocol: spec.ipv4.protocol ?? IpProtocol.Udp };
  const datagram = encodeUdp(spec.udp, udpPayloadBytes(spec.payload), { src: ipFields.src, dst: ipFields.dst });
  const packet = encodeIpv4(ipFields, datagram);
  return concatBytes([encodeEthernet({ ...spec.ethernet, etherType: EtherType.Ipv4 }), packet]);
}

export function buildEthernetFrame(header: EthernetHeader, payload: Uint8Array): Uint8Array {
  return concatBytes([encodeEthernet(header), payload]);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export interface ParsedFrame {
  readonly ethernet?: EthernetHeader;
  readonly ipv4?: Ipv4Header & { readonly checksumOk: boolean };
  readonly udp?: UdpHeader & { readonly checksum: number; readonly checksumStatus: "ok" | "bad" | "none" };
  /** Present when the frame is UDP; says whether the payload is a well-formed session message. */
  readonly session?: DecodeResult;
  /** Bytes after the last layer that parsed. */
  readonly payload: Uint8Array;
}

export function parseFrame(frame: Uint8Array): ParsedFrame {
  const ethernet = decodeEthernet(frame);
  if (!ethernet) return { payload: frame };
  const afterEthernet = frame.subarray(ETHERNET_HEADER_BYTES);
  if (ethernet.etherType !== EtherType.Ipv4) return { ethernet, payload: afterEthernet };
  const ip = decodeIpv4(afterEthernet);
  if (!ip.ok) return { ethernet, payload: afterEthernet };
  const ipv4 = { ...ip.header, checksumOk: ip.checksumOk };
  if (ipv4.protocol !== IpProtocol.Udp || ipv4.fragOffset !== 0) return { ethernet, ipv4, payload: ip.payload };
  const udp = decodeUdp(ip.payload, { src: ipv4.src, dst: ipv4.dst });
  if (!udp.ok) return { ethernet, ipv4, payload: ip.payload };
  return {
    ethernet,
    ipv4,
    udp: { ...udp.header, checksumStatus: udp.checksum },
    session: decodeSessionMessage(udp.payload),
    payload: udp.payload,
  };
}
