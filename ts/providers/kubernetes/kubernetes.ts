import { randomBytes } from 'node:crypto';
import { ConfigurationError } from '../../errors.js';
import { getLogger } from '../../logging.js';
import { type KeySet, OptionReader } from '../../options.js';
import { registerSecret } from '../../secrets.js';
import { BLOCK_OPTIONS, type BlockOptions, JobState, JobStatus, ProviderBase } from '../base.js';
import { SubmitException } from '../errors.js';
import { httpExchange, importOptional, urlCheck } from '../http.js';
import { buildPod, POD_OPTIONS, type PodOptions, readPodOptions } from './pod.js';

/** Where the Kubernetes API is and how to authenticate. */
export interface KubernetesCluster {
  /** API server URL, e.g. `https://10.0.0.1:6443`. */
  server: string;
  /** Bearer token (a service account token). */
  token?: string;
  /** PEM CA certificate of the API server. */
  caCert?: string;
}

export interface KubernetesProviderOptions extends PodOptions, BlockOptions {
  /** @default 'default' */
  namespace?: string;
  /** API server and credentials. @default read from kubeconfig with `@kubernetes/client-node` (optional dependency) */
  cluster?: KubernetesCluster;
}

const KUBERNETES_OPTIONS = {
  ...BLOCK_OPTIONS,
  ...POD_OPTIONS,
  namespace: true,
  cluster: true,
} satisfies KeySet<KubernetesProviderOptions>;

function clusterCheck(v: unknown): string | null {
  const c = v as Partial<KubernetesCluster> | null;
  const optional = (x: unknown) => x === undefined || typeof x === 'string';
  return typeof c === 'object' &&
    c !== null &&
    urlCheck(c.server) === null &&
    optional(c.token) &&
    optional(c.caCert)
    ? null
    : "{ server: 'https://…', token?, caCert? }";
}

interface KubeConfigLike {
  loadFromDefault(): void;
  getCurrentCluster(): { server: string; caData?: string; caFile?: string } | null;
  getCurrentUser(): { token?: string } | null;
}

/** Pod phases (status.phase). */
export const POD_PHASES: Readonly<Record<string, JobState>> = {
  Pending: JobState.PENDING,
  Running: JobState.RUNNING,
  Succeeded: JobState.COMPLETED,
  Failed: JobState.FAILED,
  Unknown: JobState.UNKNOWN,
};

/**
 * One pod per block through the Kubernetes REST API (create, read, delete in a namespace).
 * Defaults: label 'kubernetes', initBlocks 4, maxBlocks 10, statusPollingInterval 60 s, cmdTimeout 30 s.
 */
export class KubernetesProvider extends ProviderBase {
  readonly namespace: string;
  readonly podOptions: PodOptions;
  readonly #statuses = new Map<string, JobStatus>();
  readonly #log = getLogger('parsl.providers.kubernetes');
  #cluster: Promise<KubernetesCluster> | undefined;

  constructor(options: KubernetesProviderOptions) {
    const o = new OptionReader<KubernetesProviderOptions>('KubernetesProvider', options, KUBERNETES_OPTIONS);
    super(o, {
      label: 'kubernetes',
      initBlocks: 4,
      maxBlocks: 10,
      statusPollingInterval: 60_000,
      cmdTimeout: 30,
    });
    this.podOptions = readPodOptions(o);
    this.namespace = o.name('namespace', 'default');
    const cluster = o.check<KubernetesCluster | null>('cluster', null, clusterCheck);
    registerSecret(cluster?.token);
    if (cluster !== null) this.#cluster = Promise.resolve(cluster);
  }

