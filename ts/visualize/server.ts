/**
 * The `parsl-ts visualize` HTTP server: pages, JSON endpoints over a read-only connection, the change feed,
 * and the static client and libraries. Plain node:http: a dozen routes need no framework.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as q from '../monitoring/queries.js';
import { type Asset, loadAssets } from './assets.js';
import { type OpenedDatabase, openDashboardDatabase } from './database.js';
import { VisualizeError } from './errors.js';
import { ChangeFeed } from './live.js';
import { type PageName, page } from './pages.js';
import * as dq from './queries.js';

export interface DashboardOptions {
  /** The monitoring database: a path or Parsl's `sqlite:///path` URL. @default 'runinfo/monitoring.db' */
  readonly db?: string;
  /** @default '127.0.0.1' (loopback: the dashboard has no authentication) */
  readonly host?: string;
  /** 0 picks a free port. @default 8080 */
  readonly port?: number;
}

export interface Dashboard {
  readonly url: string;
  readonly port: number;
  readonly database: OpenedDatabase;
  close(): Promise<void>;
}

type Json = (status: number, body: unknown) => void;
interface Reply {
  readonly status: number;
  readonly body: unknown;
}
const reply = (status: number, body: unknown): Reply => ({ status, body });
type Query = URLSearchParams;

/** Open the database (refusing a missing or foreign one), bind, and serve until `close()`. */
export async function startDashboard(o: DashboardOptions = {}): Promise<Dashboard> {
  const host = o.host ?? '127.0.0.1';
  const port = o.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new VisualizeError(`--port must be a whole number from 0 to 65535; got ${port}`);
  }
  const database = openDashboardDatabase(o.db ?? 'runinfo/monitoring.db');
  const feed = new ChangeFeed(database.db);
  const assets = loadAssets();
  const server = createServer((req, res) => handle(req, res, database, feed, assets));
  try {
    await listen(server, host, port);
  } catch (e) {
    feed.close();
    database.db.close();
    throw e;
  }
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    port: bound,
    database,
    close: () =>
      new Promise<void>((resolve) => {
        feed.close();
        server.closeAllConnections();
        server.close(() => {
          database.db.close();
          resolve();
        });
      }),
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      const why =
        e.code === 'EADDRINUSE'
          ? `port ${port} on ${host} is in use (--port): choose another, or --port 0 for a free one`
          : e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND'
            ? `${host} is not an address of this machine (--host)`
            : e.code === 'EACCES'
              ? `port ${port} needs privileges (--port): choose one above 1023`
              : `cannot listen on ${host}:${port} (--host, --port): ${e.message}`;
      reject(new VisualizeError(why, { cause: e }));
    });
    server.listen(port, host, () => resolve());
  });
}

const PAGES: Array<[RegExp, PageName]> = [
  [/^\/$/, 'workflows'],
  [/^\/run\/([^/]+)$/, 'summary'],
  [/^\/run\/([^/]+)\/tasks$/, 'tasks'],
  [/^\/run\/([^/]+)\/task\/(\d+)$/, 'task'],
  [/^\/run\/([^/]+)\/dag$/, 'dag'],
  [/^\/run\/([^/]+)\/resources$/, 'resources'],
];

