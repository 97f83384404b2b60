import test from "ava";
import { execFileSync } from "node:child_process";
import { FaultError, NO_HOST_FAULT, nftBinary, nftScript, setHostFault } from "../../src/netns/faults.ts";

test("the nftables script states the whole fault: loss in both directions, partitions by peer address, nothing when healed", (t) => {
  const lossy = nftScript({ lossRate: 0.05, delayMs: 0, partitionedFrom: [] });
  t.regex(lossy, /chain in \{\n.*hook input.*\n\s+iifname "eth0" numgen random mod 1000000 < 50000 drop\n/);
  t.regex(lossy, /chain out \{\n.*hook output.*\n\s+oifname "eth0" numgen random mod 1000000 < 50000 drop\n/);
  const cut = nftScript({ lossRate: 0, delayMs: 0, partitionedFrom: ["10.0.1.2", "10.0.1.3"] });
  t.regex(cut, /iifname "eth0" ip saddr \{ 10\.0\.1\.2, 10\.0\.1\.3 \} drop/);
  t.regex(cut, /oifname "eth0" ip daddr \{ 10\.0\.1\.2, 10\.0\.1\.3 \} drop/);
  t.notRegex(cut, /numgen/);
  t.regex(nftScript({ lossRate: 1, delayMs: 0, partitionedFrom: [] }), /iifname "eth0" drop\n/);
  const healed = nftScript(NO_HOST_FAULT);
  t.notRegex(healed, /drop/);
  // Replacing works whether or not the table exists: declare, delete, declare anew.
  t.true(healed.startsWith("table inet slbfault\ndelete table inet slbfault\n"));
});

test("nft is looked up outside node_modules (npm's PATH has a JavaScript tool of that name)", (t) => {
  const nft = nftBinary();
  if (nft === undefined) return t.pass();
  t.false(nft.includes("node_modules"));
});

const root = process.getuid?.() === 0;
const reason = !root ? "needs root" : nftBinary() === undefined ? "needs nft (apt install nftables)" : undefined;
if (reason) console.log(`kernel fault tests skipped: ${reason}`);
const kernel = reason ? test.skip : test.serial;

function sh(argv: string[], input?: string): string {
  return execFileSync(argv[0]!, argv.slice(1), { encoding: "utf8", input });
}

kernel("a partition drops frames between two hosts both ways and healing lets them through again", async (t) => {
  const [a, b] = [`slbfa${process.pid % 1000}`, `slbfb${process.pid % 1000}`];
  sh(["ip", "netns", "add", a]);
  sh(["ip", "netns", "add", b]);
  try {
    sh(["ip", "link", "add", "eth0", "netns", a, "type", "veth", "peer", "name", "eth0", "netns", b]);
    for (const [ns, ip] of [[a, "10.79.0.1/24"], [b, "10.79.0.2/24"]] as const) {
      sh(["ip", "-n", ns, "addr", "add", ip, "dev", "eth0"]);
      sh(["ip", "-n", ns, "link", "set", "eth0", "up"]);
    }
    const ping = (): boolean => {
      try {
        sh(["ip", "netns", "exec", a, "ping", "-c", "1", "-W", "1", "10.79.0.2"]);
        return true;
      } catch {
        return false;
      }
    };
    t.true(ping(), "the hosts reach each other before the fault");
    setHostFault(b, { ...NO_HOST_FAULT, partitionedFrom: ["10.79.0.1"] });
    t.false(ping(), "partitioned");
    setHostFault(b, NO_HOST_FAULT);
    t.true(ping(), "healed");
    setHostFault(a, { lossRate: 1, delayMs: 0, partitionedFrom: [] });
    t.false(ping(), "every frame lost");
    setHostFault(a, NO_HOST_FAULT);
    t.true(ping(), "healed");
  } finally {
    sh(["ip", "netns", "del", a]);
    sh(["ip", "netns", "del", b]);
  }
});

kernel("a fault in a namespace that does not exist is a FaultError naming the namespace", (t) => {
  const err = t.throws(() => setHostFault("slb-no-such-ns", { ...NO_HOST_FAULT, partitionedFrom: ["10.0.0.1"] }), { instanceOf: FaultError });
  t.regex(err?.message ?? "", /slb-no-such-ns/);
});
