import type { Command, CommandReply } from './protocol.js';

/** A command reply of a given kind. */
export type ReplyOf<K extends Command['kind']> = Extract<CommandReply, { kind: K }>;

/**
 * Request/reply over the executor's single interchange socket: each command carries a request id; replies resolve
 * the matching promise; a timeout or the loss of the interchange rejects it (the executor never hangs on one).
 */
export class CommandClient {
  #next = 0;
  readonly #pending = new Map<
    number,
    { resolve: (r: CommandReply) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();
  #closed: Error | null = null;

  constructor(
    private readonly send: (reqId: number, c: Command) => void,
    private readonly timeoutMs: number,
  ) {}

  request<K extends Command['kind']>(c: Extract<Command, { kind: K }>): Promise<ReplyOf<K>> {
    if (this.#closed) return Promise.reject(this.#closed);
    const reqId = this.#next++;
    return new Promise<ReplyOf<K>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(reqId);
        reject(new Error(`interchange did not answer ${c.kind} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.#pending.set(reqId, { resolve: resolve as (r: CommandReply) => void, reject, timer });
      this.send(reqId, c);
    });
  }

  reply(reqId: number, r: CommandReply): void {
    const p = this.#pending.get(reqId);
    if (!p) return;
    this.#pending.delete(reqId);
    clearTimeout(p.timer);
    p.resolve(r);
  }

  close(err: Error): void {
    this.#closed ??= err;
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.#pending.clear();
  }
}
