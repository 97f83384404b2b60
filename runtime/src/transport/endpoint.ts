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

const DOT = 46;
const ZERO = 48;
const NINE = 57;

/**
 * Dotted quad (four runs of 1-3 digits, each at most 255) to a 32-bit unsigned number, or
 * undefined when it is not one. Read digit by digit: routes and addresses are parsed in bulk.
 */
export function parseIpv4(text: string): number | undefined {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : DOT;
    if (c === DOT) {
      if (digits === 0 || octet > 255 || ++parts > 4) return undefined;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
    } else if (c >= ZERO && c <= NINE && digits < 3) {
      octet = octet * 10 + (c - ZERO);
      digits++;
    } else {
      return undefined;
    }
  }
  return parts === 4 ? value : undefined;
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join(".");
}
