import { randomBytes } from 'node:crypto';
import { ConfigurationError } from '../../errors.js';
import { getLogger } from '../../logging.js';
import { type KeySet, OptionReader } from '../../options.js';
import { registerSecret } from '../../secrets.js';
import { BLOCK_OPTIONS, type BlockOptions, JobState, JobStatus, ProviderBase } from '../base.js';
import { SubmitException } from '../errors.js';
import { httpExchange, importOptional, urlCheck } from '../http.js';

export interface GoogleCloudProviderOptions extends BlockOptions {
  projectId: string;
  /** @default 'us-central1-a' */
  zone?: string;
  /** @default 'n1-standard-1' */
  instanceType?: string;
  /** Image project. @default 'debian-cloud' */
  osProject?: string;
  /** Image family. @default 'debian-12' */
  osFamily?: string;
  /** @default '' */
  workerInit?: string;
  /** OAuth access token. @default obtained through `@google-cloud/compute` (optional dependency) */
  accessToken?: string;
  /** @default 'https://compute.googleapis.com/compute/v1' */
  endpoint?: string;
}

const GOOGLE_CLOUD_OPTIONS = {
  ...BLOCK_OPTIONS,
  projectId: true,
  zone: true,
  instanceType: true,
  osProject: true,
  osFamily: true,
  workerInit: true,
  accessToken: true,
  endpoint: true,
} satisfies KeySet<GoogleCloudProviderOptions>;

/** What instances.insert is asked for, with every default filled in. */
interface GceLaunch {
  readonly instanceType: string;
  readonly osProject: string;
  readonly osFamily: string;
  readonly workerInit: string;
}

/** Compute Engine instance `status` values. */
export const GCE_STATES: Readonly<Record<string, JobState>> = {
  PROVISIONING: JobState.PENDING,
  STAGING: JobState.PENDING,
  RUNNING: JobState.RUNNING,
  STOPPING: JobState.COMPLETED,
  STOPPED: JobState.COMPLETED,
  SUSPENDING: JobState.COMPLETED,
  SUSPENDED: JobState.COMPLETED,
  TERMINATED: JobState.COMPLETED,
  REPAIRING: JobState.PENDING,
};

/**
 * One Compute Engine instance per block (instances.insert / get / delete), started by a startup-script.
 * Defaults: label 'google_cloud', initBlocks 1, maxBlocks 10, statusPollingInterval 60 s, cmdTimeout 30 s.
 */
export class GoogleCloudProvider extends ProviderBase {
  readonly projectId: string;
  readonly zone: string;
  readonly #o: GceLaunch;
  readonly #base: string;
  readonly #statuses = new Map<string, JobStatus>();
  readonly #log = getLogger('parsl.providers.googlecloud');
  #token: Promise<string> | undefined;

