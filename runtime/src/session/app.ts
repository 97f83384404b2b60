/**
 * The application hook of the session server: what a request does to a session's state.
 * State is opaque bytes to the server (it replicates and measures them); the app owns the format.
 */
import { parseFlatStringMap } from "./flat_json.ts";
import { encodeUtf8 } from "./utf8.ts";

export type AppOutcome =
  /** Served without changing the session: no version bump, no replication needed. */
  | { readonly kind: "read"; readonly response: Uint8Array }
  /** Served and changed the session: the server bumps the version and replicates `state`. */
  | { readonly kind: "write"; readonly response: Uint8Array; readonly state: Uint8Array }
  /** The request made no sense to the app: answered with an error response, nothing changes. */
  | { readonly kind: "error"; readonly message: string };

export interface SessionApp {
  /** State of a session that has just been created, before its first request is applied. */
  initialState(): Uint8Array;
  /** Must not throw for any payload; a throw is still caught and answered as an app error. */
  handle(payload: Uint8Array, state: Uint8Array): AppOutcome;
}

const fromUtf8 = new TextDecoder();

type KvState = Record<string, string>;

function decodeKv(state: Uint8Array): KvState {
  if (state.length === 0) return {};
  const text = fromUtf8.decode(state);
  const flat = parseFlatStringMap(text);
  if (flat) return flat;
  const parsed: unknown = JSON.parse(text);
  return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as KvState) : {};
}

const KEY = /^[A-Za-z0-9_.:-]{1,64}$/;

function written(next: KvState, response: string): AppOutcome {
  return { kind: "write", response: encodeUtf8(response), state: encodeUtf8(JSON.stringify(next)) };
}

/**
 * The default app: a small key-value store per session, with counters.
 *   incr <key> [n]     adds n (default 1) to the counter, answers the new value
 *   get <key>          answers the value ("" when unset)
 *   put <key> <value>  sets the value (the rest of the line), answers "ok"
 *   del <key>          removes the key, answers "ok"
 *   keys               answers the keys, space separated
 */
export const kvApp: SessionApp = {
  initialState: () => new Uint8Array(),
  handle(payload, state) {
    const text = fromUtf8.decode(payload).trim();
    // Indexed rather than destructured with a rest element: this runs on every request.
    const words = text.split(/\s+/);
    const verb = words[0] ?? "";
    const key = words[1] ?? "";
    const kv = decodeKv(state);
    if (verb === "keys") return { kind: "read", response: encodeUtf8(Object.keys(kv).sort().join(" ")) };
    if (!KEY.test(key)) return { kind: "error", message: `bad or missing key in '${text.slice(0, 80)}'` };
    switch (verb) {
      case "get":
        return { kind: "read", response: encodeUtf8(Object.hasOwn(kv, key) ? kv[key]! : "") };
      case "incr": {
        const step = words.length <= 2 ? 1 : Number(words[2]);
        if (!Number.isSafeInteger(step)) return { kind: "error", message: `incr step must be an integer, got '${words[2]}'` };
        const current = Object.hasOwn(kv, key) ? Number(kv[key]) : 0;
        if (!Number.isSafeInteger(current)) return { kind: "error", message: `key '${key}' does not hold a counter` };
        const next = current + step;
        return written({ ...kv, [key]: String(next) }, String(next));
      }
      case "put": {
        const value = /^put\s+\S+\s*(.*)$/s.exec(text)?.[1] ?? "";
        return written({ ...kv, [key]: value }, "ok");
      }
      case "del": {
        const { [key]: _removed, ...remaining } = kv;
        return written(remaining, "ok");
      }
      default:
        return { kind: "error", message: `unknown command '${verb.slice(0, 32)}' (incr, get, put, del, keys)` };
    }
  },
};
