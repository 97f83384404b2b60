/**
 * The forwarding pipeline the controller owns: P4Info + BMv2 JSON, with a cookie derived from
 * their content, so that a controller (or its restarted self, or its backup) finds out that
 * the switch already runs exactly this program and leaves it, and its state, alone.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { encodeMessage } from "../../../bmv2/src/p4runtime/proto.ts";
import { parseP4Info, type P4Info } from "../p4rt/p4info.ts";
import type { Switch } from "../p4rt/switch.ts";
import type { PipelineSource } from "./config.ts";

export interface Pipeline {
  readonly p4info: P4Info;
  readonly deviceConfig: Uint8Array;
  /** 63-bit content hash (kept below 2^63 so every int64-minded tool shows it positive). */
  readonly cookie: bigint;
}

export function pipelineCookie(p4info: P4Info, deviceConfig: Uint8Array): bigint {
  const hash = createHash("sha256").update(encodeMessage("p4.config.v1.P4Info", p4info)).update(deviceConfig).digest();
  return hash.readBigUInt64BE(0) & 0x7fff_ffff_ffff_ffffn;
}

export function makePipeline(p4info: P4Info, bmv2Json: string | Uint8Array): Pipeline {
  const deviceConfig = typeof bmv2Json === "string" ? new TextEncoder().encode(bmv2Json) : bmv2Json;
  return { p4info, deviceConfig, cookie: pipelineCookie(p4info, deviceConfig) };
}

/** What a compiler hands back for one program: BMv2 JSON text and the P4Info (text format, or a message object). */
export type CompileP4 = (p4File: string) => Promise<{ readonly bmv2Json: string; readonly p4info: string | P4Info }>;

export async function loadPipeline(source: PipelineSource, compile?: CompileP4): Promise<Pipeline> {
  if (source.kind === "compiled") {
    return makePipeline(parseP4Info(readFileSync(source.p4infoFile, "utf8")), readFileSync(source.jsonFile));
  }
  if (!compile) throw new Error(`pipeline ${source.p4File} needs compiling, but no compiler was given`);
  const out = await compile(source.p4File);
  return makePipeline(typeof out.p4info === "string" ? parseP4Info(out.p4info) : out.p4info, out.bmv2Json);
}

export type PipelineOutcome = "loaded" | "kept";

/** Loads the pipeline unless the switch already runs it (same cookie); in both cases the Switch names things by its P4Info. */
export async function ensurePipeline(sw: Switch, pipeline: Pipeline): Promise<PipelineOutcome> {
  let current: bigint | undefined;
  try {
    current = (await sw.getPipeline("COOKIE_ONLY")).cookie;
  } catch {
    current = undefined;
  }
  if (current === pipeline.cookie) {
    // Committing again would reset every table; only adopt the P4Info for names.
    sw.adoptP4Info(pipeline.p4info);
    return "kept";
  }
  await sw.setPipeline({ p4info: pipeline.p4info, deviceConfig: pipeline.deviceConfig, cookie: pipeline.cookie }, "VERIFY_AND_COMMIT");
  return "loaded";
}
