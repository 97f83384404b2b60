/** The bmv2 simple_switch model: create one, load BMv2 JSON, drive it through its control plane. */
export { createSwitch, type SimpleSwitchModel } from "./switch.ts";
export { measureInjectRate, type InjectRate } from "./bench.ts";
export * from "./api.ts";
