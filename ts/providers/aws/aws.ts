import { getLogger } from '../../logging.js';
import { type KeySet, OptionReader } from '../../options.js';
import { registerSecret } from '../../secrets.js';
import { BLOCK_OPTIONS, type BlockOptions, JobState, JobStatus, ProviderBase } from '../base.js';
import { ExecutionProviderException, SubmitException } from '../errors.js';
import { httpExchange, importOptional, urlCheck } from '../http.js';
import { type AwsCredentials, queryBody, signV4 } from './sigv4.js';

export interface AWSProviderOptions extends BlockOptions {
  /** AMI with parsl-ts installed. */
  imageId: string;
  /** @default 'us-east-2' */
  region?: string;
  /** @default 't2.small' */
  instanceType?: string;
  /** EC2 key pair name for ssh access. */
  keyName?: string;
  subnetId?: string;
  securityGroupIds?: string[];
  /** ARN of an instance profile for the workers. */
  iamInstanceProfileArn?: string;
  /** Bid for spot instances in USD/hour; 0 means on-demand. @default 0 */
  spotMaxBid?: number;
  /** @default '' */
  workerInit?: string;
  /** @default 'parsl-ts-block' */
  tagName?: string;
  /** @default `https://ec2.<region>.amazonaws.com/` */
  endpoint?: string;
  /** @default resolved by `@aws-sdk/client-ec2` (optional dependency): env, ~/.aws, instance role… */
  credentials?: AwsCredentials;
}

const AWS_OPTIONS = {
  ...BLOCK_OPTIONS,
  imageId: true,
  region: true,
  instanceType: true,
  keyName: true,
  subnetId: true,
  securityGroupIds: true,
  iamInstanceProfileArn: true,
  spotMaxBid: true,
  workerInit: true,
  tagName: true,
  endpoint: true,
  credentials: true,
} satisfies KeySet<AWSProviderOptions>;

/** What RunInstances is asked for, with every default filled in. */
interface Ec2Launch {
  readonly imageId: string;
  readonly instanceType: string;
  readonly keyName: string | undefined;
  readonly subnetId: string | undefined;
  readonly securityGroupIds: readonly string[];
  readonly iamInstanceProfileArn: string | undefined;
  readonly spotMaxBid: number;
  readonly workerInit: string;
  readonly tagName: string;
}

/** EC2 instance-state names. */
export const EC2_STATES: Readonly<Record<string, JobState>> = {
  pending: JobState.PENDING,
  running: JobState.RUNNING,
  'shutting-down': JobState.COMPLETED,
  terminated: JobState.COMPLETED,
  stopping: JobState.COMPLETED,
  stopped: JobState.COMPLETED,
};

const API_VERSION = '2016-11-15';

/**
 * One EC2 instance per block through the EC2 Query API (RunInstances, DescribeInstances, TerminateInstances).
 * Defaults: label 'ec2', initBlocks 1, maxBlocks 10, statusPollingInterval 60 s, cmdTimeout 30 s.
 */
export class AWSProvider extends ProviderBase {
  readonly region: string;
  readonly #o: Ec2Launch;
  readonly #endpoint: URL;
  readonly #statuses = new Map<string, JobStatus>();
  readonly #log = getLogger('parsl.providers.aws');
  #credentials: Promise<AwsCredentials> | undefined;