function handle(
  req: IncomingMessage,
  res: ServerResponse,
  database: OpenedDatabase,
  feed: ChangeFeed,
  assets: Map<string, Asset>,
): void {
  const url = new URL(req.url ?? '/', 'http://dashboard');
  const path = url.pathname;
  const json: Json = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    json(405, { error: 'the dashboard only reads' });
    return;
  }
  if (path.startsWith('/static/')) {
    const a = assets.get(path.slice('/static/'.length));
    if (a === undefined) {
      json(404, { error: `no asset ${path}` });
      return;
    }
    res.writeHead(200, { 'content-type': a.type, 'cache-control': 'max-age=3600' });
    res.end(a.body);
    return;
  }
  if (path === '/favicon.ico') {
    res.writeHead(204).end();
    return;
  }
  if (path === '/api/events') {
    feed.subscribe(res);
    return;
  }
  if (path.startsWith('/api/')) {
    try {
      const r = api(path.slice(4), url.searchParams, database);
      json(r.status, r.body);
    } catch (e) {
      json(e instanceof BadParameter ? 400 : 500, { error: (e as Error).message });
    }
    return;
  }
  for (const [re, name] of PAGES) {
    const m = re.exec(path);
    if (m === null) continue;
    const runId = m[1] === undefined ? undefined : decodeURIComponent(m[1]);
    const taskId = m[2] === undefined ? undefined : Number(m[2]);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(page(name, { runId, taskId }));
    return;
  }
  json(404, { error: `no page ${path}` });
}

/** `/api/...` (without the prefix): one query per endpoint, each bounded. */
function api(path: string, query: Query, database: OpenedDatabase): Reply {
  const db = database.db;
  if (path === '/workflows') {
    return reply(200, {
      database: { path: database.path, kind: database.kind, indexWarning: database.indexWarning },
      workflows: q.workflows(db),
    });
  }
  const m = /^\/run\/([^/]+)(\/.*)?$/.exec(path);
  if (m === null) return reply(404, { error: `no endpoint /api${path}` });
  const runId = decodeURIComponent(m[1]!);
  const w = q.workflow(db, runId);
  if (w === null) return reply(404, { error: `no workflow with run_id ${runId} in ${database.path}` });
  const rest = m[2] ?? '';
  if (database.kind.kind === 'parsl') {
    return reply(409, {
      error: `${database.path} was written by Python Parsl or an older parsl-ts: it lacks the summary table(s) ${database.kind.missing.join(', ')} that this page reads; only the workflow list is available`,
    });
  }
  const bucket = dq.bucketSeconds(w);
  switch (true) {
    case rest === '':
      return reply(200, {
        workflow: w,
        states: q.stateCounts(db, runId),
        apps: q.appStateCounts(db, runId),
      });
    case rest === '/timeline':
      return reply(200, { bucketSeconds: bucket, points: dq.launchesPerApp(db, runId, bucket) });
    case rest === '/gantt':
      return reply(200, dq.gantt(db, runId, intParam(query, 'before')));
    case rest === '/tasks':
      return reply(200, tasks(db, runId, query));
    case rest === '/dag':
      return reply(200, q.dagByApp(db, runId));
    case rest === '/resources':
      return reply(200, {
        bucketSeconds: bucket,
        busy: dq.workerStarts(db, runId, bucket),
        nodes: dq.nodeHistory(db, runId),
        usage: dq.resourceUsage(db, runId, bucket),
      });
    default: {
      const t = /^\/task\/(\d+)$/.exec(rest);
      if (t === null) return reply(404, { error: `no endpoint /api${path}` });
      const detail = q.task(db, runId, Number(t[1]));
      if (detail === null) return reply(404, { error: `run ${runId} has no task ${t[1]}` });
      return reply(200, detail);
    }
  }
}

function tasks(db: q.ReadDb, runId: string, query: Query): q.TaskPage {
  const order = query.get('order');
  if (order !== null && order !== 'asc' && order !== 'desc') {
    throw new BadParameter(`query parameter 'order' must be 'asc' or 'desc'; got '${order}'`);
  }
  return q.tasks(db, runId, {
    app: query.get('app') || undefined,
    state: query.get('state') || undefined,
    after: intParam(query, 'after'),
    order: order === 'desc' ? 'desc' : 'asc',
    limit: intParam(query, 'limit') ?? 50,
  });
}

/** A query parameter the endpoint cannot use: answered with 400 and the parameter's name. */
class BadParameter extends Error {}

function intParam(query: Query, name: string): number | undefined {
  const v = query.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n))
    throw new BadParameter(`query parameter '${name}' must be a whole number; got '${v}'`);
  return n;
}
