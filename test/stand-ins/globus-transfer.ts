/**
 * A local stand-in for the Globus Transfer API v0.10 (real Globus is not reachable from the test machine), with
 * the documented request and response shapes of what staging uses: `GET /submission_id`, `POST /transfer`
 * (a `transfer` document with `transfer_item`s), `GET /task/<id>` (status ACTIVE → SUCCEEDED or FAILED) and
 * `GET /task/<id>/event_list` (`event` documents with `is_error`). Endpoints are directories; a transfer copies
 * between them. Requests need `Authorization: Bearer <token>`; otherwise 401 AuthenticationFailed.
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';

interface Task {
  status: 'ACTIVE' | 'SUCCEEDED' | 'FAILED';
  /** Status reads left before the task ends: polling is exercised. */
  readsLeft: number;
  outcome: 'SUCCEEDED' | 'FAILED';
  events: {
    DATA_TYPE: 'event';
    code: string;
    is_error: boolean;
    description: string;
    details: string;
    time: string;
  }[];
}

export interface GlobusStandIn {
  readonly url: string;
  /** Every request's method, path and Authorization header. */
  readonly requests: { method: string; path: string; authorization: string | undefined; body: string }[];
  close(): Promise<void>;
}

export async function startGlobusStandIn(
  endpoints: Readonly<Record<string, string>>,
  token: string,
): Promise<GlobusStandIn> {
  const tasks = new Map<string, Task>();
  const requests: GlobusStandIn['requests'] = [];
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const handle = (req: IncomingMessage, body: string, res: ServerResponse) => {
    const path = req.url ?? '';
    requests.push({ method: req.method ?? '', path, authorization: req.headers.authorization, body });
    if (req.headers.authorization !== `Bearer ${token}`) {
      send(res, 401, {
        code: 'AuthenticationFailed',
        message: 'Token is not active',
        request_id: randomUUID(),
      });
      return;
    }
    if (req.method === 'GET' && path === '/submission_id') {
      send(res, 200, { DATA_TYPE: 'submission_id', value: randomUUID() });
      return;
    }
    if (req.method === 'POST' && path === '/transfer') {
      send(res, 202, submit(JSON.parse(body)));
      return;
    }
    const m = /^\/task\/([^/]+)(\/event_list)?$/.exec(path);
    const task = m ? tasks.get(m[1]!) : undefined;
    if (req.method === 'GET' && task && m) {
      if (m[2]) {
        send(res, 200, {
          DATA_TYPE: 'event_list',
          DATA: task.events,
          limit: 10,
          offset: 0,
          total: task.events.length,
        });
        return;
      }
      if (task.status === 'ACTIVE' && task.readsLeft-- <= 0) task.status = task.outcome;
      send(res, 200, {
        DATA_TYPE: 'task',
        task_id: m[1],
        type: 'TRANSFER',
        status: task.status,
        nice_status: task.status === 'FAILED' ? 'FILE_NOT_FOUND' : 'OK',
      });
      return;
    }
    send(res, 404, { code: 'ClientError.NotFound', message: `${req.method} ${path} not found` });
  };

  const submit = (doc: {
    DATA_TYPE: string;
    submission_id: string;
    source_endpoint: string;
    destination_endpoint: string;
    DATA: { DATA_TYPE: string; source_path: string; destination_path: string }[];
  }) => {
    const taskId = randomUUID();
    const task: Task = { status: 'ACTIVE', readsLeft: 1, outcome: 'SUCCEEDED', events: [] };
    const time = new Date().toISOString();
    const src = endpoints[doc.source_endpoint];
    const dst = endpoints[doc.destination_endpoint];
    for (const item of doc.DATA) {
      const from = src === undefined ? undefined : join(src, item.source_path);
      if (doc.DATA_TYPE !== 'transfer' || item.DATA_TYPE !== 'transfer_item' || !src || !dst) {
        task.outcome = 'FAILED';
        task.events.push({
          DATA_TYPE: 'event',
          code: 'ENDPOINT_ERROR',
          is_error: true,
          description: 'unknown endpoint or malformed document',
          details: doc.source_endpoint,
          time,
        });
      } else if (from === undefined || !existsSync(from)) {
        task.outcome = 'FAILED';
        task.events.push({
          DATA_TYPE: 'event',
          code: 'FILE_NOT_FOUND',
          is_error: true,
          description: 'No such file or directory',
          details: `${doc.source_endpoint}:${item.source_path}`,
          time,
        });
      } else {
        const to = join(dst, item.destination_path);
        mkdirSync(dirname(to), { recursive: true });
        copyFileSync(from, to);
        task.events.push({
          DATA_TYPE: 'event',
          code: 'SUCCEEDED',
          is_error: false,
          description: 'succeeded',
          details: item.source_path,
          time,
        });
      }
    }
    tasks.set(taskId, task);
    return {
      DATA_TYPE: 'transfer_result',
      code: 'Accepted',
      message: 'The transfer has been accepted',
      task_id: taskId,
      submission_id: doc.submission_id,
      request_id: randomUUID(),
      resource: '/transfer',
    };
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, Buffer.concat(chunks).toString(), res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
