/**
 * Kubernetes, AWS EC2 and Google Compute Engine providers against local HTTP stand-ins speaking the
 * documented REST shapes (test/stand-ins/cloud-apis.ts); the SDK-only credential paths are checked for the
 * OptionalModuleMissing error, since the SDKs are optional dependencies that are not installed here.
 */

import {
  AWSProvider,
  GoogleCloudProvider,
  JobState,
  KubernetesProvider,
  OptionalModuleMissing,
  SubmitException,
} from 'parsl-ts';
import { afterEach, describe, expect, test } from 'vitest';
import { signV4 } from '#internal';
import { computeApi, ec2Api, kubernetesApi, type StandIn } from '../stand-ins/cloud-apis.js';

const open: StandIn<unknown>[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});
async function track<T>(p: Promise<StandIn<T>>): Promise<StandIn<T>> {
  const s = await p;
  open.push(s as StandIn<unknown>);
  return s;
}
const states = (list: { state: JobState }[]) => list.map((s) => JobState[s.state]);

describe('KubernetesProvider (core/v1 pods)', () => {
  test('creates a pod running workerInit + command, follows its phase, deletes it → CANCELLED', async () => {
    const api = await track(kubernetesApi('tok'));
    const p = new KubernetesProvider({
      image: 'ghcr.io/example/parsl-ts:1',
      cluster: { server: api.url, token: 'tok' },
      workerInit: 'source /env',
      maxCpu: 2,
      maxMem: '1Gi',
      persistentVolumes: [['claim-a', '/data']],
    });
    expect([p.initBlocks, p.minBlocks, p.maxBlocks]).toEqual([4, 0, 10]);
    const id = await p.submit('parsl-ts worker-pool --block 0', 1, 'HTEX.Block_0');
    expect(id).toMatch(/^htex-block-0-[0-9a-f]{8}$/);
    const pod = api.items.get(id)!.body as unknown as {
      spec: {
        restartPolicy: string;
        volumes: unknown[];
        containers: { args: string[]; image: string; resources: { limits: unknown } }[];
      };
    };
    expect(pod.spec.restartPolicy).toBe('Never');
    expect(pod.spec.containers[0]!.args).toEqual(['-c', 'source /env\n\nparsl-ts worker-pool --block 0']);
    expect(pod.spec.containers[0]!.resources.limits).toEqual({ cpu: '2', memory: '1Gi' });
    expect(pod.spec.volumes).toEqual([{ name: 'volume-0', persistentVolumeClaim: { claimName: 'claim-a' } }]);
    expect(states(await p.status([id]))).toEqual(['PENDING']);
    expect(states(await p.status([id]))).toEqual(['RUNNING']);
    api.items.get(id)!.phase = 'Failed';
    expect(states(await p.status([id]))).toEqual(['FAILED']);

    const id2 = await p.submit('w', 1, 'b1');
    expect(await p.cancel([id2])).toEqual([true]);
    expect(api.items.has(id2)).toBe(false);
    expect(states(await p.status([id2]))).toEqual(['CANCELLED']);
  });

  test('a pod that disappeared is COMPLETED; API errors become SubmitException with the Status message', async () => {
    const api = await track(kubernetesApi('tok'));
    const p = new KubernetesProvider({ image: 'img', cluster: { server: api.url, token: 'tok' } });
    const id = await p.submit('w', 1, 'b');
    api.items.delete(id);
    expect(states(await p.status([id]))).toEqual(['COMPLETED']);
    const wrongNs = new KubernetesProvider({
      image: 'img',
      namespace: 'nope',
      cluster: { server: api.url, token: 'tok' },
    });
    await expect(wrongNs.submit('w', 1, 'b')).rejects.toThrow(/HTTP 404\): namespaces "nope" not found/);
    const badToken = new KubernetesProvider({ image: 'img', cluster: { server: api.url, token: 'bad' } });
    await expect(badToken.submit('w', 1, 'b')).rejects.toBeInstanceOf(SubmitException);
  });

  test('without cluster, kubeconfig is read through @kubernetes/client-node → OptionalModuleMissing', async () => {
    const p = new KubernetesProvider({ image: 'img' });
    const err = await p.submit('w', 1, 'b').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OptionalModuleMissing);
    expect((err as Error).message).toContain('npm install @kubernetes/client-node');
  });
});

