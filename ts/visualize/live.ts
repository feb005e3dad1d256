/**
 * Live updates: the database's `data_version` changes whenever another connection (the hub's writer) commits.
 * Reading it costs no I/O, so it is polled often, and only while a browser listens; each change is pushed to
 * every open page as a server-sent event, and the page fetches what it shows again.
 */
import type { ServerResponse } from 'node:http';
import type { ReadDb } from '../monitoring/queries.js';

/** How often the database is asked whether it changed while pages are open: well inside the 1 s goal. */
const POLL_MS = 200;
/** A comment line keeps idle connections open through proxies and lets the server notice a gone browser. */
const KEEPALIVE_MS = 15_000;

export class ChangeFeed {
  readonly #db: ReadDb;
  readonly #clients = new Set<ServerResponse>();
  #version: number;
  #poll: NodeJS.Timeout | null = null;
  #keepalive: NodeJS.Timeout | null = null;

  constructor(db: ReadDb) {
    this.#db = db;
    this.#version = this.#read();
  }

  /** Turn a response into an event stream that gets a `change` event at every commit. */
  subscribe(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write(`retry: 1000\nevent: hello\ndata: ${this.#version}\n\n`);
    this.#clients.add(res);
    res.on('close', () => {
      this.#clients.delete(res);
      if (this.#clients.size === 0) this.#stop();
    });
    if (this.#poll === null) {
      this.#poll = setInterval(() => this.#check(), POLL_MS);
      this.#keepalive = setInterval(() => this.#broadcast(': keepalive\n\n'), KEEPALIVE_MS);
    }
  }

  get listeners(): number {
    return this.#clients.size;
  }

  close(): void {
    this.#stop();
    for (const c of this.#clients) c.end();
    this.#clients.clear();
  }

  #read(): number {
    return this.#db.pragma('data_version', { simple: true }) as number;
  }

  #check(): void {
    const v = this.#read();
    if (v === this.#version) return;
    this.#version = v;
    this.#broadcast(`event: change\ndata: ${v}\n\n`);
  }

  #broadcast(text: string): void {
    for (const c of this.#clients) c.write(text);
  }

  #stop(): void {
    if (this.#poll !== null) clearInterval(this.#poll);
    if (this.#keepalive !== null) clearInterval(this.#keepalive);
    this.#poll = null;
    this.#keepalive = null;
  }
}