  constructor(options: AWSProviderOptions) {
    const o = new OptionReader<AWSProviderOptions>('AWSProvider', options, AWS_OPTIONS);
    super(o, { label: 'ec2', initBlocks: 1, maxBlocks: 10, statusPollingInterval: 60_000, cmdTimeout: 30 });
    const imageId = o.string('imageId', '');
    if (imageId === '') o.fail('imageId', 'an AMI id with parsl-ts installed (the AMI is required)');
    this.#o = {
      imageId,
      instanceType: o.name('instanceType', 't2.small'),
      keyName: o.string('keyName', undefined),
      subnetId: o.string('subnetId', undefined),
      securityGroupIds: o.strings('securityGroupIds', []),
      iamInstanceProfileArn: o.string('iamInstanceProfileArn', undefined),
      spotMaxBid: o.number('spotMaxBid', 0, { min: 0 }),
      workerInit: o.string('workerInit', ''),
      tagName: o.name('tagName', 'parsl-ts-block'),
    };
    this.region = o.name('region', 'us-east-2');
    this.#endpoint = new URL(o.check('endpoint', `https://ec2.${this.region}.amazonaws.com/`, urlCheck));
    const credentials = o.check<AwsCredentials | null>('credentials', null, (v) => {
      const c = v as Partial<AwsCredentials> | null;
      return typeof c?.accessKeyId === 'string' && typeof c.secretAccessKey === 'string'
        ? null
        : '{ accessKeyId, secretAccessKey, sessionToken? }';
    });
    if (credentials !== null) this.#credentials = Promise.resolve(registerCredentials(credentials));
  }

  private credentials(): Promise<AwsCredentials> {
    type Ec2Module = {
      EC2Client: new (c: { region: string }) => { config: { credentials: () => Promise<AwsCredentials> } };
    };
    this.#credentials ??= importOptional<Ec2Module>(
      '@aws-sdk/client-ec2',
      'AWSProvider finds AWS credentials through @aws-sdk/client-ec2 (or pass credentials: { accessKeyId, secretAccessKey })',
    ).then(async (m) =>
      registerCredentials(await new m.EC2Client({ region: this.region }).config.credentials()),
    );
    return this.#credentials;
  }

  /** One Query API call; resolves with the XML body of a 2xx answer, else rejects with the EC2 error. */
  private async call(action: string, params: Record<string, string>): Promise<string> {
    const body = queryBody({ Action: action, Version: API_VERSION, ...params });
    const headers = signV4({
      url: this.#endpoint,
      body,
      region: this.region,
      service: 'ec2',
      credentials: await this.credentials(),
    });
    const r = await httpExchange({
      method: 'POST',
      url: this.#endpoint.href,
      headers,
      body,
      timeoutMs: this.cmdTimeoutMs,
    });
    if (r.status >= 200 && r.status < 300) return r.body;
    throw new Ec2ApiError(
      action,
      r.status,
      xmlText(r.body, 'Code') ?? 'Unknown',
      xmlText(r.body, 'Message') ?? r.body,
    );
  }

  async submit(command: string, _tasksPerNode: number, jobName: string): Promise<string> {
    const o = this.#o;
    const userData = `#!/bin/bash\n${o.workerInit}\nexport JOBNAME="${jobName}"\n${command}\n`;
    const p: Record<string, string> = {
      ImageId: o.imageId,
      InstanceType: o.instanceType,
      MinCount: '1',
      MaxCount: '1',
      UserData: Buffer.from(userData).toString('base64'),
      InstanceInitiatedShutdownBehavior: 'terminate',
      'TagSpecification.1.ResourceType': 'instance',
      'TagSpecification.1.Tag.1.Key': 'Name',
      'TagSpecification.1.Tag.1.Value': o.tagName,
      'TagSpecification.1.Tag.2.Key': 'parsl-ts-job',
      'TagSpecification.1.Tag.2.Value': jobName,
    };
    if (o.keyName) p.KeyName = o.keyName;
    if (o.subnetId) p.SubnetId = o.subnetId;
    o.securityGroupIds.forEach((g, i) => {
      p[`SecurityGroupId.${i + 1}`] = g;
    });
    if (o.iamInstanceProfileArn) p['IamInstanceProfile.Arn'] = o.iamInstanceProfileArn;
    if (o.spotMaxBid > 0) {
      p['InstanceMarketOptions.MarketType'] = 'spot';
      p['InstanceMarketOptions.SpotOptions.MaxPrice'] = String(o.spotMaxBid);
    }
    let xml: string;
    try {
      xml = await this.call('RunInstances', p);
    } catch (cause) {
      throw new SubmitException(jobName, `EC2 RunInstances failed: ${(cause as Error).message}`, '', '', {
        cause,
      });
    }
    const id = xmlText(xml, 'instanceId');
    if (!id)
      throw new SubmitException(jobName, `EC2 RunInstances returned no instanceId: ${xml.slice(0, 300)}`);
    this.#statuses.set(id, new JobStatus(JobState.PENDING));
    this.#log.info(`started instance ${id} for ${jobName}`);
    return id;
  }

  async status(jobIds: string[]): Promise<JobStatus[]> {
    const live = jobIds.filter((id) => this.#statuses.get(id)?.terminal === false);
    if (live.length > 0) {
      try {
        const params: Record<string, string> = {};
        live.forEach((id, i) => {
          params[`InstanceId.${i + 1}`] = id;
        });
        const seen = parseInstanceStates(await this.call('DescribeInstances', params));
        for (const id of live) {
          const name = seen.get(id);
          this.#statuses.set(
            id,
            name === undefined
              ? new JobStatus(JobState.COMPLETED, 'instance no longer listed')
              : new JobStatus(EC2_STATES[name] ?? JobState.UNKNOWN, `instance state ${name}`),
          );
        }
      } catch (e) {
        if (e instanceof Ec2ApiError && e.code === 'InvalidInstanceID.NotFound') {
          // One unknown id fails the whole call; EC2 forgets terminated instances after about an hour.
          for (const id of live)
            this.#statuses.set(id, new JobStatus(JobState.COMPLETED, 'instance not found'));
        } else {
          this.#log.warning(`instance states unknown this round: ${(e as Error).message}`);
        }
      }
    }
    return jobIds.map(
      (id) =>
        this.#statuses.get(id) ?? new JobStatus(JobState.UNKNOWN, `no instance ${id} from ${this.label}`),
    );
  }

  async cancel(jobIds: string[]): Promise<boolean[]> {
    const params: Record<string, string> = {};
    jobIds.forEach((id, i) => {
      params[`InstanceId.${i + 1}`] = id;
    });
    try {
      await this.call('TerminateInstances', params);
    } catch (e) {
      this.#log.warning(`TerminateInstances failed: ${(e as Error).message}`);
      return jobIds.map(() => false);
    }
    for (const id of jobIds)
      this.#statuses.set(id, new JobStatus(JobState.CANCELLED, 'terminated by parsl-ts'));
    return jobIds.map(() => true);
  }
}

/** An error answer of the EC2 API (`<Response><Errors><Error><Code>…`). */
export class Ec2ApiError extends ExecutionProviderException {
  constructor(
    readonly action: string,
    readonly httpStatus: number,
    readonly code: string,
    detail: string,
  ) {
    super(
      `EC2 ${action} answered HTTP ${httpStatus} ${code}: ${detail}; check the region, credentials and parameters`,
    );
  }
}

function xmlText(xml: string, tag: string): string | undefined {
  return new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];
}

/** instanceId → state name from a DescribeInstances answer. */
export function parseInstanceStates(xml: string): Map<string, string> {
  const states = new Map<string, string>();
  const chunks = xml.split('<instanceId>').slice(1);
  for (const chunk of chunks) {
    const id = chunk.slice(0, chunk.indexOf('<'));
    const name = /<instanceState>\s*<code>\d+<\/code>\s*<name>([^<]+)<\/name>/.exec(chunk)?.[1];
    if (id && name) states.set(id, name);
  }
  return states;
}

/** The secret parts of AWS credentials are masked in logs and errors; the access key id is not a secret. */
function registerCredentials(c: AwsCredentials): AwsCredentials {
  registerSecret(c.secretAccessKey);
  registerSecret(c.sessionToken);
  return c;
}