describe('AWSProvider (EC2 Query API, Signature V4)', () => {
  test('the SigV4 implementation reproduces AWS’s documented example signature', () => {
    const headers = signV4({
      method: 'GET',
      url: new URL('https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08'),
      body: '',
      region: 'us-east-1',
      service: 'iam',
      credentials: {
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      },
      now: new Date('2015-08-30T12:36:00Z'),
    });
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
    );
  });

  const creds = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };

  test('RunInstances with UserData, DescribeInstances states, TerminateInstances → CANCELLED', async () => {
    const api = await track(ec2Api('AKIDTEST'));
    const p = new AWSProvider({
      imageId: 'ami-0123456789abcdef0',
      endpoint: `${api.url}/`,
      credentials: creds,
      keyName: 'mykey',
      securityGroupIds: ['sg-1', 'sg-2'],
      workerInit: 'module load x',
      spotMaxBid: 0.05,
    });
    const id = await p.submit('parsl-ts worker-pool', 1, 'block-0');
    expect(id).toMatch(/^i-[0-9a-f]+$/);
    const params = api.items.get(id)!.params;
    expect(Buffer.from(params.UserData as string, 'base64').toString()).toBe(
      '#!/bin/bash\nmodule load x\nexport JOBNAME="block-0"\nparsl-ts worker-pool\n',
    );
    expect([params['SecurityGroupId.2'], params.KeyName, params['InstanceMarketOptions.MarketType']]).toEqual(
      ['sg-2', 'mykey', 'spot'],
    );
    expect(api.requests[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded; charset=utf-8');
    expect(states(await p.status([id]))).toEqual(['PENDING']);
    expect(states(await p.status([id]))).toEqual(['RUNNING']);
    expect(await p.cancel([id])).toEqual([true]);
    expect(states(await p.status([id]))).toEqual(['CANCELLED']);
  });

  test('EC2 errors: a malformed AMI → SubmitException with EC2’s code; unknown instance → COMPLETED', async () => {
    const api = await track(ec2Api('AKIDTEST'));
    const bad = new AWSProvider({ imageId: 'not-an-ami', endpoint: `${api.url}/`, credentials: creds });
    await expect(bad.submit('w', 1, 'b')).rejects.toThrow(
      /InvalidAMIID\.Malformed: Invalid id: "not-an-ami"/,
    );
    const wrongKey = new AWSProvider({
      imageId: 'ami-0123456789abcdef0',
      endpoint: `${api.url}/`,
      credentials: { ...creds, accessKeyId: 'OTHER' },
    });
    await expect(wrongKey.submit('w', 1, 'b')).rejects.toThrow(/AuthFailure/);
    const p = new AWSProvider({
      imageId: 'ami-0123456789abcdef0',
      endpoint: `${api.url}/`,
      credentials: creds,
    });
    const id = await p.submit('w', 1, 'b');
    api.items.delete(id);
    expect(states(await p.status([id]))).toEqual(['COMPLETED']);
  });

  test('without credentials, the AWS SDK is needed → OptionalModuleMissing', async () => {
    const err = await new AWSProvider({ imageId: 'ami-0123456789abcdef0' })
      .submit('w', 1, 'b')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SubmitException);
    expect((err as Error).cause).toBeInstanceOf(OptionalModuleMissing);
    expect(String((err as Error).message)).toContain('npm install @aws-sdk/client-ec2');
  });
});

describe('GoogleCloudProvider (Compute Engine v1 instances)', () => {
  test('inserts an instance with a startup-script, follows its status, deletes it', async () => {
    const api = await track(computeApi('gtok', 'proj-1', 'europe-west1-b'));
    const p = new GoogleCloudProvider({
      projectId: 'proj-1',
      zone: 'europe-west1-b',
      accessToken: 'gtok',
      endpoint: api.url,
      workerInit: 'pip list',
    });
    const id = await p.submit('parsl-ts worker-pool', 1, 'HTEX.Block_3');
    expect(id).toMatch(/^parsl-htex-block-3-[0-9a-f]{8}$/);
    const inst = api.items.get(id)!.body;
    expect(inst.machineType).toBe('zones/europe-west1-b/machineTypes/n1-standard-1');
    expect(inst.metadata.items).toEqual([
      {
        key: 'startup-script',
        value: '#!/bin/bash\npip list\nexport JOBNAME="HTEX.Block_3"\nparsl-ts worker-pool\n',
      },
    ]);
    expect(states(await p.status([id]))).toEqual(['PENDING']);
    expect(states(await p.status([id]))).toEqual(['PENDING']);
    expect(states(await p.status([id]))).toEqual(['RUNNING']);
    api.items.get(id)!.status = 'TERMINATED';
    expect(states(await p.status([id]))).toEqual(['COMPLETED']);
    const id2 = await p.submit('w', 1, 'b');
    expect(await p.cancel([id2])).toEqual([true]);
    expect(api.items.has(id2)).toBe(false);
  });

  test('API errors carry Google’s message; a vanished instance is COMPLETED; no token → OptionalModuleMissing', async () => {
    const api = await track(computeApi('gtok', 'proj-1', 'us-central1-a'));
    const bad = new GoogleCloudProvider({
      projectId: 'proj-1',
      accessToken: 'gtok',
      endpoint: api.url,
      instanceType: 'z9-huge',
    });
    await expect(bad.submit('w', 1, 'b')).rejects.toThrow(/Machine type with name 'z9-huge' does not exist/);
    const p = new GoogleCloudProvider({ projectId: 'proj-1', accessToken: 'gtok', endpoint: api.url });
    const id = await p.submit('w', 1, 'b');
    api.items.delete(id);
    expect(states(await p.status([id]))).toEqual(['COMPLETED']);
    const noToken = new GoogleCloudProvider({ projectId: 'proj-1', endpoint: api.url });
    await expect(noToken.submit('w', 1, 'b')).rejects.toBeInstanceOf(OptionalModuleMissing);
  });
});
