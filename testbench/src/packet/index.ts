/** The packet library for tests: build and parse Ethernet / IPv4 / UDP / session frames, and show them. */
export * from "./address.ts";
export * from "./checksum.ts";
export * from "./ethernet.ts";
export * from "./ipv4.ts";
export * from "./udp.ts";
export * from "./frame.ts";
export * from "./hexdump.ts";
