/** A UDP endpoint: dotted-quad IPv4 address and port. Shared by every transport and protocol. */
export interface Endpoint {
  readonly ip: string;
  readonly port: number;
}

/** Parses "a.b.c.d:port"; returns undefined on anything else so callers can report their own error. */
export function parseEndpoint(text: string): Endpoint | undefined {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(text.trim());
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port < 0 || port > 65535 || parseIpv4(m[1]!) === undefined) return undefined;
  return { ip: m[1]!, port };
}

/** Dotted quad to a 32-bit unsigned number, or undefined when it is not one. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join(".");
}
