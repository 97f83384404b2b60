import test from "ava";
import { spawn } from "node:child_process";
import dgram from "node:dgram";
import { execArgv, listLinks, listNamespaces, missingPrerequisites, netDown, netUp } from "../../src/netns/lifecycle.ts";
import type { NetTopology } from "../../src/netns/topology.ts";
import { validateTopology } from "../../src/netns/topology.ts";

const topo: NetTopology = {
  prefix: "slbtst",
  hosts: [
    { name: "a", switchPort: 1, address: "10.77.0.1/24", mac: "02:77:00:00:00:01", arp: [{ ip: "10.77.0.2", mac: "02:77:00:00:00:02" }] },
    { name: "b", switchPort: 2, address: "10.77.0.2/24", mac: "02:77:00:00:00:02", arp: [{ ip: "10.77.0.1", mac: "02:77:00:00:00:01" }] },
  ],
};
const WIRE_BASE = 47100;
const BRIDGE_BASE = 47200;

test("a topology with a bad name, port or address is refused before anything is created", (t) => {
  const problems = validateTopology({
    prefix: "Bad_Prefix",
    hosts: [
      { name: "a", switchPort: 1, address: "10.0.0.300/24", mac: "zz" },
      { name: "a", switchPort: 1, address: "10.0.0.1/24", mac: "02:00:00:00:00:01" },
    ],
  });
  t.true(problems.some((p) => p.includes("prefix")));
  t.true(problems.some((p) => p.includes("'10.0.0.300/24'")));
  t.true(problems.some((p) => p.includes("mac 'zz'")));
  t.true(problems.some((p) => p.includes("duplicate name")));
  t.true(problems.some((p) => p.includes("switch port 1 used twice")));
});

const missing = missingPrerequisites(true);
const needsRoot = missing.length === 0 ? test.serial : test.skip;
if (missing.length > 0) console.log(`netns tests skipped: missing ${missing.join(", ")}`);

/** A two-port hub standing in for the switch: whatever arrives on one wire leaves on the other. */
function startHub(): Promise<dgram.Socket[]> {
  const sockets = [1, 2].map(() => dgram.createSocket("udp4"));
  sockets.forEach((s, i) => {
    s.on("message", (frame) => sockets[1 - i]!.send(frame, BRIDGE_BASE + (2 - i), "127.0.0.1"));
  });
  return Promise.all(sockets.map((s, i) => new Promise<dgram.Socket>((r) => s.bind(WIRE_BASE + i + 1, "127.0.0.1", () => r(s)))));
}

function runIn(host: string, script: string): Promise<string> {
  const [file, ...args] = execArgv(topo, host, [process.execPath, "-e", script]);
  return new Promise((resolve, reject) => {
    const child = spawn(file!, args);
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${out}`))));
  });
}

needsRoot("hosts in namespaces exchange kernel UDP through veths bridged to switch wires, and down removes everything", async (t) => {
  const hub = await startHub();
  try {
    await netUp(topo, { bridge: (p) => ({ wireAddress: { host: "127.0.0.1", port: WIRE_BASE + p }, bridgePort: BRIDGE_BASE + p }) });
    t.true((await listNamespaces()).includes("slbtst-a"));
    t.true((await listLinks()).includes("slbtstp2"));
    const receiver = runIn(
      "b",
      `const s=require("dgram").createSocket("udp4");s.bind(5000,"10.77.0.2");s.on("message",(m,r)=>{console.log(m.toString()+" from "+r.address);process.exit(0)});setTimeout(()=>process.exit(3),8000)`,
    );
    await new Promise((r) => setTimeout(r, 300));
    await runIn("a", `const s=require("dgram").createSocket("udp4");let n=0;const f=()=>{s.send("hello","5000","10.77.0.2");if(++n<20)setTimeout(f,200);else s.close()};f()`);
    t.is((await receiver).trim(), "hello from 10.77.0.1");
  } finally {
    hub.forEach((s) => s.close());
    await netDown(topo.prefix);
  }
  t.false((await listNamespaces()).some((n) => n.startsWith("slbtst-")));
  t.false((await listLinks()).some((l) => l.startsWith("slbtstp")));
});

needsRoot("up is idempotent and down cleans up after a crashed run", async (t) => {
  await netUp(topo);
  // A second up over the leftovers of the first, as after a crash, must succeed.
  await netUp(topo);
  const removed = await netDown(topo.prefix);
  t.is(removed.namespaces, 2);
  t.is(removed.links, 2);
  const again = await netDown(topo.prefix);
  t.deepEqual(again, { namespaces: 0, links: 0, bridges: 0, processes: 0 });
});

const withMgmt: NetTopology = {
  prefix: "slbtsm",
  mgmt: { bridgeAddress: "192.168.78.254/24" },
  hosts: [{ name: "a", switchPort: 1, address: "10.78.0.1/32", mac: "02:78:00:00:00:01", mgmtAddress: "192.168.78.1/24" }],
};

needsRoot("the management bridge reaches a host's mgmt0 from the root namespace, and down also kills processes left in the namespace", async (t) => {
  try {
    await netUp(withMgmt);
    t.true((await listLinks()).includes("slbtsmbr"));
    const echoScript = `const s=require("dgram").createSocket("udp4");s.bind(5001,"192.168.78.1",()=>console.log("bound"));s.on("message",(m,r)=>s.send(m,r.port,r.address))`;
    const [file, ...args] = execArgv(withMgmt, "a", [process.execPath, "-e", echoScript]);
    const echo = spawn(file!, args, { stdio: ["ignore", "pipe", "ignore"] });
    await new Promise((r) => echo.stdout.once("data", r));
    const socket = dgram.createSocket("udp4");
    const answer = new Promise<string>((resolve) => socket.on("message", (m, r) => resolve(`${m.toString()} from ${r.address}`)));
    socket.send("ping", 5001, "192.168.78.1");
    t.is(await answer, "ping from 192.168.78.1");
    socket.close();
    const removed = await netDown(withMgmt.prefix);
    t.is(removed.processes, 1);
    // the data veth, the mgmt veth and the bridge
    t.is(removed.links, 3);
    await new Promise((r) => (echo.exitCode !== null || echo.signalCode !== null ? r(undefined) : echo.once("exit", r)));
    t.is(echo.signalCode, "SIGKILL");
  } finally {
    await netDown(withMgmt.prefix);
  }
  t.false((await listLinks()).some((l) => l.startsWith("slbtsm")));
  t.false((await listNamespaces()).some((n) => n.startsWith("slbtsm-")));
});
