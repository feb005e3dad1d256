import { KubernetesProvider } from '../../providers/kubernetes/kubernetes.js';
import { htex, siteConfig } from '../build.js';
import type { Site, SiteFacts } from '../site.js';

// Any Kubernetes cluster (Parsl's kubernetes.py; Parsl's site test ran petrelkube from Cooley): one worker pool
// per pod, the image must have Node and parsl-ts. https://parsl.readthedocs.io/en/stable/userguide/configuration/examples.html
export const FACTS: SiteFacts = {
  name: 'kubernetes',
  title: 'Kubernetes',
  scheduler: 'kubernetes',
  launcher: 'none',
  channel: 'local',
  executor: 'htex',
  mpi: null,
  node: { cores: 1, memGB: 2 },
  status: 'current',
  hostnames: [],
  sharedFs: false,
  docs: ['https://kubernetes.io/docs/concepts/workloads/pods/'],
  required: ['image'],
  maxWalltime: null,
  defaultQueue: null,
};

export const kubernetes: Site = {
  facts: FACTS,
  config(o, ctx = {}) {
    const provider = new KubernetesProvider({
      label: FACTS.name,
      image: o.image ?? '<image>',
      namespace: o.namespace ?? 'default',
      workerInit: o.workerInit ?? '',
      initBlocks: 1,
      maxBlocks: o.maxBlocks ?? 2,
    });
    return siteConfig(o, ctx, [htex(FACTS, o, provider, { maxWorkersPerNode: 1 })]);
  },
};
