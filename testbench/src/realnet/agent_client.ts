/**
 * The runner's side of a client agent (client_agent.ts) in a client namespace: a LoadClient
 * whose requests go to the agent process as JSON lines. Session ids are drawn here and every
 * answer brings the agent's cookie for the session back, so `cookieOf` answers at once, as the
 * fault timeline needs ("kill primary:0" resolves the server from the cookie).
 */
import { NEW_SESSION_COOKIE } from "../../../runtime/src/wire/session_header.ts";
import type { IncrAnswer, LoadClient, ReadAnswer } from "../system/handle.ts";
import type { AgentReply, AgentRequest } from "./client_agent.ts";
import type { HostProcess } from "./processes.ts";

type Pending = { readonly resolve: (reply: AgentReply) => void; readonly reject: (err: Error) => void };

export class AgentLoadClient implements LoadClient {
  private readonly cookies = new Map<bigint, number>();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(
    readonly index: number,
    private readonly agent: HostProcess,
    private readonly nextSessionId: () => bigint,
  ) {
    agent.onLine((line) => {
      if (!line.startsWith("{")) return;
      const reply = JSON.parse(line) as AgentReply;
      if (reply.t === "ready") return;
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      waiter?.resolve(reply);
    });
    void agent.exited.then((status) => {
      const err = new Error(`client agent ${index} exited (code ${status.code}, signal ${status.signal}); stderr: ${agent.stderr || "(empty)"}`);
      for (const waiter of this.pending.values()) waiter.reject(err);
      this.pending.clear();
    });
  }

  newSession(): bigint {
    return this.nextSessionId();
  }

  cookieOf(session: bigint): number {
    return this.cookies.get(session) ?? NEW_SESSION_COOKIE;
  }

  private call(op: AgentRequest["op"], session: bigint): Promise<AgentReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const request: AgentRequest = { id, op, session: session.toString() };
      if (!this.agent.send(JSON.stringify(request))) {
        this.pending.delete(id);
        reject(new Error(`client agent ${this.index} is not running`));
      }
    });
  }

  async incr(session: bigint): Promise<IncrAnswer> {
    const reply = await this.call("incr", session);
    if (reply.t === "error") throw new Error(reply.message);
    if (reply.t !== "incr") throw new Error(`client agent ${this.index} answered an incr with '${reply.t}'`);
    this.cookies.set(session, reply.cookie);
    return reply.answer;
  }

  async read(session: bigint): Promise<ReadAnswer> {
    const reply = await this.call("read", session);
    if (reply.t === "error") throw new Error(reply.message);
    if (reply.t !== "read") throw new Error(`client agent ${this.index} answered a read with '${reply.t}'`);
    this.cookies.set(session, reply.cookie);
    return reply.answer;
  }

  async close(): Promise<void> {
    await this.agent.kill("SIGTERM");
  }
}
