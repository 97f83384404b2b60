/**
 * The client's cookie jar: for each session, the cookie the servers last handed out (primary
 * number + secondary number) and the highest session version seen, sent with every request.
 * Optionally persisted as JSON so a command-line client keeps its sessions between runs.
 */
import { readFile, rename, writeFile } from "node:fs/promises";
import type { Cookie, SessionId } from "../wire/session_header.ts";

export interface JarEntry {
  readonly cookie: Cookie;
  readonly version: number;
}

interface JarFile {
  readonly sessions: Record<string, { cookie: number; version: number }>;
}

export class CookieJar {
  private readonly entries = new Map<SessionId, JarEntry>();

  get(id: SessionId): JarEntry | undefined {
    return this.entries.get(id);
  }

  /** Takes the cookie of a response; the version only ever grows. */
  update(id: SessionId, cookie: Cookie, version: number): JarEntry {
    const previous = this.entries.get(id);
    const entry = { cookie, version: Math.max(version, previous?.version ?? 0) };
    this.entries.set(id, entry);
    return entry;
  }

  forget(id: SessionId): void {
    this.entries.delete(id);
  }

  sessions(): SessionId[] {
    return [...this.entries.keys()];
  }

  toJSON(): JarFile {
    const sessions: JarFile["sessions"] = {};
    for (const [id, e] of this.entries) sessions[id.toString()] = { cookie: e.cookie, version: e.version };
    return { sessions };
  }

  static fromJSON(value: unknown): CookieJar {
    const jar = new CookieJar();
    const sessions = (value as Partial<JarFile> | null)?.sessions;
    if (typeof sessions !== "object" || sessions === null) throw new Error("cookie jar: missing 'sessions' object");
    for (const [key, e] of Object.entries(sessions)) {
      if (!/^\d{1,20}$/.test(key) || BigInt(key) >= 1n << 64n) throw new Error(`cookie jar: bad session id '${key}'`);
      const ok = typeof e === "object" && e !== null && Number.isInteger(e.cookie) && e.cookie >= 0 && e.cookie <= 0xffffffff && Number.isInteger(e.version) && e.version >= 0;
      if (!ok) throw new Error(`cookie jar: bad entry for session ${key}`);
      jar.entries.set(BigInt(key) as SessionId, { cookie: e.cookie as Cookie, version: e.version });
    }
    return jar;
  }

  /** A missing file is an empty jar. */
  static async load(path: string): Promise<CookieJar> {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return new CookieJar();
      throw err;
    }
    return CookieJar.fromJSON(JSON.parse(text));
  }

  /** Written to a temporary file and renamed, so a crash never leaves half a jar. */
  async save(path: string): Promise<void> {
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(this.toJSON(), null, 2)}\n`);
    await rename(tmp, path);
  }
}