  private cluster(): Promise<KubernetesCluster> {
    this.#cluster ??= importOptional<{ KubeConfig: new () => KubeConfigLike }>(
      '@kubernetes/client-node',
      'KubernetesProvider reads kubeconfig through @kubernetes/client-node (or pass cluster: { server, token })',
    ).then((k8s) => {
      const kc = new k8s.KubeConfig();
      kc.loadFromDefault();
      const c = kc.getCurrentCluster();
      if (!c)
        throw new ConfigurationError('kubeconfig has no current cluster: set a context or pass cluster');
      const cluster: KubernetesCluster = { server: c.server };
      const token = kc.getCurrentUser()?.token;
      if (token) cluster.token = token;
      registerSecret(token);
      if (c.caData) cluster.caCert = Buffer.from(c.caData, 'base64').toString();
      return cluster;
    });
    return this.#cluster;
  }

  private async call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) {
    const c = await this.cluster();
    return httpExchange({
      method,
      url: `${c.server.replace(/\/$/, '')}${path}`,
      headers: {
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(c.token ? { authorization: `Bearer ${c.token}` } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(c.caCert ? { ca: c.caCert } : {}),
      timeoutMs: this.cmdTimeoutMs,
    });
  }

  private podsPath(name?: string): string {
    return `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/pods${name ? `/${encodeURIComponent(name)}` : ''}`;
  }

  async submit(command: string, _tasksPerNode: number, jobName: string): Promise<string> {
    const base = (this.podOptions.podName ?? jobName)
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '');
    const name = `${base.slice(0, 50) || 'parsl'}-${randomBytes(4).toString('hex')}`;
    const r = await this.call('POST', this.podsPath(), buildPod(name, command, this.podOptions));
    if (r.status !== 201 && r.status !== 200) {
      throw new SubmitException(
        jobName,
        `Kubernetes refused pod ${name} (HTTP ${r.status}): ${apiMessage(r.body)}; check image, namespace and RBAC`,
        r.body,
      );
    }
    this.#statuses.set(name, new JobStatus(JobState.PENDING));
    this.#log.info(`created pod ${name}`);
    return name;
  }

  async status(jobIds: string[]): Promise<JobStatus[]> {
    await Promise.all(
      jobIds.map(async (id) => {
        const known = this.#statuses.get(id);
        if (!known || known.terminal) return;
        let r: Awaited<ReturnType<KubernetesProvider['call']>>;
        try {
          r = await this.call('GET', this.podsPath(id));
        } catch (e) {
          this.#log.warning(`status of pod ${id} unknown this round: ${(e as Error).message}`);
          return;
        }
        if (r.status === 404) {
          this.#statuses.set(id, new JobStatus(JobState.COMPLETED, 'pod no longer exists'));
          return;
        }
        if (r.status !== 200) {
          this.#log.warning(`status of pod ${id} unknown this round: HTTP ${r.status} ${apiMessage(r.body)}`);
          return;
        }
        const phase = (JSON.parse(r.body) as { status?: { phase?: string } }).status?.phase ?? 'Unknown';
        this.#statuses.set(id, new JobStatus(POD_PHASES[phase] ?? JobState.UNKNOWN, `pod phase ${phase}`));
      }),
    );
    return jobIds.map(
      (id) => this.#statuses.get(id) ?? new JobStatus(JobState.UNKNOWN, `no pod ${id} from ${this.label}`),
    );
  }

  async cancel(jobIds: string[]): Promise<boolean[]> {
    return Promise.all(
      jobIds.map(async (id) => {
        const r = await this.call('DELETE', `${this.podsPath(id)}?gracePeriodSeconds=0`);
        const ok = r.status === 200 || r.status === 202 || r.status === 404;
        if (ok) this.#statuses.set(id, new JobStatus(JobState.CANCELLED, 'pod deleted by parsl-ts'));
        else this.#log.warning(`could not delete pod ${id}: HTTP ${r.status} ${apiMessage(r.body)}`);
        return ok;
      }),
    );
  }
}

/** The `message` of a Kubernetes `Status` object, or the raw body. */
function apiMessage(body: string): string {
  try {
    const s = JSON.parse(body) as { message?: string };
    return s.message ?? body;
  } catch {
    return body.slice(0, 300);
  }
}