  constructor(options: GoogleCloudProviderOptions) {
    const o = new OptionReader<GoogleCloudProviderOptions>(
      'GoogleCloudProvider',
      options,
      GOOGLE_CLOUD_OPTIONS,
    );
    super(o, {
      label: 'google_cloud',
      initBlocks: 1,
      maxBlocks: 10,
      statusPollingInterval: 60_000,
      cmdTimeout: 30,
    });
    this.projectId = o.string('projectId', '');
    if (this.projectId === '') o.fail('projectId', 'the id of your Google Cloud project (it is required)');
    this.zone = o.name('zone', 'us-central1-a');
    this.#o = {
      instanceType: o.name('instanceType', 'n1-standard-1'),
      osProject: o.name('osProject', 'debian-cloud'),
      osFamily: o.name('osFamily', 'debian-12'),
      workerInit: o.string('workerInit', ''),
    };
    const endpoint = o.check('endpoint', 'https://compute.googleapis.com/compute/v1', urlCheck);
    this.#base = `${endpoint.replace(/\/$/, '')}/projects/${encodeURIComponent(this.projectId)}/zones/${encodeURIComponent(this.zone)}/instances`;
    const token = o.secret('accessToken');
    if (token) this.#token = Promise.resolve(token);
  }

  private token(): Promise<string> {
    type ComputeModule = {
      InstancesClient: new () => { auth: { getAccessToken(): Promise<string | null | undefined> } };
    };
    this.#token ??= importOptional<ComputeModule>(
      '@google-cloud/compute',
      'GoogleCloudProvider gets credentials through @google-cloud/compute (or pass accessToken)',
    ).then(async (m) => {
      const token = await new m.InstancesClient().auth.getAccessToken();
      if (!token)
        throw new ConfigurationError('no Google credentials: run `gcloud auth application-default login`');
      registerSecret(token);
      return token;
    });
    return this.#token;
  }

  private async call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) {
    return httpExchange({
      method,
      url: `${this.#base}${path}`,
      headers: {
        authorization: `Bearer ${await this.token()}`,
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      timeoutMs: this.cmdTimeoutMs,
    });
  }

  async submit(command: string, _tasksPerNode: number, jobName: string): Promise<string> {
    const o = this.#o;
    const stem = jobName
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '');
    const name = `parsl-${stem}`.slice(0, 52).replace(/-+$/, '') + `-${randomBytes(4).toString('hex')}`;
    const body = {
      name,
      machineType: `zones/${this.zone}/machineTypes/${o.instanceType}`,
      disks: [
        {
          boot: true,
          autoDelete: true,
          initializeParams: {
            sourceImage: `projects/${o.osProject}/global/images/family/${o.osFamily}`,
          },
        },
      ],
      networkInterfaces: [
        {
          network: 'global/networks/default',
          accessConfigs: [{ type: 'ONE_TO_ONE_NAT', name: 'External NAT' }],
        },
      ],
      metadata: {
        items: [
          {
            key: 'startup-script',
            value: `#!/bin/bash\n${o.workerInit}\nexport JOBNAME="${jobName}"\n${command}\n`,
          },
        ],
      },
      labels: { 'parsl-ts': 'block' },
    };
    const r = await this.call('POST', '', body);
    if (r.status !== 200) {
      throw new SubmitException(
        jobName,
        `Compute Engine refused instance ${name} (HTTP ${r.status}): ${gceMessage(r.body)}`,
        r.body,
      );
    }
    const op = JSON.parse(r.body) as { error?: { errors?: { message?: string }[] } };
    if (op.error) {
      throw new SubmitException(
        jobName,
        `Compute Engine insert of ${name} failed: ${op.error.errors?.map((e) => e.message).join('; ')}`,
      );
    }
    this.#statuses.set(name, new JobStatus(JobState.PENDING));
    this.#log.info(`inserted instance ${name}`);
    return name;
  }

  async status(jobIds: string[]): Promise<JobStatus[]> {
    await Promise.all(
      jobIds.map(async (id) => {
        if (this.#statuses.get(id)?.terminal !== false) return;
        try {
          const r = await this.call('GET', `/${encodeURIComponent(id)}`);
          if (r.status === 404) {
            this.#statuses.set(id, new JobStatus(JobState.COMPLETED, 'instance no longer exists'));
          } else if (r.status === 200) {
            const s = (JSON.parse(r.body) as { status?: string }).status ?? 'UNKNOWN';
            this.#statuses.set(id, new JobStatus(GCE_STATES[s] ?? JobState.UNKNOWN, `instance status ${s}`));
          } else {
            this.#log.warning(`status of ${id} unknown this round: HTTP ${r.status} ${gceMessage(r.body)}`);
          }
        } catch (e) {
          this.#log.warning(`status of ${id} unknown this round: ${(e as Error).message}`);
        }
      }),
    );
    return jobIds.map(
      (id) =>
        this.#statuses.get(id) ?? new JobStatus(JobState.UNKNOWN, `no instance ${id} from ${this.label}`),
    );
  }

  async cancel(jobIds: string[]): Promise<boolean[]> {
    return Promise.all(
      jobIds.map(async (id) => {
        const r = await this.call('DELETE', `/${encodeURIComponent(id)}`);
        const ok = r.status === 200 || r.status === 404;
        if (ok) this.#statuses.set(id, new JobStatus(JobState.CANCELLED, 'deleted by parsl-ts'));
        else this.#log.warning(`could not delete ${id}: HTTP ${r.status} ${gceMessage(r.body)}`);
        return ok;
      }),
    );
  }
}

function gceMessage(body: string): string {
  try {
    return (JSON.parse(body) as { error?: { message?: string } }).error?.message ?? body;
  } catch {
    return body.slice(0, 300);
  }
}
