import { port, type PortNumber, type SwitchModel } from "../../src/dataplane/api.ts";
import { createSwitch } from "../../src/dataplane/index.ts";
import { fixtureProgram } from "./fixture.ts";

/** A switch with the fixture program loaded, recording every egress frame. */
export function fixtureSwitch(clockMicros?: () => bigint): { sw: SwitchModel; out: [PortNumber, string][]; send: (f: Uint8Array, p?: number) => [PortNumber, string][] } {
  const sw = createSwitch(clockMicros ? { clockMicros } : {});
  sw.loadPipeline(fixtureProgram());
  const out: [PortNumber, string][] = [];
  sw.onEgress((p, f) => out.push([p, Buffer.from(f).toString("hex")]));
  const send = (f: Uint8Array, p = 0): [PortNumber, string][] => {
    out.length = 0;
    sw.inject(port(p), f);
    return [...out];
  };
  return { sw, out, send };
}
