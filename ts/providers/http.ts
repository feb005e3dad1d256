import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { OptionalModuleMissing } from '../errors.js';

export interface HttpResponse {
  status: number;
  body: string;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** PEM CA bundle for https endpoints with a private CA (e.g. a Kubernetes API server). */
  ca?: string | Buffer;
  timeoutMs: number;
}

/** One HTTP(S) exchange with the whole body read; cloud providers build their REST calls on it. */
export function httpExchange(req: HttpRequest): Promise<HttpResponse> {
  const url = new URL(req.url);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const r = send(
      url,
      {
        method: req.method,
        headers: {
          ...(req.headers ?? {}),
          ...(req.body !== undefined ? { 'content-length': Buffer.byteLength(req.body) } : {}),
        },
        ...(req.ca !== undefined ? { ca: req.ca } : {}),
        timeout: req.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    r.on('timeout', () => r.destroy(new Error(`no answer from ${url.host} within ${req.timeoutMs} ms`)));
    r.on('error', reject);
    if (req.body !== undefined) r.write(req.body);
    r.end();
  });
}

/** `import()` of an optional SDK; a missing package becomes {@link OptionalModuleMissing} naming it. */
export async function importOptional<T>(name: string, reason: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new OptionalModuleMissing([name], reason, { cause });
    }
    throw cause;
  }
}

/** An OptionReader check for an endpoint option: an http(s) URL. */
export function urlCheck(v: unknown): string | null {
  return typeof v === 'string' && /^https?:\/\//.test(v) && URL.canParse(v)
    ? null
    : "an http(s) URL, e.g. 'https://host:443/'";
}
