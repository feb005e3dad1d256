import type { KeySet, OptionReader } from '../../options.js';

/** The pod a block runs in: fields documented in the Kubernetes API reference (core/v1 Pod). */
export interface PodOptions {
  /** Container image that has parsl-ts installed. */
  image: string;
  /** Pod name prefix. @default the job name */
  podName?: string;
  /** @default '' */
  workerInit?: string;
  /** CPU limit, e.g. 1 or '500m'. @default 1 */
  maxCpu?: number | string;
  /** Memory limit. @default '500Mi' */
  maxMem?: string;
  /** CPU request. @default maxCpu */
  initCpu?: number | string;
  /** Memory request. @default maxMem */
  initMem?: string;
  /** imagePullSecrets name. */
  secret?: string;
  /** @default 'IfNotPresent' */
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  serviceAccountName?: string;
  /** Security context: run as this uid/gid. */
  userId?: number;
  groupId?: number;
  runAsNonRoot?: boolean;
  /** `[claimName, mountPath]` pairs of PersistentVolumeClaims. @default [] */
  persistentVolumes?: [string, string][];
  annotations?: Record<string, string>;
  /** Extra environment variables. @default {} */
  env?: Record<string, string>;
}

export const POD_OPTIONS = {
  image: true,
  podName: true,
  workerInit: true,
  maxCpu: true,
  maxMem: true,
  initCpu: true,
  initMem: true,
  secret: true,
  imagePullPolicy: true,
  serviceAccountName: true,
  userId: true,
  groupId: true,
  runAsNonRoot: true,
  persistentVolumes: true,
  annotations: true,
  env: true,
} satisfies KeySet<PodOptions>;

const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;

function cpuCheck(v: unknown): string | null {
  return (typeof v === 'number' && v > 0) || (typeof v === 'string' && v !== '')
    ? null
    : "a CPU count or quantity, e.g. 1 or '500m'";
}

function volumesCheck(v: unknown): string | null {
  const pair = (p: unknown) => Array.isArray(p) && p.length === 2 && p.every((x) => typeof x === 'string');
  return Array.isArray(v) && v.every(pair) ? null : 'an array of [claimName, mountPath] pairs';
}

/** The pod options of a provider's options, checked; a missing `image` is refused. */
export function readPodOptions<T extends PodOptions>(o: OptionReader<T>): PodOptions {
  const image = o.string('image', '');
  if (image === '') o.fail('image', 'the container image of the workers (it is required)');
  return {
    image,
    podName: o.string('podName', undefined),
    workerInit: o.string('workerInit', ''),
    maxCpu: o.check<number | string>('maxCpu', 1, cpuCheck),
    maxMem: o.name('maxMem', '500Mi'),
    initCpu: o.check<number | string | undefined>('initCpu', undefined, cpuCheck),
    initMem: o.string('initMem', undefined),
    secret: o.string('secret', undefined),
    imagePullPolicy: o.oneOf('imagePullPolicy', PULL_POLICIES, 'IfNotPresent'),
    serviceAccountName: o.string('serviceAccountName', undefined),
    userId: o.number('userId', undefined, { integer: true, min: 0 }),
    groupId: o.number('groupId', undefined, { integer: true, min: 0 }),
    runAsNonRoot: o.has('runAsNonRoot') ? o.bool('runAsNonRoot', false) : undefined,
    persistentVolumes: o.check<[string, string][]>('persistentVolumes', [], volumesCheck),
    annotations: o.has('annotations') ? o.stringRecord('annotations', {}) : undefined,
    env: o.stringRecord('env', {}),
  };
}

export function buildPod(name: string, command: string, o: PodOptions): Record<string, unknown> {
  const limits = { cpu: String(o.maxCpu ?? 1), memory: o.maxMem ?? '500Mi' };
  const requests = { cpu: String(o.initCpu ?? limits.cpu), memory: o.initMem ?? limits.memory };
  const volumes = (o.persistentVolumes ?? []).map(([claim], i) => ({
    name: `volume-${i}`,
    persistentVolumeClaim: { claimName: claim },
  }));
  const securityContext: Record<string, unknown> = {};
  if (o.userId !== undefined) securityContext.runAsUser = o.userId;
  if (o.groupId !== undefined) securityContext.runAsGroup = o.groupId;
  if (o.runAsNonRoot !== undefined) securityContext.runAsNonRoot = o.runAsNonRoot;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      labels: { app: name, 'parsl-ts/block': 'true' },
      ...(o.annotations ? { annotations: o.annotations } : {}),
    },
    spec: {
      restartPolicy: 'Never',
      ...(o.serviceAccountName ? { serviceAccountName: o.serviceAccountName } : {}),
      ...(o.secret ? { imagePullSecrets: [{ name: o.secret }] } : {}),
      ...(volumes.length ? { volumes } : {}),
      containers: [
        {
          name,
          image: o.image,
          imagePullPolicy: o.imagePullPolicy ?? 'IfNotPresent',
          command: ['/bin/bash'],
          args: ['-c', `${o.workerInit ?? ''}\n\n${command}`],
          resources: { limits, requests },
          env: Object.entries(o.env ?? {}).map(([n, value]) => ({ name: n, value })),
          ...(Object.keys(securityContext).length ? { securityContext } : {}),
          ...(volumes.length
            ? {
                volumeMounts: (o.persistentVolumes ?? []).map(([, mountPath], i) => ({
                  name: `volume-${i}`,
                  mountPath,
                })),
              }
            : {}),
        },
      ],
    },
  };
}
