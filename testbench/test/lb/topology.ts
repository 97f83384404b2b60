/**
 * The test network around the switch: clients behind port 1, server i on port 10 + i at
 * 10.1.0.0 + i, UDP 7700, one VIP. Frames are built with the packet library so expected frames
 * carry freshly computed checksums: comparing bytes checks the switch's incremental updates.
 */
import { buildUdpFrame, ipv4, ipv4FromNumber, mac, macFromBigint, type Ipv4Address, type MacAddress } from "../../src/packet/index.ts";
import {
  MessageType,
  type Cookie,
  type ServerId,
  type SessionHeader,
  type SessionId,
} from "../../../runtime/src/wire/session_header.ts";

export const SESSION_PORT = 7700;
export const SWITCH_MAC = mac("02:00:00:00:00:fe");
export const CLIENT_PORT = 1;
export const CLIENT = { mac: mac("02:00:00:00:00:01"), ip: ipv4("10.0.0.1"), port: 40000 } as const;
export const VIP = { ip: ipv4("10.0.100.1"), port: SESSION_PORT } as const;

export interface ServerEndpoint {
  readonly id: ServerId;
  readonly ip: Ipv4Address;
  readonly mac: MacAddress;
  readonly switchPort: number;
  readonly udpPort: number;
}

export function serverEndpoint(id: ServerId): ServerEndpoint {
  return {
    id,
    ip: ipv4FromNumber(ipv4("10.1.0.0") + id),
    mac: macFromBigint(0x020000000100n + BigInt(id)),
    switchPort: 10 + id,
    udpPort: SESSION_PORT,
  };
}

export interface RequestSpec {
  readonly cookie: Cookie | number;
  readonly sessionId: SessionId | bigint;
  readonly flags?: number;
  readonly requestId?: number;
  readonly ttl?: number;
  readonly options?: Uint8Array;
  readonly body?: Uint8Array;
}

function requestHeader(spec: RequestSpec, flags: number): SessionHeader {
  return {
    type: MessageType.Request,
    flags,
    cookie: spec.cookie as Cookie,
    sessionId: spec.sessionId as SessionId,
    sessionVersion: 1,
    requestId: spec.requestId ?? 1,
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** A client's request to the VIP, as it enters port 1. */
export function clientRequest(spec: RequestSpec): Uint8Array {
  return buildUdpFrame({
    ethernet: { src: CLIENT.mac, dst: SWITCH_MAC },
    ipv4: { src: CLIENT.ip, dst: VIP.ip, ttl: spec.ttl ?? 64, ...optional("options", spec.options) },
    udp: { srcPort: CLIENT.port, dstPort: VIP.port },
    payload: { kind: "session", header: requestHeader(spec, spec.flags ?? 0), ...optional("body", spec.body) },
  });
}

/** The same request as it must leave towards server `to` (DNAT, MACs, TTL - 1, FAILOVER if re-routed). */
export function requestAtServer(spec: RequestSpec, to: ServerEndpoint, failedOver: boolean): Uint8Array {
  return buildUdpFrame({
    ethernet: { src: SWITCH_MAC, dst: to.mac },
    ipv4: { src: CLIENT.ip, dst: to.ip, ttl: (spec.ttl ?? 64) - 1, ...optional("options", spec.options) },
    udp: { srcPort: CLIENT.port, dstPort: to.udpPort },
    payload: {
      kind: "session",
      header: requestHeader(spec, (spec.flags ?? 0) | (failedOver ? 0x01 : 0)),
      ...optional("body", spec.body),
    },
  });
}

export interface ResponseSpec {
  readonly cookie: Cookie | number;
  readonly sessionId: SessionId | bigint;
  readonly type?: MessageType;
  readonly requestId?: number;
}

function responseHeader(spec: ResponseSpec): SessionHeader {
  return {
    type: spec.type ?? MessageType.Response,
    flags: 0,
    cookie: spec.cookie as Cookie,
    sessionId: spec.sessionId as SessionId,
    sessionVersion: 2,
    requestId: spec.requestId ?? 1,
  };
}

/** A server's answer to the client, as it enters the server's port. */
export function serverResponse(from: ServerEndpoint, spec: ResponseSpec): Uint8Array {
  return buildUdpFrame({
    ethernet: { src: from.mac, dst: SWITCH_MAC },
    ipv4: { src: from.ip, dst: CLIENT.ip, ttl: 64 },
    udp: { srcPort: from.udpPort, dstPort: CLIENT.port },
    payload: { kind: "session", header: responseHeader(spec), body: new TextEncoder().encode("ok") },
  });
}

/** The answer as the client must see it: from the VIP. */
export function responseAtClient(spec: ResponseSpec): Uint8Array {
  return buildUdpFrame({
    ethernet: { src: SWITCH_MAC, dst: CLIENT.mac },
    ipv4: { src: VIP.ip, dst: CLIENT.ip, ttl: 63 },
    udp: { srcPort: VIP.port, dstPort: CLIENT.port },
    payload: { kind: "session", header: responseHeader(spec), body: new TextEncoder().encode("ok") },
  });
}
