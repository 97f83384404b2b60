/** The shared first step of our JSON datagram protocols (management and peer): bytes to a plain object, never throwing. */
export type JsonObjectResult = { readonly ok: true; readonly object: Record<string, unknown> } | { readonly ok: false; readonly reason: string };

export function parseJsonObject(bytes: Uint8Array): JsonObjectResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return { ok: false, reason: "not JSON" };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return { ok: false, reason: "not an object" };
  return { ok: true, object: parsed as Record<string, unknown> };
}
