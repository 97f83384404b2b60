/**
 * Error responses of the session server: type 3 (Error) with "<code>: <message>" as payload.
 * Shared by the server (which sends them) and the client library (which decides what to do).
 */

export const ServerErrorCode = {
  Malformed: "malformed",
  TooLarge: "too-large",
  UnknownSession: "unknown-session",
  Full: "full",
  /** A replica that may hold a newer copy did not answer: nothing was applied, retry the same request. */
  Unavailable: "unavailable",
  App: "app",
  /** A newer copy arrived while serving: nothing was applied, retry the same request. */
  Conflict: "conflict",
  Internal: "internal",
} as const;
export type ServerErrorCode = (typeof ServerErrorCode)[keyof typeof ServerErrorCode];

export function parseErrorPayload(payload: Uint8Array): { readonly code: string; readonly message: string } {
  const text = new TextDecoder().decode(payload);
  const colon = text.indexOf(":");
  return colon < 0 ? { code: text, message: "" } : { code: text.slice(0, colon), message: text.slice(colon + 1).trim() };
}

/**
 * Errors that say "not now" rather than "no": the request was not applied here, but another
 * attempt with the same request id may find the replica back, or the answer cached elsewhere.
 * Giving up on such a request leaves it in doubt; re-sending it as a new request could apply it twice.
 */
export function isTransientError(code: string): boolean {
  return code === ServerErrorCode.Unavailable || code === ServerErrorCode.Conflict || code === ServerErrorCode.Internal;
}
