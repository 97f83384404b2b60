/** Text <-> number conversions for the addresses packet tests write by hand. */

declare const brand: unique symbol;
/** An IPv4 address as an unsigned 32-bit integer. */
export type Ipv4Address = number & { readonly [brand]: "Ipv4Address" };
/** A MAC address as an unsigned 48-bit integer. */
export type MacAddress = bigint & { readonly [brand]: "MacAddress" };

export function ipv4(text: string): Ipv4Address {
  const parts = text.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new RangeError(`not a dotted-quad IPv4 address: ${text}`);
  }
  return (parts.reduce((acc, p) => acc * 256 + Number(p), 0) >>> 0) as Ipv4Address;
}

export function ipv4FromNumber(n: number): Ipv4Address {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`not a 32-bit address: ${n}`);
  return n as Ipv4Address;
}

export function formatIpv4(addr: number): string {
  return [24, 16, 8, 0].map((shift) => (addr >>> shift) & 0xff).join(".");
}

export function mac(text: string): MacAddress {
  const parts = text.split(":");
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) {
    throw new RangeError(`not a colon-separated MAC address: ${text}`);
  }
  return BigInt("0x" + parts.join("")) as MacAddress;
}

export function macFromBigint(n: bigint): MacAddress {
  if (n < 0n || n >= 1n << 48n) throw new RangeError(`not a 48-bit MAC: ${n}`);
  return n as MacAddress;
}

export function formatMac(addr: bigint): string {
  return addr.toString(16).padStart(12, "0").replace(/(..)(?!$)/g, "$1:");
}
